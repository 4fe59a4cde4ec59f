"""Name-constrained decoding: free text in which the model can write only names and numbers of its source.

A regenerated summary or claim is decoded under this constraint when the first answer had a name or number its
article does not support (`pipeline.faithfulness`). Like the span constraint (`pipeline.grounding`) it is an
"allowed next tokens" rule over the tokenizer's vocabulary, applied at every step, so any backend that can mask
logits can use it (`NameConstraint.mask` / `.allowed`; `pipeline.grounding.NameLogitsProcessor` for transformers,
`Request.allowed` for llama.cpp). This module needs only numpy: a llama.cpp run never imports torch.

What is allowed. Text is read as words (runs of letters and digits) and what separates them. A word with a capital
letter or a digit, or a number word ("forty", "million"), must be one of the source's words (`words`, see
`faithfulness.constraint_words`): while it is being written it must stay a prefix of one, and it may end (a space,
punctuation, the end token) only when it is a whole one. Other words (lower case, no digit) are free. So with
"Tokyo Shimbun" in the article the model cannot write "Shinbun", whichever pieces the tokenizer cuts it into.
The constraint works on the characters each token stands for, not on the source's token ids, so a name may be
written with other pieces than the article's ("▁Korea" or "Korea"). A byte piece of a multi-byte character
(shown as U+FFFD) cannot continue a capitalised word: such a name cannot be written and the caller falls back.

Public API::

    vocabulary_index(tokenizer) -> VocabularyIndex                  # once per tokenizer (cached)
    NameConstraint(index, words, stop_ids).mask(prefix_ids) -> np.ndarray[bool]   (.allowed(prefix_ids) -> ids)
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from pipeline.numbers import NUMBER_WORDS

_OPAQUE = "\ufffd"  # what a byte piece of a multi-byte character decodes to


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == _OPAQUE


def _restricted(word: str) -> bool:
    return any(c.isupper() or c.isdigit() or c == _OPAQUE for c in word)


@dataclass(frozen=True, eq=False)
class VocabularyIndex:
    """The characters each token id stands for, and which tokens can never start or extend a name or number."""

    #: per id: the token's text (a word-start marker as a space), or None for special tokens
    texts: tuple[str | None, ...]
    #: tokens with no capital, no digit and no number word: free wherever the current word is free
    plain: np.ndarray
    #: tokens whose text starts inside a word (continues the current one)
    word_lead: np.ndarray
    #: first character -> ids of the tokens starting with it (word characters only)
    by_first_char: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(self.texts)


@lru_cache(maxsize=8)
def vocabulary_index(tokenizer: Any) -> VocabularyIndex:
    size = len(tokenizer)
    special = set(tokenizer.all_special_ids)
    ref_ids = tokenizer("a a", add_special_tokens=False)["input_ids"]
    ref = tokenizer.convert_ids_to_tokens(ref_ids[-1:])[0]
    ref_text = tokenizer.convert_tokens_to_string([ref])
    pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
    texts: list[str | None] = []
    for i, piece in enumerate(pieces):
        if i in special or piece is None:
            texts.append(None)
            continue
        # After a reference piece, so a leading word-start marker decodes as the space it stands for.
        full = tokenizer.convert_tokens_to_string([ref, piece])
        texts.append(full[len(ref_text):] if full.startswith(ref_text) else full)
    plain = np.array([t is not None and not _restricted(t) and not _has_number_word(t) for t in texts], dtype=bool)
    word_lead = np.array([bool(t) and _is_word_char(t[0]) for t in texts], dtype=bool)
    firsts: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        if t and _is_word_char(t[0]):
            firsts.setdefault(t[0], []).append(i)
    return VocabularyIndex(tuple(texts), plain, word_lead, {c: np.array(ids) for c, ids in firsts.items()})


def _has_number_word(text: str) -> bool:
    word = ""
    for ch in text + " ":
        if _is_word_char(ch):
            word += ch
            continue
        if word.lower() in NUMBER_WORDS:
            return True
        word = ""
    return False


class NameConstraint:
    """The allowed next tokens of free text that may name only `words` (and write numbers only from them)."""

    def __init__(self, index: VocabularyIndex, words: Iterable[str], stop_ids: Sequence[int]) -> None:
        self.index = index
        self.words = frozenset(words)
        self.stop_ids = tuple(int(i) for i in stop_ids)
        self._children: dict[str, set[str]] = {}
        for word in self.words:
            for k in range(len(word)):
                self._children.setdefault(word[:k], set()).add(word[k])
        stops = np.zeros(index.size, dtype=bool)
        stops[[i for i in self.stop_ids if i < index.size]] = True
        marked_ok = np.zeros(index.size, dtype=bool)
        for i in np.flatnonzero(~index.plain):
            text = index.texts[i]
            if text is not None and self._extend("", text) is not None:
                marked_ok[i] = True
        #: masks after a whole word or at the start, and inside a free (lower-case) word
        self._after_word = index.plain | marked_ok | stops
        self._in_free_word = index.plain | (marked_ok & ~index.word_lead) | stops
        self._in_name: dict[str, np.ndarray] = {}
        self._word_of: dict[tuple[int, ...], str] = {(): ""}

    # ----- the rule on characters -----

    def _complete(self, word: str) -> bool:
        if word in self.words:
            return True
        return not _restricted(word) and word.lower() not in NUMBER_WORDS

    def _extend(self, word: str, text: str) -> str | None:
        """The current word after writing `text`, or None when `text` breaks the rule."""
        for ch in text:
            if _is_word_char(ch):
                word += ch
                if _restricted(word) and word not in self._children and word not in self.words:
                    return None
            else:
                if word and not self._complete(word):
                    return None
                word = ""
        if word.lower() in NUMBER_WORDS and word not in self.words:
            return None  # a number word the source does not have (it could only go on as another word)
        return word

    # ----- stepping -----

    def _word(self, prefix: tuple[int, ...]) -> str:
        word = self._word_of.get(prefix)
        if word is not None:
            return word
        known = len(prefix) - 1
        while prefix[:known] not in self._word_of:
            known -= 1
        word = self._word_of[prefix[:known]]
        for k in range(known, len(prefix)):
            token = prefix[k]
            text = self.index.texts[token] if token < self.index.size else None
            extended = self._extend(word, text) if text is not None else None
            word = extended if extended is not None else ""  # a token forced from outside: start afresh
            self._word_of[prefix[: k + 1]] = word
        return word

    def mask(self, prefix_ids: Sequence[int]) -> np.ndarray:
        """Allowed next token ids after `prefix_ids` (the text generated so far), as a mask over the vocabulary."""
        prefix = tuple(int(t) for t in prefix_ids)
        if any(t in self.stop_ids for t in prefix):
            done = np.zeros(self.index.size, dtype=bool)
            done[list(self.stop_ids)] = True
            return done
        word = self._word(prefix)
        if not word:
            return self._after_word
        if not _restricted(word):
            return self._in_free_word
        return self._in_name_mask(word)

    def allowed(self, prefix_ids: Sequence[int]) -> np.ndarray:
        """The allowed next token ids (what a backend without boolean masks takes); when nothing fits (a name
        the tokenizer cannot spell) only the end tokens, so the text ends there."""
        ids = np.flatnonzero(self.mask(prefix_ids))
        return ids if ids.size else np.array(self.stop_ids, dtype=np.int64)

    def _in_name_mask(self, word: str) -> np.ndarray:
        mask = self._in_name.get(word)
        if mask is not None:
            return mask
        mask = np.zeros(self.index.size, dtype=bool)
        if word in self.words:  # may end here: whatever may follow a whole word, without continuing it
            mask |= self._after_word & ~self.index.word_lead
        for ch in self._children.get(word, ()):
            for i in self.index.by_first_char.get(ch, ()):
                if self._extend(word, self.index.texts[i]) is not None:
                    mask[i] = True
        self._in_name[word] = mask
        return mask


def make_name_constraint(tokenizer: Any, words: frozenset[str], stop_ids: Sequence[int]) -> NameConstraint:
    return _cached_constraint(vocabulary_index(tokenizer), words, tuple(stop_ids))


@lru_cache(maxsize=64)
def _cached_constraint(index: VocabularyIndex, words: frozenset[str], stop_ids: tuple[int, ...]) -> NameConstraint:
    # an article's summary and its claims are regenerated under one constraint, built once
    return NameConstraint(index, words, stop_ids)
