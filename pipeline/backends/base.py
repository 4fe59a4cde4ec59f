"""The one interface every model backend implements; stages only ever talk to this.

Seq2seq (T5, BART, Pegasus) and causal (decoder-only, GGUF too) models differ in how a prompt becomes
model input (chat template, padding side) and where generated tokens start; both hide that here.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from pipeline.records import Span


@dataclass(frozen=True)
class SpanQuestion:
    """Ask for a verbatim piece of `source` (a window of the article starting at `base_offset`)."""

    prompt: str
    source: str
    base_offset: int = 0
    #: article offset to prefer when the answer occurs several times in the source
    hint: int | None = None
    #: character ranges of `source` the answer must be one of (None: any contiguous piece)
    candidates: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class NameSource:
    """What a constrained regeneration may name: the words of its article that carry a name or number
    (`pipeline.faithfulness.constraint_words`); every other word stays free (see `pipeline.name_constraint`)."""

    words: frozenset[str]


class ConstrainedDecodingUnavailable(NotImplementedError):
    """The backend cannot constrain free-text decoding; the caller falls back to article text instead."""


class ModelBackend(ABC):
    #: name written into records ("model"), e.g. "google/flan-t5-base"
    name: str
    #: resolved revision (commit hash) or a content hash for local/packaged files, when known
    revision: str | None
    #: "seq2seq" or "causal": which prompt family fits and how inputs are built
    kind: str

    @property
    @abstractmethod
    def max_input_tokens(self) -> int:
        """Longest prompt the model takes; longer inputs are truncated (or chunked by the caller)."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes as model input (no special tokens)."""

    @abstractmethod
    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` that takes at most `max_tokens` tokens."""

    @abstractmethod
    def generate(self, prompts: list[str], max_new_tokens: int) -> list[str]:
        """Free text for each prompt (greedy, batched); output order follows `prompts`."""

    @abstractmethod
    def generate_spans(self, questions: list[SpanQuestion], max_new_tokens: int) -> list[Span | None]:
        """A grounded span of each question's source (offsets relative to the whole article) or None
        when the model answers that there is none. Decoding is constrained, so every span is verbatim."""

    def generate_constrained(self, prompts: list[str], sources: list[NameSource], max_new_tokens: int) -> list[str]:
        """Free text like `generate`, each prompt decoded under `pipeline.name_constraint.NameConstraint` over
        its source's words: the model can write no capitalised word and no number that is not there.

        A backend that cannot mask its next-token choice raises ConstrainedDecodingUnavailable (this default);
        the faithfulness stage then goes straight to its fallback (article text). A backend that can applies
        `NameConstraint.mask(generated_ids)` (or `.allowed`) before choosing every token."""
        raise ConstrainedDecodingUnavailable(f"{type(self).__name__} cannot constrain free-text decoding")
