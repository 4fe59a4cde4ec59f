"""Validate stage: assemble the pydantic record and check every span against the article.

A span that is not verbatim article text is dropped with a warning (grounded decoding makes this a bug
signal, not an expected path); a record pydantic rejects becomes an error line, never a broken output.
"""
from __future__ import annotations

from pydantic import ValidationError

from pipeline.extract import Extraction
from pipeline.records import Article, Claim, ErrorRecord, FactsRecord, Provenance, Span
from pipeline.spans import is_grounded


def build_record(article: Article, summary: str, extraction: Extraction | None, *, model: str,
                 provenance: Provenance) -> FactsRecord | ErrorRecord:
    warnings = list(article.warnings)
    text = article.text

    def grounded(spans: list[Span], field: str) -> list[Span]:
        kept = [s for s in spans if is_grounded(s, text)]
        for s in spans:
            if not is_grounded(s, text):
                warnings.append(f"dropped {field} span not found at [{s.start}:{s.end}]: {s.text[:40]!r}")
        return kept

    claims: list[Claim] = []
    agency = None
    if extraction is not None:
        for c in extraction.claims:
            claims.append(Claim(claim=c.claim, claimants=grounded(c.claimants, "claimant"),
                                deniers=grounded(c.deniers, "denier"), evidence=grounded(c.evidence, "evidence")))
        agency_list = grounded([extraction.source_agency] if extraction.source_agency else [], "source_agency")
        agency = agency_list[0] if agency_list else None
    try:
        return FactsRecord(id=article.id, title=article.title, summary=summary, model=model,
                           source_agency=agency, claims=claims, warnings=warnings, provenance=provenance)
    except ValidationError as exc:
        return ErrorRecord(id=article.id, line=article.line, stage="validate", error=f"invalid record: {exc}")
