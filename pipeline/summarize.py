"""Summarize stage: each article's summary, written by the model (default) or extractive.

`summary.mode=abstractive` (default) has the model write it: what the product is for, and what a real
summarizer (Flan-T5, BART, Pegasus) does well. `summary.mode=extractive` takes the article's most central
sentences (`pipeline.extractive`): on the dev set they score ROUGE-Lsum 0.377 against the references, lead-2
0.343, and our offline stand-in qwen2.5-coder-1.5B writing extract-then-compress summaries about lead-2; they
cannot name what the article does not.

A template gets the article as `$article`, its most central sentences (`pipeline.extractive`, in article order)
as `$central` and who disputes what (from the extracted claims, when extraction ran first) as `$plan`. With
`$central` the model compresses what matters (extract-then-compress; prompts v4); with `$article`, an article
longer than the model's context is map-reduced: each window of whole sentences is summarized, then the joined
window summaries are summarized again (repeatedly, until they fit).
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.backends.base import ModelBackend
from pipeline.chunking import sentence_windows
from pipeline.extractive import extractive_summary
from pipeline.prompts import PromptSet
from pipeline.records import Article, Claim
from pipeline.sentences import split_sentences

# Tokens kept free for the template around the article and for special tokens.
_TEMPLATE_MARGIN = 48
_MAX_ROUNDS = 4
_ENDS_SENTENCE = re.compile(r"[.!?][\"”’)\]]?$")
# The central sentences a `$central` prompt gets: about three times the summary's length.
CENTRAL_MIN_WORDS, CENTRAL_MAX_WORDS = 150, 200
# Disputes named in a `$plan`, at most.
PLAN_DISPUTES = 2


class SummarySpec(BaseModel):
    """`summary:` in the config."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["extractive", "abstractive"] = "abstractive"


def extractive_summaries(articles: list[Article]) -> list[str]:
    return [extractive_summary(a.text, a.title) for a in articles]


def summarize(articles: list[Article], backend: ModelBackend, prompts: PromptSet, max_new_tokens: int) -> list[str]:
    return summarize_with_prompts(articles, backend, prompts, max_new_tokens)[0]


def summarize_with_prompts(articles: list[Article], backend: ModelBackend, prompts: PromptSet,
                           max_new_tokens: int, claims: list[list[Claim]] | None = None) -> tuple[list[str], list[str]]:
    """The summaries and the final prompts that wrote them (a regeneration asks the same prompt again).
    `claims`: each article's extracted claims, for the `$plan` of a template that has one."""
    budget = max(16, backend.max_input_tokens - _TEMPLATE_MARGIN)
    documents = [_with_title(a) for a in articles]
    template = prompts.templates.get("summarize", "")
    plans = [content_plan(c) for c in claims] if claims is not None else [""] * len(articles)
    if "$article" not in template:  # extract-then-compress: the central sentences fit any context
        central = [_with_title(a, extractive_summary(a.text, a.title, CENTRAL_MIN_WORDS, CENTRAL_MAX_WORDS))
                   for a in articles]
        inputs = [prompts.render("summarize", article="", central=backend.truncate(c, budget), plan=p)
                  for c, p in zip(central, plans)]
        return [complete_sentences(s) for s in backend.generate(inputs, max_new_tokens=max_new_tokens)], inputs
    for _ in range(_MAX_ROUNDS):
        pieces = [_pieces(doc, backend, budget) for doc in documents]
        if all(len(p) == 1 for p in pieces) or _ == _MAX_ROUNDS - 1:
            break
        # map: summarize every window of every long document in one batched call; short ones wait as they are
        flat = [piece for p in pieces if len(p) > 1 for piece in p]
        partial = iter(backend.generate([prompts.render("summarize", article=x, central=x, plan="") for x in flat],
                                        max_new_tokens))
        documents = [doc if len(p) == 1 else "\n".join(next(partial) for _ in p) for doc, p in zip(documents, pieces)]
    # reduce (or the only pass, for articles that fit)
    inputs = [prompts.render("summarize", article=backend.truncate(doc, budget), central="", plan=p)
              for doc, p in zip(documents, plans)]
    return [complete_sentences(s) for s in backend.generate(inputs, max_new_tokens=max_new_tokens)], inputs


def content_plan(claims: list[Claim]) -> str:
    """Who disputes what, from the extracted claims (verbatim names): the summary should say it."""
    lines = []
    for claim in [c for c in claims if c.deniers][:PLAN_DISPUTES]:
        deniers = " and ".join(dict.fromkeys(s.text for s in claim.deniers))
        claimants = " and ".join(dict.fromkeys(s.text for s in claim.claimants))
        lines.append(f"- {deniers} disputed: {claim.claim}" + (f" (said by {claimants})" if claimants else ""))
    return "Disputed in the article:\n" + "\n".join(lines) + "\n" if lines else ""


def complete_sentences(summary: str, limit: int = 3) -> str:
    """At most `limit` sentences, dropping a last one cut off by the token limit ("... in 2003 after it
    was destroyed by fire in"); a summary with no complete sentence is kept as written."""
    sentences = [s.text for s in split_sentences(" ".join(summary.split()))]
    complete = [s for s in sentences if _ENDS_SENTENCE.search(s)]
    return " ".join(complete[:limit]) if complete else summary.strip()


def _pieces(document: str, backend: ModelBackend, budget: int) -> list[str]:
    if backend.count_tokens(document) <= budget:
        return [document]
    windows = sentence_windows(document, split_sentences(document), backend.count_tokens, budget, overlap=0)
    return [w.text for w in windows] or [document]


def _with_title(article: Article, text: str | None = None) -> str:
    text = article.text if text is None else text
    return f"{article.title}\n\n{text}" if article.title else text
