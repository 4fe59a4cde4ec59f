"""Hugging Face `transformers` backends: seq2seq (AutoModelForSeq2SeqLM) and causal (AutoModelForCausalLM).

Throughput comes from batching, not from per-prompt tricks (see benchmarks/README.md for measurements):
- every call batches its prompts (across articles and questions: the stages hand over all prompts of a
  step at once), sorted by token length, results returned in input order;
- seq2seq: the encoder runs in sub-batches of similar length (`encode_in_buckets`), so a wide batch that
  keeps the decoder busy does not make the encoder pay for padding;
- identical prompts in one call are generated once (greedy decoding is deterministic);
- generation runs greedily under `torch.inference_mode`;
- on CUDA the model runs in bfloat16 (chosen in loading.py) and inputs are moved to the model's device;
  `static_cache=True` switches to a static KV cache, which transformers compiles with `torch.compile` on
  CUDA; prompts are then padded to a multiple of `pad_to_multiple_of` tokens so few shapes get compiled.
Span questions go to the grounding module's constrained decoder, which encodes each batch padded to its
longest prompt: they are bucketed by length with `plan_batches` (a cost model of padding against decoder
steps) instead.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from pipeline.backends.base import NameSource, SpanQuestion
from pipeline.backends.tokenized import (  # noqa: F401 - count_tokens, truncate_to_tokens re-exported
    TokenizerBackend,
    chat_prompt,
    count_tokens,
    dedupe_calls,
    truncate_to_tokens,
)
from pipeline.records import Span

T = TypeVar("T")
R = TypeVar("R")

#: prompt padding granularity with a static cache: each distinct (batch, length) shape is compiled once
STATIC_PAD_MULTIPLE = 64
#: seq2seq encoder sub-batches: rows at least this fraction of the sub-batch's longest row share it ...
ENCODER_LENGTH_RATIO = 0.9
#: ... and a sub-batch holds at most this many (padded) tokens (bounds the position-bias tensors)
ENCODER_BATCH_TOKENS = 8192


def in_length_order(items: Sequence[T], run: Callable[[list[T]], list[R]], batch_size: int,
                    key: Callable[[T], int] = len) -> list[R]:
    """Run `run` over batches of `batch_size` items sorted longest first (similar lengths share a batch,
    so little padding; the longest batch first, so an out-of-memory shows at once), results in input
    order."""
    order = sorted(range(len(items)), key=lambda i: key(items[i]), reverse=True)
    results: list[R | None] = [None] * len(items)
    for start in range(0, len(order), max(1, batch_size)):
        idx = order[start : start + batch_size]
        for i, out in zip(idx, run([items[i] for i in idx]), strict=True):
            results[i] = out
    return results  # type: ignore[return-value]


def length_groups(lengths: Sequence[int], ratio: float = ENCODER_LENGTH_RATIO,
                  max_tokens: int = ENCODER_BATCH_TOKENS) -> list[list[int]]:
    """Indices grouped longest first: a group takes rows at least `ratio` of its longest row, up to
    `max_tokens` padded tokens."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        group = groups[-1] if groups else None
        longest = lengths[group[0]] if group else 0
        if group and lengths[i] >= ratio * longest and (len(group) + 1) * longest <= max_tokens:
            group.append(i)
        else:
            groups.append([i])
    return groups


def encode_in_buckets(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                      ratio: float = ENCODER_LENGTH_RATIO, max_tokens: int = ENCODER_BATCH_TOKENS) -> Any:
    """The encoder's output for a right-padded batch, computed in sub-batches of similar length, each cut
    to its own longest row, and put back together padded (padding positions are masked out of
    cross-attention, so their values never matter).

    Why: the encoder's cost is proportional to the padded tokens it sees, the decoder's mostly to the rows
    it steps together. A generate batch wide enough to keep the decoder busy mixes prompts of 60 and 500
    tokens; encoding it as one padded block wasted 2-5x the encoder work on the real prompt mix. This
    way the decoder keeps the wide batch and the encoder sees almost no padding."""
    from transformers.modeling_outputs import BaseModelOutput

    lengths = attention_mask.sum(dim=1).tolist()
    encoder = model.get_encoder()
    hidden = None
    for group in length_groups(lengths, ratio, max_tokens):
        width = max(1, int(lengths[group[0]]))
        rows = torch.tensor(group, device=input_ids.device)
        out = encoder(input_ids=input_ids[rows, :width], attention_mask=attention_mask[rows, :width]).last_hidden_state
        if hidden is None:
            hidden = out.new_zeros(input_ids.shape[0], input_ids.shape[1], out.shape[-1])
        hidden[rows, :width] = out
    return BaseModelOutput(last_hidden_state=hidden)


