"""Span-constrained decoding: the model may only write a contiguous piece of a given source text.

Every span field (claimant, denier, evidence, agency) is decoded under this constraint, and the tokens are
mapped back to exact character offsets through the tokenizer's offset mapping, never through `decode`.
So whatever the weights, a produced span is verbatim: `article[span.start:span.end] == span.text`.

Public API::

    SpanConstraint(tokenizer, source_text, base_offset=0, null_answers=("none",), max_span_tokens=64,
                   eos_token_id=None, stop_token_ids=())
        .allowed(prefix_ids: Sequence[int]) -> list[int]       # next-token ids allowed after prefix_ids
        .to_span(generated_ids, near: int | None = None, snap_to_words=True) -> Span | None
    SpanLogitsProcessor(constraints, prompt_length=0, forced_prefix=())   # a transformers LogitsProcessor
    make_prefix_allowed_tokens_fn(constraints, prompt_lengths, is_encoder_decoder, forced_prefix=())
    decoder_forced_prefix(model) -> tuple[int, ...]
    generate_spans(model, tokenizer, prompts, sources, base_offsets, max_new_tokens, is_encoder_decoder,
                   device=None, *, null_answers=("none",), num_beams=1, hints=None) -> list[Span | None]

Use `SpanLogitsProcessor` (what `generate_spans` uses): it masks the whole batch with one tensor operation per
step and reads the row -> source mapping (beams included) from the batch shape. transformers'
`prefix_allowed_tokens_fn` route does a Python index per row per step; the wrapper is here for callers
that want it.

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

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from pipeline.records import Span
from pipeline.spans import make_span

__all__ = [
    "SpanConstraint",
    "SpanLogitsProcessor",
    "decoder_forced_prefix",
    "generate_spans",
    "make_prefix_allowed_tokens_fn",
    "span_constraints",
]


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


class SpanLogitsProcessor(LogitsProcessor):
    """Masks each row's logits to what its SpanConstraint allows.

    Row r of the batch belongs to constraints[r // num_beams], num_beams = rows / len(constraints).
    The generated part of a row starts at `prompt_length` (0 for seq2seq decoder ids; the padded prompt
    length for a left-padded causal batch) and begins with `forced_prefix` (seq2seq: the decoder start id,
    then BOS where the model forces one), which is allowed as-is and not part of the answer.
    """

    def __init__(
        self,
        constraints: Sequence[SpanConstraint],
        prompt_length: int = 0,
        forced_prefix: Sequence[int] = (),
    ) -> None:
        if not constraints:
            raise ValueError("need one constraint per batch row")
        self.constraints = list(constraints)
        self.prompt_length = prompt_length
        self.forced_prefix = tuple(int(t) for t in forced_prefix)

    def allowed_for_row(self, row_ids: Sequence[int], constraint: SpanConstraint) -> tuple[int, ...]:
        generated = row_ids[self.prompt_length :]
        forced = self.forced_prefix
        if len(generated) < len(forced):
            return (forced[len(generated)],)
        return constraint._allowed_tuple(generated[len(forced) :])

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        rows = input_ids.shape[0]
        if rows % len(self.constraints):
            raise ValueError(f"{rows} rows for {len(self.constraints)} constraints")
        num_beams = rows // len(self.constraints)
        all_ids = input_ids.tolist()
        row_index: list[int] = []
        col_index: list[int] = []
        vocab = scores.shape[-1]
        for r, row_ids in enumerate(all_ids):
            allowed = [t for t in self.allowed_for_row(row_ids, self.constraints[r // num_beams]) if t < vocab]
            row_index.extend([r] * len(allowed))
            col_index.extend(allowed)
        index = (
            torch.tensor(row_index, dtype=torch.long, device=scores.device),
            torch.tensor(col_index, dtype=torch.long, device=scores.device),
        )
        keep = torch.zeros_like(scores, dtype=torch.bool)
        keep[index] = True
        masked = scores.masked_fill(~keep, float("-inf"))
        # If other processors (min length, forced EOS) already ruled out every allowed id, argmax over an
        # all -inf row would pick id 0, outside the constraint: fall back to the allowed ids, equally.
        dead = torch.isneginf(masked).all(dim=-1)
        if bool(dead.any()):
            fallback = torch.zeros_like(scores).masked_fill(~keep, float("-inf"))
            masked = torch.where(dead.unsqueeze(-1), fallback, masked)
        return masked


def make_prefix_allowed_tokens_fn(
    constraints: Sequence[SpanConstraint],
    prompt_lengths: int | Sequence[int],
    is_encoder_decoder: bool,
    forced_prefix: Sequence[int] = (),
) -> Callable[[int, torch.Tensor], list[int]]:
    """A `prefix_allowed_tokens_fn` for `model.generate` (batch_id is the input row; beams share it).

    For seq2seq the ids are decoder ids (prompt length 0) starting with `forced_prefix` (see
    `decoder_forced_prefix`); for causal the generated part starts at the prompt length (the padded length
    with left padding; one length per row is accepted for other layouts).
    """
    if is_encoder_decoder:
        lengths = [0] * len(constraints)
    elif isinstance(prompt_lengths, int):
        lengths = [prompt_lengths] * len(constraints)
    else:
        lengths = [int(n) for n in prompt_lengths]
    processors = [
        SpanLogitsProcessor([constraint], prompt_length=length, forced_prefix=forced_prefix)
        for constraint, length in zip(constraints, lengths)
    ]

    def prefix_allowed_tokens_fn(batch_id: int, input_ids: torch.Tensor) -> list[int]:
        processor = processors[batch_id]
        return list(processor.allowed_for_row(input_ids.tolist(), processor.constraints[0]))

    return prefix_allowed_tokens_fn


def decoder_forced_prefix(model: Any) -> tuple[int, ...]:
    """Ids every generated sequence starts with before the answer: seq2seq decoder start (+ forced BOS)."""
    if not model.config.is_encoder_decoder:
        return ()
    generation = model.generation_config
    start = generation.decoder_start_token_id
    if start is None:
        start = model.config.decoder_start_token_id
    prefix = [int(start)] if start is not None else []
    if getattr(generation, "forced_bos_token_id", None) is not None:
        prefix.append(int(generation.forced_bos_token_id))
    return tuple(prefix)


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    ids = [int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]) if e is not None]
    if tokenizer.eos_token_id is not None and int(tokenizer.eos_token_id) in ids:
        ids.remove(int(tokenizer.eos_token_id))  # the tokenizer's own EOS first: the one we allow
        ids.insert(0, int(tokenizer.eos_token_id))
    if not ids:
        raise ValueError("neither the model nor the tokenizer defines an eos token")
    return ids


def _greedy_generation_config(model: Any, max_new_tokens: int, num_beams: int, pad_token_id: int, eos_ids: list[int]):
    """The model's generation config without what fights the constraint (min length, n-gram blocking:
    a quoted phrase may repeat words, sampling, forced EOS) and with greedy/beam settings."""
    config = copy.deepcopy(model.generation_config)
    config.do_sample = False
    config.num_beams = num_beams
    config.num_return_sequences = 1
    config.max_new_tokens = max_new_tokens
    config.min_length = 0
    config.min_new_tokens = None
    config.no_repeat_ngram_size = 0
    config.encoder_no_repeat_ngram_size = 0
    config.repetition_penalty = 1.0
    config.length_penalty = 1.0
    config.bad_words_ids = None
    config.suppress_tokens = None
    config.begin_suppress_tokens = None
    config.forced_eos_token_id = None
    config.temperature = None
    config.top_k = None
    config.top_p = None
    config.early_stopping = False
    config.pad_token_id = pad_token_id
    config.eos_token_id = eos_ids
    return config


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


def generate_spans(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    sources: list[str],
    base_offsets: list[int],
    max_new_tokens: int,
    is_encoder_decoder: bool,
    device: str | torch.device | None = None,
    *,
    null_answers: tuple[str, ...] = ("none",),
    num_beams: int = 1,
    hints: Sequence[int | None] | None = None,
    max_input_tokens: int | None = None,
    candidates: Sequence[Sequence[tuple[int, int]] | None] | None = None,
) -> list[Span | None]:
    """Generate one grounded span (or None) per prompt, row i constrained to `sources[i]`.

    Causal prompts must already be chat-formatted strings (tokenized without added special tokens, left
    padded); seq2seq prompts get the tokenizer's special tokens. Decoding is greedy (or beam search with
    `num_beams`), so the result is deterministic. `hints` (article offsets) pick among repeated occurrences.
    """
    if not (len(prompts) == len(sources) == len(base_offsets)):
        raise ValueError("prompts, sources and base_offsets must have the same length")
    if not prompts:
        return []
    eos_ids = _eos_ids(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_ids[0]
    max_span_tokens = max(1, max_new_tokens)
    constraints = span_constraints(tokenizer, sources, base_offsets, max_span_tokens, eos_ids,
                                   null_answers=null_answers, candidates=candidates)
    device = device if device is not None else model.device

    padding_side = tokenizer.padding_side
    tokenizer.padding_side = "right" if is_encoder_decoder else "left"
    try:
        encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=is_encoder_decoder,
                            truncation=max_input_tokens is not None, max_length=max_input_tokens)
    finally:
        tokenizer.padding_side = padding_side
    encoded = {k: v.to(device) for k, v in encoded.items() if k in ("input_ids", "attention_mask")}

    forced_prefix = decoder_forced_prefix(model) if is_encoder_decoder else ()
    prompt_length = 0 if is_encoder_decoder else encoded["input_ids"].shape[1]
    processor = SpanLogitsProcessor(constraints, prompt_length=prompt_length, forced_prefix=forced_prefix)
    # The decoder start id is input, not generated; a forced BOS is generated and is not answer.
    extra_steps = max(0, len(forced_prefix) - 1)
    generation_config = _greedy_generation_config(model, max_new_tokens + extra_steps, num_beams, pad_id, eos_ids)
    with torch.no_grad():
        output = model.generate(
            **encoded, generation_config=generation_config, logits_processor=LogitsProcessorList([processor])
        )
    sequences = output if isinstance(output, torch.Tensor) else output.sequences

    spans: list[Span | None] = []
    for i, row in enumerate(sequences.tolist()):
        generated = row[prompt_length:]
        answer = generated[len(forced_prefix):] if generated[: len(forced_prefix)] == list(forced_prefix) else generated
        spans.append(constraints[i].to_span(answer, near=hints[i] if hints is not None else None))
    return spans
