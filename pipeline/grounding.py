"""Constrained decoding with transformers: spans (the model may only write a contiguous piece of a given source
text) and, at the end of this module, name-constrained free text (`NameLogitsProcessor`, see
`pipeline.name_constraint`).

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

The constraint itself (how a prefix is matched, how an answer maps back to offsets) is
`pipeline.span_constraint.SpanConstraint`, re-exported here.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from pipeline.name_constraint import NameConstraint
from pipeline.records import Span
from pipeline.span_constraint import MAX_WORD_SNAP, SpanConstraint, span_constraints  # noqa: F401 - re-exported

__all__ = [
    "NameLogitsProcessor",
    "SpanConstraint",
    "SpanLogitsProcessor",
    "decoder_forced_prefix",
    "generate_spans",
    "make_prefix_allowed_tokens_fn",
    "span_constraints",
]


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


class NameLogitsProcessor(LogitsProcessor):
    """Masks row r's logits to what constraints[r] allows (one row per prompt: greedy decoding). The generated
    part of a row starts at `prompt_length` (the padded prompt for a left-padded causal batch, 0 for seq2seq
    decoder ids) and begins with `forced_prefix` (seq2seq: the decoder start id), which is not text."""

    def __init__(self, constraints: Sequence[NameConstraint], prompt_length: int = 0,
                 forced_prefix: Sequence[int] = ()) -> None:
        self.constraints = list(constraints)
        self.prompt_length = prompt_length
        self.forced_prefix = tuple(int(t) for t in forced_prefix)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[0] != len(self.constraints):
            raise ValueError(f"{input_ids.shape[0]} rows for {len(self.constraints)} constraints")
        vocab = scores.shape[-1]
        keep = np.zeros((len(self.constraints), vocab), dtype=bool)
        for r, (row, constraint) in enumerate(zip(input_ids.tolist(), self.constraints)):
            generated = row[self.prompt_length:]
            forced = self.forced_prefix
            if len(generated) < len(forced):
                keep[r, forced[len(generated)]] = True
                continue
            allowed = constraint.mask(generated[len(forced):])
            width = min(vocab, allowed.shape[0])
            keep[r, :width] = allowed[:width]
            if not keep[r].any():  # nothing fits (a name the tokenizer cannot spell): end the text
                keep[r, [i for i in constraint.stop_ids if i < vocab]] = True
        return scores.masked_fill(~torch.from_numpy(keep).to(scores.device), float("-inf"))
