"""Summarize stage: the model writes a short abstractive summary of each article."""
from __future__ import annotations

from pipeline.backends.base import ModelBackend
from pipeline.prompts import PromptSet
from pipeline.records import Article

# Tokens kept free for the template around the article and for special tokens.
_TEMPLATE_MARGIN = 48


def summarize(articles: list[Article], backend: ModelBackend, prompts: PromptSet, max_new_tokens: int) -> list[str]:
    budget = max(16, backend.max_input_tokens - _TEMPLATE_MARGIN)
    inputs = [prompts.render("summarize", article=backend.truncate(_with_title(a), budget)) for a in articles]
    return backend.generate(inputs, max_new_tokens=max_new_tokens)


def _with_title(article: Article) -> str:
    return f"{article.title}\n\n{article.text}" if article.title else article.text

