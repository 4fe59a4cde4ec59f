"""Summarize stage: the model writes a short abstractive summary of each article.

An article longer than the model's context is map-reduced: each window of whole sentences is
summarized, then the joined window summaries are summarized again (repeatedly, until they fit).
"""
from __future__ import annotations

import re

from pipeline.backends.base import ModelBackend
from pipeline.chunking import sentence_windows
from pipeline.prompts import PromptSet
from pipeline.records import Article
from pipeline.sentences import split_sentences

# Tokens kept free for the template around the article and for special tokens.
_TEMPLATE_MARGIN = 48
_MAX_ROUNDS = 4
_ENDS_SENTENCE = re.compile(r"[.!?][\"”’)\]]?$")


def summarize(articles: list[Article], backend: ModelBackend, prompts: PromptSet, max_new_tokens: int) -> list[str]:
    return summarize_with_prompts(articles, backend, prompts, max_new_tokens)[0]


def summarize_with_prompts(articles: list[Article], backend: ModelBackend, prompts: PromptSet,
                           max_new_tokens: int) -> tuple[list[str], list[str]]:
    """The summaries and the final prompts that wrote them (a regeneration asks the same prompt again)."""
    budget = max(16, backend.max_input_tokens - _TEMPLATE_MARGIN)
    documents = [_with_title(a) for a in articles]
    for _ in range(_MAX_ROUNDS):
        pieces = [_pieces(doc, backend, budget) for doc in documents]
        if all(len(p) == 1 for p in pieces) or _ == _MAX_ROUNDS - 1:
            break
        # map: summarize every window of every long document in one batched call; short ones wait as they are
        flat = [piece for p in pieces if len(p) > 1 for piece in p]
        partial = iter(backend.generate([prompts.render("summarize", article=x) for x in flat], max_new_tokens))
        documents = [doc if len(p) == 1 else "\n".join(next(partial) for _ in p) for doc, p in zip(documents, pieces)]
    # reduce (or the only pass, for articles that fit)
    inputs = [prompts.render("summarize", article=backend.truncate(doc, budget)) for doc in documents]
    return [complete_sentences(s) for s in backend.generate(inputs, max_new_tokens=max_new_tokens)], inputs


def complete_sentences(summary: str, limit: int = 2) -> str:
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


def _with_title(article: Article) -> str:
    return f"{article.title}\n\n{article.text}" if article.title else article.text
