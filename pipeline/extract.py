"""Extract stage: claims with claimants, deniers and evidence, plus the source agency.

Structure comes from our code, not from model-written JSON (a T5 cannot even write `{`). The linguistic layer
(`pipeline.linguistics`) parses each article and reads its attribution frames: which propositions are asserted
or disputed, by whom (the most specific mention, pronouns and bare role nouns resolved), with the sentences as
evidence. The model then answers short decomposed questions, batched across all articles of a step: it
restates each proposition as a standalone sentence (checked: a restatement that keeps the attribution or drifts
from the article is replaced by the proposition copied from the article), and, only where a speaker is a
pronoun the rules could not resolve, chooses who it is among the article's mentions under a grounding
constraint, so each name is a verbatim piece of the article with exact offsets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.agency import find_source_agency
from pipeline.backends.base import ModelBackend, SpanQuestion
from pipeline.config import DecodingSpec, ExtractSpec
from pipeline.linguistics.claims import ClaimDraft, draft_claims
from pipeline.linguistics.mentions import MentionIndex, speaker_options
from pipeline.linguistics.parse import ParsedArticle, parse_articles
from pipeline.linguistics.restate import restatement_context, restatement_problem
from pipeline.prompts import PromptSet
from pipeline.records import Article, Claim, Span
from pipeline.spans import dedupe

if TYPE_CHECKING:
    from spacy.language import Language

MAX_OPTIONS = 12


@dataclass
class Extraction:
    claims: list[Claim]
    source_agency: Span | None
    #: claims whose model restatement was replaced by the article's proposition, and why
    replaced: list[str] | None = None
    #: per claim: the proposition copied from the article (the faithfulness fallback) and the prompt that asked the
    #: model to restate it (None: not asked)
    rule_texts: list[str] | None = None
    claim_prompts: list[str | None] | None = None


def needs_model(spec: ExtractSpec) -> bool:
    """Whether extraction asks the model anything (otherwise it is rules over the parse alone)."""
    return spec.rewrite_claims or spec.ask_speakers


def extract(articles: list[Article], backend: ModelBackend | None, prompts: PromptSet, spec: ExtractSpec,
            decoding: DecodingSpec, nlp: Language) -> list[Extraction]:
    parsed = parse_articles(nlp, [(a.text, a.title) for a in articles])
    drafts = [draft_claims(p, spec.max_claims) for p in parsed]
    flat = [(p, d) for p, ds in zip(parsed, drafts) for d in ds]

    texts = [d.rule_text for _, d in flat]
    replaced: list[str | None] = [None] * len(flat)
    claim_prompts: list[str | None] = [None] * len(flat)
    generated = [False] * len(flat)
    if spec.rewrite_claims and backend is not None and flat:
        sentences = [d.evidence[0].text for _, d in flat]
        claim_prompts = [_claim_prompt(prompts, d, s) for s, (_, d) in zip(sentences, flat)]
        restated = backend.generate(claim_prompts, max_new_tokens=decoding.max_claim_tokens)  # type: ignore[arg-type]
        restated = [" ".join(r.split()) for r in restated]
        for k, doc in enumerate(nlp.pipe(restated)):
            context = restatement_context(sentences[k], flat[k][1].claimants + flat[k][1].deniers)
            replaced[k] = restatement_problem(doc, texts[k], context)
            if replaced[k] is None:
                texts[k], generated[k] = restated[k], True

    answers: dict[tuple[int, str], Span | None] = {}
    if spec.ask_speakers and backend is not None:
        asked = [(k, role) for k, (_, d) in enumerate(flat) for role in dict.fromkeys(d.unresolved)
                 if not (d.claimants if role == "claimant" else d.deniers)]
        questions = [_speaker_question(prompts, role, *flat[k], spec.context_sentences) for k, role in asked]
        questions_kept = [(key, q) for key, q in zip(asked, questions) if q is not None]
        if questions_kept:
            spans = backend.generate_spans([q for _, q in questions_kept], decoding.max_span_tokens)
            answers = {key: span for (key, _), span in zip(questions_kept, spans)}

    results: list[Extraction] = []
    k = 0
    for p, article_drafts in zip(parsed, drafts):
        claims, notes = [], []
        for draft in article_drafts:
            claimants = dedupe(draft.claimants or [answers.get((k, "claimant"))])
            deniers = [d for d in dedupe(draft.deniers or [answers.get((k, "denier"))])
                       if not any(_overlap(d, c) for c in claimants)]
            claims.append(Claim(claim=texts[k], claimants=claimants, deniers=deniers, evidence=draft.evidence,
                                claim_origin="generated" if generated[k] else "extractive"))
            if replaced[k]:
                notes.append(replaced[k])
            k += 1
        first = k - len(article_drafts)
        results.append(Extraction(claims=claims, source_agency=find_source_agency(p.text), replaced=notes,
                                  rule_texts=[d.rule_text for d in article_drafts], claim_prompts=claim_prompts[first:k]))
    return results


def _claim_prompt(prompts: PromptSet, draft: ClaimDraft, sentence: str) -> str:
    """The restatement prompt: a proposition to rewrite, or, for a denial of a bare noun ("denied murder",
    "denied charges of fraud"), the accusation to spell out."""
    if not draft.clausal and draft.deniers and "denied_claim" in prompts.templates:
        return prompts.render("denied_claim", sentence=sentence, denier=draft.deniers[0].text,
                              proposition=draft.rule_text.rstrip(".").lower())
    return prompts.render("claim", sentence=sentence, proposition=draft.rule_text)


def _speaker_question(prompts: PromptSet, role: str, parsed: ParsedArticle, draft: ClaimDraft,
                      context_sentences: int) -> SpanQuestion | None:
    """Ask who the pronoun speaker is, offering the mentions of the sentences before (nearest first) and of
    the claim's own sentence as the only answers besides "none"."""
    index = next((f.sentence for f in draft.frames if f.denial == (role == "denier")), draft.sentence)
    first = max(0, index - max(1, context_sentences) - 1)
    options = speaker_options(MentionIndex(parsed), first, index)
    options = sorted(options, key=lambda s: -s.start)[:MAX_OPTIONS]
    if not options:
        return None
    window_start, window_end = parsed.sentences[first].start, parsed.sentences[index].end
    window = parsed.text[window_start:window_end]
    prompt = prompts.render(role, context=window, sentence=parsed.sentences[index].text,
                            options="\n".join(f"- {s.text}" for s in options))
    ranges = tuple((s.start - window_start, s.end - window_start) for s in options)
    return SpanQuestion(prompt=prompt, source=window, base_offset=window_start, hint=parsed.sentences[index].start,
                        candidates=ranges)


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
