"""Validate stage: assemble the pydantic record and check every span against the article.

A span that is not verbatim article text is dropped with a warning (grounded decoding makes this a bug
signal, not an expected path); a record pydantic rejects becomes an error line, never a broken output.
"""
from __future__ import annotations

from pydantic import ValidationError

from pipeline.extract import Extraction
from pipeline.records import Article, Claim, ErrorRecord, FactsRecord, Provenance, Span, TextOrigin
from pipeline.revise import Revised
from pipeline.spans import is_grounded


def build_record(article: Article, summary: str, extraction: Extraction | None, *, model: str,
                 provenance: Provenance, revised: Revised | None = None,
                 summary_origin: TextOrigin | None = None) -> FactsRecord | ErrorRecord:
    """`revised`: the faithfulness stage's texts (summary, claim texts, their origins and warnings), if it ran;
    else `summary_origin` says where the summary comes from."""
    warnings = list(article.warnings)
    text = article.text
    if revised is not None:
        summary, summary_origin = revised.summary, revised.summary_origin

    def grounded(spans: list[Span], field: str) -> list[Span]:
        kept = [s for s in spans if is_grounded(s, text)]
        for s in spans:
            if not is_grounded(s, text):
                warnings.append(f"dropped {field} span not found at [{s.start}:{s.end}]: {s.text[:40]!r}")
        return kept

    claims: list[Claim] = []
    agency = None
    if extraction is not None:
        texts = revised.claims if revised is not None else [(c.claim, c.claim_origin) for c in extraction.claims]
        for c, (claim_text, origin) in zip(extraction.claims, texts, strict=True):
            claims.append(Claim(claim=claim_text, claimants=grounded(c.claimants, "claimant"),
                                deniers=grounded(c.deniers, "denier"), evidence=grounded(c.evidence, "evidence"),
                                claim_origin=origin))
        agency_list = grounded([extraction.source_agency] if extraction.source_agency else [], "source_agency")
        agency = agency_list[0] if agency_list else None
    if revised is not None:
        warnings += revised.warnings
    try:
        return FactsRecord(id=article.id, title=article.title, summary=summary, summary_origin=summary_origin,
                           model=model, source_agency=agency, claims=claims, warnings=warnings, provenance=provenance)
    except ValidationError as exc:
        return ErrorRecord(id=article.id, line=article.line, stage="validate", error=f"invalid record: {exc}")
