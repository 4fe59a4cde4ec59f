"""Faithfulness stage: every generated text (summary, claim) is checked against its article, and one that names or
numbers something the article does not support is regenerated or replaced, with a warning on the record.

`faithfulness.on_violation` (config) says what happens to a text with an unsupported name or number
(`pipeline.faithfulness`):

- `regenerate` (default): the model writes it once more, decoded under the constraint that it can only write
  the article's names and numbers (`pipeline.name_constraint`); if that text still fails the check (or the
  backend cannot constrain decoding), it falls back;
- `fallback`: straight to the fallback: a claim becomes the proposition copied from the article (the claim
  draft's rule text, else its evidence sentence), a summary the article's most central sentences
  (`pipeline.extractive`);
- `keep`: the text is kept, with the warning.

Each text's origin lands in the record (`summary_origin`, `claim_origin`: generated, regenerated, extractive) and
`faithfulness_counts` sums them for `manifest.json`.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.backends.base import ConstrainedDecodingUnavailable, ModelBackend, NameSource
from pipeline.extractive import MAX_WORDS, MIN_WORDS, central_sentences
from pipeline.faithfulness import ArticleSupport, Unsupported, article_support, check_texts
from pipeline.linguistics.parse import parse_articles
from pipeline.linguistics.restate import restatement_context, restatement_problem
from pipeline.records import Article, TextOrigin
from pipeline.sentences import split_sentences
from pipeline.summarize import complete_sentences

if TYPE_CHECKING:
    from spacy.language import Language

    from pipeline.extract import Extraction

KEPT = "kept"
# sentences of an extractive summary that fail the check (a parse quirk) are left out, at most this many times
_MAX_EXTRACTIVE_TRIES = 3


class FaithfulnessSpec(BaseModel):
    """`faithfulness:` in the config."""

    model_config = ConfigDict(extra="forbid")

    check: bool = Field(True, description="Check every generated summary and claim for unsupported names/numbers.")
    on_violation: Literal["regenerate", "fallback", "keep"] = "regenerate"


@dataclass
class Text:
    """One free text of a record on its way through the stage."""

    text: str
    origin: TextOrigin | None
    label: str  # "summary" or "claim N", for warnings
    #: the prompt that produced it (regeneration), None when it was not generated
    prompt: str | None = None
    #: article text to fall back to, best first (claims: the proposition, the evidence sentence)
    fallbacks: list[str] = field(default_factory=list)
    #: for a claim: the proposition and its sentence (a regenerated restatement is checked like the first)
    restates: tuple[str, str] | None = None


@dataclass
class Revised:
    summary: str
    summary_origin: TextOrigin | None
    claims: list[tuple[str, TextOrigin | None]]
    warnings: list[str]


def revise(articles: list[Article], summaries: list[Text], claims: list[list[Text]], backend: ModelBackend | None,
           spec: FaithfulnessSpec, nlp: Language, max_summary_tokens: int, max_claim_tokens: int) -> list[Revised]:
    """Check (and where needed regenerate or replace) each article's summary and claim texts."""
    notes: list[list[str]] = [[] for _ in articles]
    # Only generated texts are checked: extractive ones are article text already. An article none of whose texts
    # the model wrote is not parsed again (a rules-only run costs nothing here).
    items = [(k, t) for k, t in enumerate(summaries)] + [(k, t) for k, ts in enumerate(claims) for t in ts]
    items = [(k, t) for k, t in items if t.origin == "generated"]
    if spec.check and items:
        checked = sorted({k for k, _ in items})
        parsed = parse_articles(nlp, [(articles[k].text, articles[k].title) for k in checked])
        supports = dict(zip(checked, map(article_support, parsed)))
        failed = _failing(nlp, items, supports)
        if failed and spec.on_violation == "regenerate":
            failed = _regenerate(nlp, failed, supports, backend, max_summary_tokens, max_claim_tokens, notes)
        for k, text, problems in failed:
            if spec.on_violation == "keep":
                notes[k].append(_note(text, problems, f"{KEPT}: faithfulness.on_violation=keep"))
            else:
                notes[k].append(_note(text, problems, _fall_back(nlp, articles[k], text, supports[k])))
    return [Revised(summary=s.text, summary_origin=s.origin, claims=[(c.text, c.origin) for c in cs], warnings=n)
            for s, cs, n in zip(summaries, claims, notes)]


Failure = tuple[int, Text, list[Unsupported]]


def _failing(nlp: Language, items: list[tuple[int, Text]], supports: Mapping[int, ArticleSupport]) -> list[Failure]:
    found = check_texts(nlp, [t.text for _, t in items], [supports[k] for k, _ in items])
    return [(k, t, problems) for (k, t), problems in zip(items, found) if problems]


