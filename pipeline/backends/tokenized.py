"""What every backend with a Hugging Face tokenizer shares, without torch: token counting and truncation
by that tokenizer, the chat-template user turn, free text decoded from generated ids, and running each
distinct prompt of a call once. The transformers and CTranslate2 backends build on it, and so does the
llama.cpp backend, which needs no torch at all (a run with it never imports torch)."""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pipeline.backends.base import ModelBackend

T = TypeVar("T")
R = TypeVar("R")


def count_tokens(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def truncate_to_tokens(tokenizer: Any, text: str, max_tokens: int) -> str:
    """The longest prefix of `text` that fits in `max_tokens` tokens, cut at a token boundary."""
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    if len(offsets) <= max_tokens:
        return text
    return text[: offsets[max(0, max_tokens - 1)][1]]


def dedupe_calls(items: Sequence[T], run: Callable[[list[T]], list[R]]) -> list[R]:
    """`run` over the distinct items only (first-seen order), results fanned back out to every copy.
    Greedy decoding is deterministic, so a repeated prompt (a sentence quoted in several articles of a
    step, a question asked twice) costs one generation."""
    index: dict[T, int] = {}
    unique: list[T] = []
    positions = []
    for item in items:
        if item not in index:
            index[item] = len(unique)
            unique.append(item)
        positions.append(index[item])
    results = run(unique) if unique else []
    return [results[i] for i in positions]


def chat_prompt(tokenizer: Any, prompt: str) -> str:
    """`prompt` as the user turn of the tokenizer's chat template, ready for the assistant's answer (plain
    prompt and a newline when the tokenizer has no template)."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
    return prompt + "\n"


class TokenizerBackend(ModelBackend):
    """What every backend with a Hugging Face tokenizer shares: token counting and truncation by that
    tokenizer, and free text decoded from `generate_ids`. Subclasses set `tokenizer` and
    `_max_input_tokens` and implement `generate_ids` and `generate_spans`."""

    tokenizer: Any
    _max_input_tokens: int

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    def count_tokens(self, text: str) -> int:
        return count_tokens(self.tokenizer, text)

    def truncate(self, text: str, max_tokens: int) -> str:
        return truncate_to_tokens(self.tokenizer, text, max_tokens)

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        return self.decode_texts(self.generate_ids(prompts, max_new_tokens))

    def decode_texts(self, ids: list[list[int]]) -> list[str]:
        """Free text of generated token ids (special tokens dropped, stripped)."""
        return [t.strip() for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    @abstractmethod
    def generate_ids(self, prompts: list[str], max_new_tokens: int) -> list[list[int]]:
        """The generated token ids of each prompt (greedy, batched), in the order of `prompts`."""