def generate_inputs(model: Any, encoded: dict[str, torch.Tensor]) -> dict[str, Any]:
    """`model.generate` keyword arguments for a tokenized batch: for a seq2seq model of several rows the
    encoder output computed by `encode_in_buckets` (instead of input ids), else the batch as it is."""
    if not model.config.is_encoder_decoder or encoded["input_ids"].shape[0] < 2:
        return dict(encoded)
    return {"encoder_outputs": encode_in_buckets(model, encoded["input_ids"], encoded["attention_mask"]),
            "attention_mask": encoded["attention_mask"]}


#: cost model for batching (units: one decoder step of one row). A padded source token costs about half a
#: row-step (the encoder's ~2x85M FLOPs per token against the decoder's ~2x140M per row-step, flan-t5-base);
#: a decoder step costs about 8 row-steps on top of its rows (reading the decoder weights once per step).
PAD_TOKEN_COST = 0.5
STEP_COST = 8.0


def plan_batches(lengths: list[int], new_tokens: int, max_rows: int, max_tokens: int,
                 pad_cost: float = PAD_TOKEN_COST, step_cost: float = STEP_COST) -> list[list[int]]:
    """Indices grouped into batches (longest first) that minimise the estimated time of encoding them
    padded and decoding `new_tokens` steps: sum over batches of pad_cost x rows x longest (the encoder
    pads every row to the longest) + new_tokens x step_cost (a wider batch needs fewer steps). At most
    `max_rows` rows and `max_tokens` padded source tokens per batch. Length bucketing with the bucket
    edges chosen by dynamic programming: similar lengths share a batch, and a short prompt is padded to a
    long one's length only when the saved decoder steps pay for it."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[j]: cheapest plan for the j longest prompts
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(max(0, j - max_rows), j):  # batch = order[i:j], its longest is order[i]
            rows, longest = j - i, lengths[order[i]]
            if rows > 1 and rows * longest > max_tokens:
                continue
            cost = best[i] + pad_cost * rows * longest + new_tokens * step_cost
            if cost < best[j]:
                best[j], cut[j] = cost, i
    batches: list[list[int]] = []
    j = n
    while j > 0:
        batches.append(order[cut[j] : j])
        j = cut[j]
    return batches[::-1]


class HFBackend(TokenizerBackend):
    kind = "hf"
    padding_side = "right"
    truncation_side = "right"

    def __init__(self, model, tokenizer, *, name: str, revision: str | None, device: str,
                 batch_size: int = 8, max_input_tokens: int = 512, static_cache: bool = False,
                 pad_to_multiple_of: int | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.revision = revision
        self.device = device
        self.batch_size = max(1, int(batch_size))
        self._max_input_tokens = int(max_input_tokens)
        self.static_cache = static_cache
        self.pad_to_multiple_of = pad_to_multiple_of or (STATIC_PAD_MULTIPLE if static_cache else None)
        if static_cache:
            # On the model's generation config, so the grounding decoder (which copies it) uses it too.
            self.model.generation_config.cache_implementation = "static"
        self.tokenizer.padding_side = self.padding_side
        self.tokenizer.truncation_side = self.truncation_side
        if self.tokenizer.pad_token is None:  # decoder-only tokenizers often ship without one
            self.tokenizer.pad_token = self.tokenizer.eos_token

    # -- interface ---------------------------------------------------------------------------------
    def generate_ids(self, prompts: list[str], max_new_tokens: int) -> list[list[int]]:
        """The generated token ids of each prompt (after the prompt / decoder start, up to and including
        the end token): what `generate` decodes."""
        formatted = [self.format_prompt(p) for p in prompts]

        def run(unique: list[str]) -> list[list[int]]:
            lengths = dict(zip(unique, self.token_lengths(unique)))
            return self._in_length_order(unique, lambda batch: self._generate_batch(batch, max_new_tokens),
                                         key=lengths.__getitem__)

        return dedupe_calls(formatted, run)

    def generate_spans(self, questions: list[SpanQuestion], max_new_tokens: int) -> list[Span | None]:
        from pipeline.grounding import generate_spans  # local import: grounding pulls in generation utils

        formatted = [dataclasses.replace(q, prompt=self.format_prompt(q.prompt)) for q in questions]

        def run(batch: list[SpanQuestion]) -> list[Span | None]:
            return generate_spans(
                self.model, self.tokenizer,
                prompts=[q.prompt for q in batch], sources=[q.source for q in batch],
                base_offsets=[q.base_offset for q in batch], max_new_tokens=max_new_tokens,
                is_encoder_decoder=self.model.config.is_encoder_decoder, device=self.device,
                hints=[q.hint for q in batch], max_input_tokens=self.max_input_tokens,
                candidates=[q.candidates for q in batch],
            )

        def planned(unique: list[SpanQuestion]) -> list[Span | None]:
            # The grounding decoder encodes each batch padded to its longest prompt, so span questions
            # (long context, few new tokens: encoder-bound) are bucketed by the cost model.
            lengths = self.token_lengths([q.prompt for q in unique])
            results: list[Span | None] = [None] * len(unique)
            for batch in plan_batches(lengths, max_new_tokens, self.batch_size, ENCODER_BATCH_TOKENS * 4):
                for i, span in zip(batch, run([unique[i] for i in batch]), strict=True):
                    results[i] = span
            return results

        # SpanQuestion is frozen (hashable): a question asked twice in a step is decoded once.
        return dedupe_calls(formatted, planned)

    def generate_constrained(self, prompts: list[str], sources: list[NameSource], max_new_tokens: int) -> list[str]:
        from pipeline.name_constraint import make_name_constraint

        stop_ids = self._end_ids()
        items = [(self.format_prompt(p), make_name_constraint(self.tokenizer, s.words, stop_ids))
                 for p, s in zip(prompts, sources, strict=True)]

        def run(unique: list[tuple[str, Any]]) -> list[list[int]]:
            lengths = dict(zip(unique, self.token_lengths([p for p, _ in unique])))
            return self._in_length_order(
                unique, lambda batch: self._generate_batch([p for p, _ in batch], max_new_tokens, [c for _, c in batch]),
                key=lengths.__getitem__)

        return self.decode_texts(dedupe_calls(items, run))

    # -- hooks for the two model families ----------------------------------------------------------
    def format_prompt(self, prompt: str) -> str:
        return prompt

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        raise NotImplementedError

    # -- shared machinery --------------------------------------------------------------------------
    def _in_length_order(self, items: Sequence[T], run: Callable[[list[T]], list[R]],
                         key: Callable[[T], int] = len) -> list[R]:
        return in_length_order(items, run, self.batch_size, key)

    def token_lengths(self, prompts: list[str]) -> list[int]:
        """Model-input tokens of each (formatted) prompt after truncation: what batches are sorted by."""
        if not prompts:
            return []
        ids = self.tokenizer(prompts, truncation=True, max_length=self.max_input_tokens,
                             add_special_tokens=self.model.config.is_encoder_decoder)["input_ids"]
        return [len(row) for row in ids]

    def encode(self, batch: list[str]) -> dict[str, torch.Tensor]:
        """Tokenized, padded (and truncated) prompts on the model's device."""
        # Causal prompts are already chat-formatted, special tokens included.
        enc = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=True,
                             max_length=self.max_input_tokens, pad_to_multiple_of=self.pad_to_multiple_of,
                             add_special_tokens=self.model.config.is_encoder_decoder)
        return {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}

    def _end_ids(self) -> list[int]:
        eos = self.model.generation_config.eos_token_id
        ids = [int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]) if e is not None]
        return ids or [int(self.tokenizer.eos_token_id)]

    @torch.inference_mode()
    def _generate_batch(self, batch: list[str], max_new_tokens: int, constraints: list | None = None) -> list[list[int]]:
        enc = self.encode(batch)
        extra: dict[str, Any] = {}
        if constraints is not None:  # name-constrained regeneration (pipeline.name_constraint)
            from transformers import LogitsProcessorList

            from pipeline.grounding import NameLogitsProcessor, decoder_forced_prefix

            seq2seq = self.model.config.is_encoder_decoder
            processor = NameLogitsProcessor(constraints, prompt_length=0 if seq2seq else enc["input_ids"].shape[1],
                                            forced_prefix=decoder_forced_prefix(self.model))
            extra["logits_processor"] = LogitsProcessorList([processor])
        out = self.model.generate(**generate_inputs(self.model, enc), max_new_tokens=max_new_tokens,
                                  do_sample=False, num_beams=1, pad_token_id=self.tokenizer.pad_token_id, **extra)
        new = self._new_tokens(out, enc["input_ids"].shape[1]).tolist()
        return [_through_end_token(row, set(self._end_ids())) for row in new]


def _through_end_token(row: list[int], eos_ids: set[int]) -> list[int]:
    """A generated row up to and including its end token: generate pads a row that ended while other rows
    of the batch were still running."""
    for i, token in enumerate(row):
        if token in eos_ids:
            return row[: i + 1]
    return row


class Seq2SeqBackend(HFBackend):
    kind = "seq2seq"
    padding_side = "right"

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        return output_ids[:, 1:]  # the decoder output is all new text after the decoder start id


class CausalBackend(HFBackend):
    kind = "causal"
    padding_side = "left"  # so every row's generation starts at the same position
    # Stages keep prompts inside the context; if one still overflows, keep its end (the question and
    # the assistant turn) rather than its start.
    truncation_side = "left"

    def format_prompt(self, prompt: str) -> str:
        return chat_prompt(self.tokenizer, prompt)

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        return output_ids[:, input_len:]
