"""Split long articles into overlapping windows of whole sentences that fit a model's context.

Offsets stay article offsets: a window is a Span of the original text, so anything found inside it is
grounded in the whole article without re-basing.
"""
from __future__ import annotations

from collections.abc import Callable

from pipeline.records import Span


def sentence_windows(text: str, sentences: list[Span], count_tokens: Callable[[str], int], budget: int,
                     overlap: int = 1) -> list[Span]:
    """Consecutive windows of sentences, each within `budget` tokens (a single longer sentence is its
    own window and gets truncated by the model), neighbours sharing `overlap` sentences."""
    if not sentences:
        return []
    sizes = [count_tokens(s.text) + 1 for s in sentences]
    windows: list[Span] = []
    first = 0
    while first < len(sentences):
        last, used = first, sizes[first]
        while last + 1 < len(sentences) and used + sizes[last + 1] <= budget:
            last += 1
            used += sizes[last]
        start, end = sentences[first].start, sentences[last].end
        windows.append(Span(text=text[start:end], start=start, end=end))
        if last + 1 >= len(sentences):
            break
        first = max(first + 1, last + 1 - overlap)
    return windows
