"""Hugging Face `transformers` backends: seq2seq (AutoModelForSeq2SeqLM) and causal (AutoModelForCausalLM).

Both batch prompts sorted by token length (so a batch pads little), generate greedily under
`torch.inference_mode`, and hand span questions to the grounding module's constrained decoder.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import torch

from pipeline.backends.base import ModelBackend, SpanQuestion
from pipeline.records import Span

T = TypeVar("T")
R = TypeVar("R")


class HFBackend(ModelBackend):
    kind = "hf"
    padding_side = "right"
    truncation_side = "right"

    def __init__(self, model, tokenizer, *, name: str, revision: str | None, device: str,
                 batch_size: int = 8, max_input_tokens: int = 512) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.revision = revision
        self.device = device
        self.batch_size = max(1, int(batch_size))
        self._max_input_tokens = int(max_input_tokens)
        self.tokenizer.padding_side = self.padding_side
        self.tokenizer.truncation_side = self.truncation_side
        if self.tokenizer.pad_token is None:  # decoder-only tokenizers often ship without one
            self.tokenizer.pad_token = self.tokenizer.eos_token

    # -- interface ---------------------------------------------------------------------------------
    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        formatted = [self.format_prompt(p) for p in prompts]
        return self._in_length_order(formatted, lambda batch: self._generate_text(batch, max_new_tokens))

    def generate_spans(self, questions: list[SpanQuestion], max_new_tokens: int) -> list[Span | None]:
        from pipeline.grounding import generate_spans  # local import: grounding pulls in generation utils

        formatted = [SpanQuestion(self.format_prompt(q.prompt), q.source, q.base_offset, q.hint, q.candidates)
                     for q in questions]

        def run(batch: list[SpanQuestion]) -> list[Span | None]:
            return generate_spans(
                self.model, self.tokenizer,
                prompts=[q.prompt for q in batch], sources=[q.source for q in batch],
                base_offsets=[q.base_offset for q in batch], max_new_tokens=max_new_tokens,
                is_encoder_decoder=self.model.config.is_encoder_decoder, device=self.device,
                hints=[q.hint for q in batch], max_input_tokens=self.max_input_tokens,
                candidates=[q.candidates for q in batch],
            )

        return self._in_length_order(formatted, run, key=lambda q: len(q.prompt))

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` that fits in `max_tokens` tokens, cut at a token boundary."""
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
        if len(offsets) <= max_tokens:
            return text
        return text[: offsets[max(0, max_tokens - 1)][1]]

    # -- hooks for the two model families ----------------------------------------------------------
    def format_prompt(self, prompt: str) -> str:
        return prompt

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        raise NotImplementedError

    # -- shared machinery --------------------------------------------------------------------------
    def _in_length_order(self, items: Sequence[T], run: Callable[[list[T]], list[R]],
                         key: Callable[[T], int] = len) -> list[R]:
        """Run `run` over batches of items sorted by length (less padding), results in input order."""
        order = sorted(range(len(items)), key=lambda i: key(items[i]), reverse=True)
        results: list[R | None] = [None] * len(items)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            for i, out in zip(idx, run([items[i] for i in idx]), strict=True):
                results[i] = out
        return results  # type: ignore[return-value]

    @torch.inference_mode()
    def _generate_text(self, batch: list[str], max_new_tokens: int) -> list[str]:
        # Causal prompts are already chat-formatted, special tokens included.
        enc = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=True,
                             max_length=self.max_input_tokens,
                             add_special_tokens=self.model.config.is_encoder_decoder).to(self.device)
        out = self.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                                  pad_token_id=self.tokenizer.pad_token_id)
        new = self._new_tokens(out, enc["input_ids"].shape[1])
        return [t.strip() for t in self.tokenizer.batch_decode(new, skip_special_tokens=True)]


class Seq2SeqBackend(HFBackend):
    kind = "seq2seq"
    padding_side = "right"

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        return output_ids  # the decoder output is all new text


class CausalBackend(HFBackend):
    kind = "causal"
    padding_side = "left"  # so every row's generation starts at the same position
    # Stages keep prompts inside the context; if one still overflows, keep its end (the question and
    # the assistant turn) rather than its start.
    truncation_side = "left"

    def format_prompt(self, prompt: str) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
        return prompt + "\n"

    def _new_tokens(self, output_ids: torch.Tensor, input_len: int) -> torch.Tensor:
        return output_ids[:, input_len:]
