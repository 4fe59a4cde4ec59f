"""Sentence splitting with exact character offsets (pysbd does the splitting)."""
from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from pipeline.records import Span
from pipeline.spans import make_span


@lru_cache(maxsize=4)
def _segmenter(language: str) -> pysbd.Segmenter:
    # clean=False keeps the sentences verbatim so they can be found in the text again.
    return pysbd.Segmenter(language=language, clean=False)


def split_sentences(text: str, language: str = "en") -> list[Span]:
    """Sentences as Spans over `text`, in order, trimmed of surrounding whitespace.

    pysbd's own char_span mode is slow on long texts and has mis-offset bugs, so offsets come from
    finding each returned sentence at or after the previous one's end.
    """
    out: list[Span] = []
    cursor = 0
    for line_start, line in _lines(text):
        for sent in _segmenter(language).segment(line):
            stripped = sent.strip()
            if not stripped:
                continue
            at = text.find(stripped, max(cursor, line_start))
            if at < 0:  # pysbd altered the text: fall back to the rest of the line
                continue
            span = make_span(text, at, at + len(stripped), trim=False)
            if span is None:
                continue
            if out and out[-1].end == span.start and (_MANGLED_QUOTE_END.search(out[-1].text) or
                                                      _MANGLED_QUOTE_ALONE.match(span.text)):
                span = make_span(text, out.pop().start, span.end, trim=False) or span
            out.append(span)
            cursor = span.end
    return out


# A "?" glued between a closing quote and the next word is what is left of a mangled quote mark ('... good,"?Dan
# Bucks said', '"Absurd"?and complains'), not the end of a question: no sentence ends with a comma or a word
# inside quotes followed by "?" and no space. ('... attack."?Not much else' does end one: it is kept.)
_MANGLED_QUOTE_END = re.compile(r"(,|\w)[\"“”]\?$")
_MANGLED_QUOTE_ALONE = re.compile(r"[\"“”]\?$")  # ('... attack."?Not much': the quote closes the sentence before)


_MAX_PIECE = 4000


def _lines(text: str) -> list[tuple[int, str]]:
    """Paragraphs (newline-separated blocks): news text puts one paragraph per line and pysbd
    should never join a headline or credit line with the next paragraph. pysbd slows down
    quadratically with paragraph length (18 s for one 100,000-character line), so a longer line is cut
    into pieces at a sentence-like boundary (". " before a capital) near `_MAX_PIECE` characters."""
    out, pos = [], 0
    for line in text.split("\n"):
        start = 0
        while len(line) - start > _MAX_PIECE:
            window = line[start : start + _MAX_PIECE]
            cut = max((m.end() for m in _BOUNDARY.finditer(window)), default=0) or len(window)
            if line[start : start + cut].strip():
                out.append((pos + start, line[start : start + cut]))
            start += cut
        if line[start:].strip():
            out.append((pos + start, line[start:]))
        pos += len(line) + 1
    return out


_BOUNDARY = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z“\"])")
