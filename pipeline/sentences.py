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
    return [piece for span in out for piece in _without_page_furniture(text, span)]


# Page furniture a publisher's page leaves glued into the text: a link to another story ("READ MORE: <its
# headline>", no full stop before the next sentence) and share buttons. Each becomes a sentence of its own, so no
# claim or evidence runs across it, and `is_furniture` lets the claim rules skip it (another story's headline
# states nothing this article claims).
_FURNITURE = re.compile(r"READ MORE:|Send Facebook Twitter Google\+ Whatsapp Tumblr linkedin stumble Digg reddit "
                        r"Newsvine Permalink https?://\S+")
# where a headline glued to the next sentence ends: a capital or an opening quote after a word's last letter
_HEADLINE_END = re.compile(r"(?<=[a-z0-9'’\"”?!)])\s+(?=[A-Z\"“])")
_HEADLINE_WORDS = (3, 20)


def is_furniture(sentence: str) -> bool:
    return bool(_FURNITURE.match(sentence))


def _without_page_furniture(text: str, span: Span) -> list[Span]:
    cuts: set[int] = set()
    for match in _FURNITURE.finditer(span.text):
        cuts.add(span.start + match.start())
        if not match.group().startswith("READ MORE"):
            cuts.add(span.start + match.end())
        # (a headline that ends its piece, "READ MORE: Who pays for the wall?", has nothing glued to it)
        elif not span.text.endswith(("?", "!")) and (end := _headline_end(span.text, match.end())) is not None:
            cuts.add(span.start + end)
    if not cuts:
        return [span]
    bounds = [span.start, *sorted(c for c in cuts if span.start < c < span.end), span.end]
    pieces = []
    for start, end in zip(bounds, bounds[1:]):
        piece = text[start:end]
        start += len(piece) - len(piece.lstrip())  # whitespace only: a piece keeps its punctuation
        piece_span = make_span(text, start, start + len(piece.strip()), trim=False)
        if piece_span is not None:
            pieces.append(piece_span)
    return pieces


def _headline_end(sentence: str, start: int) -> int | None:
    """Where the headline starting at `start` ends: the first break before a capitalised function word ("... at the
    borders The shelters are ..."; spaCy's stop words), else before an opening quote, else before any capital
    ("... torture Rachel Stroumsa, the director ..."), within the length of a headline."""
    from spacy.lang.en.stop_words import STOP_WORDS

    low, high = _HEADLINE_WORDS
    breaks = [m for m in _HEADLINE_END.finditer(sentence, start)
              if low <= len(sentence[start:m.start()].split()) <= high]
    opener = next((m for m in breaks if sentence[m.end():].split(maxsplit=1)[0].lower() in STOP_WORDS), None)
    quote = next((m for m in breaks if sentence[m.end()] in "\"“"), None)  # '... crackdown "We want ...'
    best = opener or quote or (breaks[0] if breaks else None)
    return best.end() if best is not None else None


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
