"""The span constraint: the model may only write a contiguous piece of a given source text (or one of
given candidate pieces, or "none"), and what it wrote maps back to exact character offsets.

Pure Python over a Hugging Face tokenizer (no torch): `pipeline.grounding` applies it inside transformers'
`generate`, the llama.cpp backend at each step of its own decoder.

How the constraint works. The source is tokenized once (no special tokens). A prefix of generated ids is
allowed when it equals source_ids[i : i+len(prefix)] for some i. The first token may also be the
word-boundary twin of a source token ("▁Korea" for "Korea" after a quote mark, "North" for "ĠNorth"):
tokenizers cut a word differently at the start of a text than inside a sentence, and a model starts its
answer the way texts start. Such a twin stands for its source token's characters. EOS is allowed at the
first step (empty answer: None) and after any non-empty matched piece; a null answer ("none", with and
without a leading space) can be written too and maps to None (it wins over a source occurrence of the same
tokens). After `max_span_tokens` only EOS is allowed.

Mapping back. A matched piece may occur several times in the source; `to_span` takes the FIRST occurrence,
or with `near` (an article offset) the occurrence whose start is closest to it (ties: the earlier). The
character range is min(start)..max(end) over the piece's token offsets, so byte-level pieces of one
multi-byte character (whose offsets overlap) still give a substring; an edge inside a word is moved to the
word's boundary (`snap_to_words`), then `pipeline.spans.make_span` trims surrounding whitespace and
punctuation. Characters a tokenizer maps to <unk> (curly quotes or braces for
T5) keep their offsets, so the span's text comes from the source, not from the tokens.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.records import Span
from pipeline.spans import make_span

__all__ = ["MAX_WORD_SNAP", "SpanConstraint", "span_constraints"]


MAX_WORD_SNAP = 24  # longest word a span edge is widened to (longer alphanumeric runs are not words)


@dataclass(frozen=True)
class _PrefixState:
    """What is known about one generated prefix."""

    ends: tuple[int, ...]  # source token indices where an occurrence of the prefix ends
    nulls: tuple[int, ...]  # indices of the null-answer sequences the prefix is a prefix of
    allowed: tuple[int, ...]  # sorted next-token ids


class SpanConstraint:
    """Decoding constraint and offset mapper for one source text (the article or a window of it)."""

    def __init__(
        self,
        tokenizer: Any,
        source_text: str,
        base_offset: int = 0,
        null_answers: tuple[str, ...] = ("none",),
        max_span_tokens: int = 64,
        eos_token_id: int | None = None,
        stop_token_ids: Sequence[int] = (),
        candidates: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        """`candidates`: optional character ranges of `source_text`; when given, only those pieces (whole)
        can be written, so the model chooses among them instead of copying any run of text."""
        if max_span_tokens < 1:
            raise ValueError("max_span_tokens must be at least 1")
        self.source_text = source_text
        self.base_offset = base_offset
        self.max_span_tokens = max_span_tokens
        self.eos_token_id = tokenizer.eos_token_id if eos_token_id is None else eos_token_id
        if self.eos_token_id is None:
            raise ValueError("the tokenizer has no eos token; pass eos_token_id")
        # Generated ids after any of these are not part of the answer (EOS, other stop ids, padding).
        self.stop_token_ids = frozenset({self.eos_token_id, *stop_token_ids})

        encoded = tokenizer(source_text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        self.source_ids: list[int] = list(encoded["input_ids"])
        self.offsets: list[tuple[int, int]] = [tuple(o) for o in encoded["offset_mapping"]]

        self._first_positions = self._index_first_tokens(tokenizer)
        # token start index -> token end indices of candidate pieces starting there (None: any piece)
        self._pieces: dict[int, frozenset[int]] | None = None
        if candidates is not None:
            self._pieces = self._candidate_pieces(candidates)
            self._first_positions = {
                t: tuple(p for p in where if p in self._pieces)
                for t, where in self._first_positions.items() if any(p in self._pieces for p in where)
            }
        self.null_sequences: list[tuple[int, ...]] = self._tokenize_null_answers(tokenizer, null_answers)
        self._null_set = frozenset(self.null_sequences)
        self._memo: dict[tuple[int, ...], _PrefixState] = {}
        self._memo[()] = self._root_state()

    # ----- building -----

    def _index_first_tokens(self, tokenizer: Any) -> dict[int, tuple[int, ...]]:
        """token id -> source positions where a piece may start with that id (its word-boundary twin too)."""
        positions: dict[int, list[int]] = {}
        for i, token_id in enumerate(self.source_ids):
            positions.setdefault(token_id, []).append(i)
        twins: dict[int, list[int]] = {}
        marker = _word_boundary_marker(tokenizer)
        if marker:
            lookup = _token_lookup(tokenizer)
            unknown = {tokenizer.unk_token_id} - {None}
            ids = list(positions)
            for token_id, piece in zip(ids, tokenizer.convert_ids_to_tokens(ids)):
                if not piece or token_id in unknown or token_id in self.stop_token_ids:
                    continue
                twin_piece = piece[len(marker):] if piece.startswith(marker) else marker + piece
                twin = lookup(twin_piece) if twin_piece else None
                if twin is not None and twin != token_id and twin not in unknown:
                    twins.setdefault(twin, []).extend(positions[token_id])
        for twin, where in twins.items():
            positions.setdefault(twin, []).extend(where)
        return {token_id: tuple(sorted(set(where))) for token_id, where in positions.items()}

    def _candidate_pieces(self, candidates: Sequence[tuple[int, int]]) -> dict[int, frozenset[int]]:
        """Map character ranges to (first token, last token) index pairs over the source tokens."""
        pieces: dict[int, set[int]] = {}
        for start, end in candidates:
            covered = [i for i, (s, e) in enumerate(self.offsets) if e > start and s < end and e > s]
            if covered:
                pieces.setdefault(covered[0], set()).add(covered[-1])
        return {first: frozenset(lasts) for first, lasts in pieces.items()}

    def _may_continue(self, end: int, length: int) -> bool:
        if self._pieces is None:
            return True
        return any(last > end for last in self._pieces.get(end - length + 1, ()))

    def _may_stop(self, end: int, length: int) -> bool:
        if self._pieces is None:
            return True
        return end in self._pieces.get(end - length + 1, ())

    @staticmethod
    def _tokenize_null_answers(tokenizer: Any, null_answers: tuple[str, ...]) -> list[tuple[int, ...]]:
        sequences: list[tuple[int, ...]] = []
        for answer in null_answers:
            for variant in (answer, " " + answer):  # as the first word of an answer and after a space
                ids = tuple(tokenizer(variant, add_special_tokens=False)["input_ids"])
                if ids and ids not in sequences:
                    sequences.append(ids)
        return sequences

    def _root_state(self) -> _PrefixState:
        allowed = set(self._first_positions)
        allowed.update(seq[0] for seq in self.null_sequences)
        allowed.add(self.eos_token_id)  # the empty answer
        return _PrefixState(ends=(), nulls=tuple(range(len(self.null_sequences))), allowed=tuple(sorted(allowed)))

    # ----- stepping -----

    def _state(self, prefix: tuple[int, ...]) -> _PrefixState:
        state = self._memo.get(prefix)
        if state is not None:
            return state
        # Walk back to the longest memoised ancestor, then extend one token at a time.
        known = len(prefix) - 1
        while prefix[:known] not in self._memo:
            known -= 1
        state = self._memo[prefix[:known]]
        for length in range(known + 1, len(prefix) + 1):
            state = self._extend(state, prefix[length - 1], length)
            self._memo[prefix[:length]] = state
        return state

    def _extend(self, parent: _PrefixState, token_id: int, length: int) -> _PrefixState:
        source = self.source_ids
        if length == 1:
            ends = self._first_positions.get(token_id, ())
        else:
            ends = tuple(j + 1 for j in parent.ends
                         if j + 1 < len(source) and source[j + 1] == token_id and self._may_continue(j, length - 1))
        nulls = tuple(
            k for k in parent.nulls
            if len(self.null_sequences[k]) >= length and self.null_sequences[k][length - 1] == token_id
        )
        allowed: set[int] = set()
        if length < self.max_span_tokens:
            allowed.update(source[j + 1] for j in ends if j + 1 < len(source) and self._may_continue(j, length))
        allowed.update(self.null_sequences[k][length] for k in nulls if len(self.null_sequences[k]) > length)
        allowed.discard(self.eos_token_id)  # an EOS inside the source text would end the answer anyway
        if any(self._may_stop(j, length) for j in ends) or any(len(self.null_sequences[k]) == length for k in nulls):
            allowed.add(self.eos_token_id)
        if not allowed:  # a prefix the constraint never allowed (forced by another processor): just stop
            allowed.add(self.eos_token_id)
        return _PrefixState(ends=ends, nulls=nulls, allowed=tuple(sorted(allowed)))

    def allowed(self, prefix_ids: Sequence[int]) -> list[int]:
        """Token ids allowed after `prefix_ids` (the answer so far, without decoder-start/BOS tokens)."""
        return list(self._allowed_tuple(prefix_ids))

    def _allowed_tuple(self, prefix_ids: Sequence[int]) -> tuple[int, ...]:
        prefix = tuple(int(t) for t in prefix_ids)
        if any(t in self.stop_token_ids for t in prefix):  # finished rows only get padding after this
            return (self.eos_token_id,)
        return self._state(prefix).allowed

    # ----- mapping back -----

    def answer_ids(self, generated_ids: Sequence[int]) -> tuple[int, ...]:
        """The answer part of generated ids: everything before the first EOS/stop id (drops pads after it)."""
        answer: list[int] = []
        for token_id in generated_ids:
            token_id = int(token_id)
            if token_id in self.stop_token_ids:
                break
            answer.append(token_id)
        return tuple(answer)

    def to_span(self, generated_ids: Sequence[int], near: int | None = None, snap_to_words: bool = True) -> Span | None:
        """The source piece the generated ids spell, as a Span with article offsets (+ base_offset).

        None for an empty answer, a null answer, or a piece that is only whitespace/punctuation.
        The first occurrence is used, or with `near` (article offset) the one starting closest to it.
        Ids off the constraint (which `allowed` never produces) are cut back to their longest valid prefix.
        With `snap_to_words` a piece that starts or ends inside a word is widened to the whole word
        ("compan" -> "company" when the token budget ran out) unless that word is over MAX_WORD_SNAP long.
        """
        answer = self.answer_ids(generated_ids)
        if not answer or answer in self._null_set:
            return None
        length = len(answer)
        state = self._state(answer)
        while not state.ends and length > 1:
            length -= 1
            state = self._state(answer[:length])
        if not state.ends:
            return None
        candidates = [self._char_range(end - length + 1, end) for end in state.ends]
        if near is None:
            start, end = min(candidates)
        else:
            start, end = min(candidates, key=lambda c: (abs(c[0] + self.base_offset - near), c[0]))
        if snap_to_words:
            start, end = self._snap_to_words(start, end)
        span = make_span(self.source_text, start, end)
        if span is None:
            return None
        return Span(text=span.text, start=span.start + self.base_offset, end=span.end + self.base_offset)

    def _snap_to_words(self, start: int, end: int) -> tuple[int, int]:
        text = self.source_text
        if start >= end:
            return start, end
        new_start, new_end = start, end
        if start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            word_start, word_end = self._word_around(start)
            if word_end - word_start <= MAX_WORD_SNAP:
                new_start = word_start
        if end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            word_start, word_end = self._word_around(end - 1)
            if word_end - word_start <= MAX_WORD_SNAP:
                new_end = word_end
        return new_start, new_end

    def _word_around(self, index: int) -> tuple[int, int]:
        """The run of alphanumeric characters containing text[index]. A run longer than MAX_WORD_SNAP is
        not a word (scripts without spaces, such as CJK): the caller then keeps the piece as written."""
        text, lo, hi = self.source_text, index, index + 1
        while lo > 0 and text[lo - 1].isalnum() and index - lo < MAX_WORD_SNAP:
            lo -= 1
        while hi < len(text) and text[hi].isalnum() and hi - lo <= MAX_WORD_SNAP:
            hi += 1
        return lo, hi

    def _char_range(self, first: int, last: int) -> tuple[int, int]:
        pieces = self.offsets[first : last + 1]
        return min(s for s, _ in pieces), max(e for _, e in pieces)


def _word_boundary_marker(tokenizer: Any) -> str:
    """The piece prefix that marks a word start ("▁" for SentencePiece, "Ġ" for byte-level BPE), or ""."""
    pieces = tokenizer.convert_ids_to_tokens(tokenizer("a a", add_special_tokens=False)["input_ids"])
    last = pieces[-1] if pieces else ""
    if isinstance(last, str) and len(last) > 1 and last.endswith("a"):
        return last[:-1]
    return ""


def _token_lookup(tokenizer: Any) -> Callable[[str], int | None]:
    """piece -> id or None when the vocabulary lacks it (convert_tokens_to_ids would answer <unk>)."""
    backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(tokenizer, "_tokenizer", None)
    if backend is not None and hasattr(backend, "token_to_id"):
        return backend.token_to_id
    return tokenizer.get_vocab().get


def span_constraints(
    tokenizer: Any,
    sources: Sequence[str],
    base_offsets: Sequence[int],
    max_span_tokens: int,
    eos_ids: Sequence[int],
    *,
    null_answers: tuple[str, ...] = ("none",),
    candidates: Sequence[Sequence[tuple[int, int]] | None] | None = None,
) -> list[SpanConstraint]:
    """One constraint per question, `eos_ids[0]` the end token it allows and all of `eos_ids` ending an
    answer: what `generate_spans` decodes with, and what a backend that steps its own decoder (llama.cpp)
    masks each step with, so both map answers back to offsets alike."""
    return [
        SpanConstraint(tokenizer, source, base, null_answers=null_answers, max_span_tokens=max_span_tokens,
                       eos_token_id=eos_ids[0], stop_token_ids=eos_ids,
                       candidates=candidates[i] if candidates is not None else None)
        for i, (source, base) in enumerate(zip(sources, base_offsets))
    ]
