"""Character spans over an article: making them, checking them, finding text in the article.

Grounding is the project's signature: every Span we output satisfies `text[start:end] == span.text`.
These helpers are the only places that create spans from strings, so the rule is kept in one place.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.records import Span

# Characters trimmed from both ends of a span: whitespace and punctuation that never belongs to a name
# or a quote boundary we want to show ("the White House," -> "the White House").
_EDGE = " \t\r\n\u00a0,;:.!?-–—\"'“”‘’«»()[]"


def make_span(text: str, start: int, end: int, *, trim: bool = True) -> Span | None:
    """A Span for text[start:end], trimmed of edge whitespace/punctuation; None when nothing is left."""
    start, end = max(0, start), min(len(text), end)
    if trim:
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
    if end <= start:
        return None
    return Span(text=text[start:end], start=start, end=end)


def is_grounded(span: Span, text: str) -> bool:
    return 0 <= span.start <= span.end <= len(text) and text[span.start : span.end] == span.text


def find_all(text: str, needle: str) -> list[int]:
    """Start offsets of every occurrence of `needle` in `text` (overlapping allowed)."""
    if not needle:
        return []
    out, i = [], text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def locate(text: str, needle: str, *, near: int = 0) -> Span | None:
    """Ground a string in the article: the occurrence closest to `near`, exact first, then case-insensitive.

    Used for text a model wrote freely (never trusted as-is): if it is not in the article, we return None
    rather than print a name that is not there.
    """
    needle = needle.strip().strip(_EDGE)
    if not needle:
        return None
    starts = find_all(text, needle)
    if not starts:
        lowered = text.lower()
        starts = find_all(lowered, needle.lower())
        if not starts or len(lowered) != len(text):
            return None
    best = min(starts, key=lambda s: abs(s - near))
    return make_span(text, best, best + len(needle))


def dedupe(spans: Iterable[Span | None]) -> list[Span]:
    """Drop None, exact repeats and spans whose normalised text repeats an earlier one."""
    seen: set[str] = set()
    out: list[Span] = []
    for span in spans:
        if span is None:
            continue
        key = re.sub(r"\W+", " ", span.text.lower()).strip()
        if key and key not in seen:
            seen.add(key)
            out.append(span)
    return out
