"""Extract stage: claims with claimants, deniers and evidence, plus the source agency.

Structure comes from our code, not from model-written JSON (a T5 cannot even write `{`): rules pick the
sentences that report claims (`attribution`), then the model answers short decomposed questions about
each one, batched across all articles of a step. Names are decoded under a grounding constraint, so each
is a verbatim piece of the article with exact offsets.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.agency import find_source_agency
from pipeline.attribution import ClaimSite, find_claim_sites
from pipeline.backends.base import ModelBackend, SpanQuestion
from pipeline.config import DecodingSpec, ExtractSpec
from pipeline.prompts import PromptSet
from pipeline.records import Article, Claim, Span
from pipeline.sentences import split_sentences
from pipeline.spans import dedupe


@dataclass
class Extraction:
    claims: list[Claim]
    source_agency: Span | None


def extract(articles: list[Article], backend: ModelBackend, prompts: PromptSet,
            spec: ExtractSpec, decoding: DecodingSpec) -> list[Extraction]:
    plans = [_plan(a, spec) for a in articles]
    flat = [(a, site) for a, (sentences, sites) in zip(articles, plans) for site in sites]

    claim_texts = [site.sentence.text for _, site in flat]
    if spec.rewrite_claims and flat:
        rewritten = backend.generate([prompts.render("claim", sentence=site.sentence.text) for _, site in flat],
                                     max_new_tokens=decoding.max_claim_tokens)
        claim_texts = [r.strip() or original for r, original in zip(rewritten, claim_texts)]

    claimant_qs = [_question(prompts, "claimant", a, _window(a, sents, site.index - spec.context_sentences, site.index), site)
                   for a, (sents, sites) in zip(articles, plans) for site in sites]
    claimants = backend.generate_spans(claimant_qs, decoding.max_span_tokens) if claimant_qs else []

    disputed = [(a, sents, site) for a, (sents, sites) in zip(articles, plans) for site in sites if site.disputed]
    denier_qs = [_question(prompts, "denier", a, _window(a, sents, site.index, max(site.denial_indices)), site)
                 for a, sents, site in disputed]
    denier_answers = iter(backend.generate_spans(denier_qs, decoding.max_span_tokens) if denier_qs else [])

    results: list[Extraction] = []
    k = 0
    for article, (sentences, sites) in zip(articles, plans):
        claims = []
        for site in sites:
            deniers = [next(denier_answers)] if site.disputed else []
            evidence = dedupe([site.sentence, *site.denial_sentences])[:3]
            claims.append(Claim(claim=claim_texts[k], claimants=dedupe([claimants[k]]),
                                deniers=dedupe(deniers), evidence=evidence))
            k += 1
        results.append(Extraction(claims=claims, source_agency=find_source_agency(article.text)))
    return results


def _plan(article: Article, spec: ExtractSpec) -> tuple[list[Span], list[ClaimSite]]:
    sentences = split_sentences(article.text)
    return sentences, find_claim_sites(sentences, article.title, spec.max_claims)


def _window(article: Article, sentences: list[Span], first: int, last: int) -> Span:
    """The article text from sentence `first` to sentence `last` (clamped), as one span."""
    first = max(0, first)
    last = min(len(sentences) - 1, max(first, last))
    start, end = sentences[first].start, sentences[last].end
    return Span(text=article.text[start:end], start=start, end=end)


def _question(prompts: PromptSet, name: str, article: Article, window: Span, site: ClaimSite) -> SpanQuestion:
    prompt = prompts.render(name, context=window.text, sentence=site.sentence.text)
    return SpanQuestion(prompt=prompt, source=window.text, base_offset=window.start, hint=site.sentence.start)