def _regenerate(nlp: Language, failed: list[Failure], supports: Mapping[int, ArticleSupport],
                backend: ModelBackend | None,
                max_summary_tokens: int, max_claim_tokens: int, notes: list[list[str]]) -> list[Failure]:
    """Regenerate every failed generated text once under its article's names and numbers; the failures left."""
    todo = [f for f in failed if f[1].prompt is not None]
    if backend is None or not todo:
        return failed
    answers: dict[int, str] = {}
    try:
        for is_summary, limit in ((True, max_summary_tokens), (False, max_claim_tokens)):
            group = [(i, f) for i, f in enumerate(todo) if (f[1].restates is None) == is_summary]
            if group:
                texts = backend.generate_constrained([f[1].prompt for _, f in group],  # type: ignore[misc]
                                                     [NameSource(supports[f[0]].words) for _, f in group], limit)
                answers.update({i: _tidy(text, f[1]) for (i, f), text in zip(group, texts)})
    except ConstrainedDecodingUnavailable:
        return failed
    retried = [(f[0], Text(answers[i], "regenerated", f[1].label)) for i, f in enumerate(todo)]
    still = {id(t) for _, t, _ in _failing(nlp, [(k, t) for k, t in retried if t.text], supports)}
    left = [f for f in failed if f[1].prompt is None]
    for (k, retry), (_, text, problems) in zip(retried, todo):
        if retry.text and id(retry) not in still and not _restatement_rejected(nlp, retry.text, text):
            notes[k].append(_note(text, problems, "regenerated under the article's names and numbers"))
            text.text, text.origin = retry.text, "regenerated"
        else:
            left.append((k, text, problems))
    return left


def _tidy(text: str, original: Text) -> str:
    return complete_sentences(text) if original.restates is None else " ".join(text.split())


def _restatement_rejected(nlp: Language, text: str, original: Text) -> bool:
    if original.restates is None:
        return False
    return restatement_problem(nlp(text), *original.restates) is not None


def _fall_back(nlp: Language, article: Article, text: Text, support: ArticleSupport) -> str:
    """Replace `text` by article text that passes the check; say what it became."""
    if text.restates is None:
        sentences = split_sentences(article.text)
        excluded: set[int] = set()
        for _ in range(_MAX_EXTRACTIVE_TRIES):
            chosen = central_sentences(sentences, article.title, MIN_WORDS, MAX_WORDS, excluded)
            found = check_texts(nlp, [sentences[i].text for i in chosen], [support] * len(chosen))
            bad = {i for i, problems in zip(chosen, found) if problems}
            if not bad:
                break
            excluded |= bad
        text.text, text.origin = " ".join(" ".join(sentences[i].text.split()) for i in chosen), "extractive"
        return "replaced by an extractive summary" + ("; unsupported still" if bad else "")
    candidates = [t for t in text.fallbacks if t.strip()]
    for candidate in candidates:
        if not _failing(nlp, [(0, Text(candidate, "extractive", text.label))], [support]):
            text.text, text.origin = candidate, "extractive"
            return "replaced by the proposition copied from the article"
    if candidates:  # nothing passes (a parse quirk): the article's own words are still the safest text
        text.text, text.origin = candidates[0], "extractive"
    return "replaced by the proposition copied from the article; unsupported still"


def _note(text: Text, problems: list[Unsupported], outcome: str) -> str:
    return f"{text.label}: unsupported {', '.join(dict.fromkeys(map(str, problems)))} ({outcome})"


def faithfulness_counts(facts_path: Path) -> dict[str, Any]:
    """Origins of the summaries and claims in a facts.jsonl, and the records that still carry an unsupported name or
    number (kept, or a fallback that failed): the manifest's `faithfulness` section."""
    summaries: Counter[str] = Counter()
    claims: Counter[str] = Counter()
    kept = 0
    if facts_path.is_file():
        with facts_path.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if record.get("summary"):
                    summaries[str(record.get("summary_origin"))] += 1
                for claim in record.get("claims") or []:
                    claims[str(claim.get("claim_origin"))] += 1
                kept += any(w.endswith("unsupported still)") or f"({KEPT}:" in w for w in record.get("warnings") or [])
    return {"summaries": dict(sorted(summaries.items())), "claims": dict(sorted(claims.items())),
            "records_with_unsupported_left": kept}


def stage_texts(summaries: list[str], summary_prompts: list[str | None], extractions: list[Extraction | None],
                summary_origin: TextOrigin | None = "generated") -> tuple[list[Text], list[list[Text]]]:
    """The free texts of a step's records as the summarize and extract stages made them."""
    summary_texts = [Text(s, summary_origin if s else None, "summary", prompt=p if s else None)
                     for s, p in zip(summaries, summary_prompts)]
    claim_texts: list[list[Text]] = []
    for extraction in extractions:
        texts: list[Text] = []
        if extraction is not None:
            rules = extraction.rule_texts or [c.claim for c in extraction.claims]
            asked = extraction.claim_prompts or [None] * len(extraction.claims)
            for n, (claim, rule, prompt) in enumerate(zip(extraction.claims, rules, asked), 1):
                sentence = claim.evidence[0].text if claim.evidence else rule
                context = restatement_context(sentence, claim.claimants + claim.deniers)  # as extraction checks
                texts.append(Text(claim.claim, claim.claim_origin, f"claim {n}",
                                  prompt=prompt if claim.claim_origin == "generated" else None,
                                  fallbacks=[rule, sentence], restates=(rule, context)))
        claim_texts.append(texts)
    return summary_texts, claim_texts
