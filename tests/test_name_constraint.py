"""Name-constrained decoding: with real tiny models and tokenizers, the model cannot write a name or a number that
its source does not have, whichever pieces the tokenizer would cut it into."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from pipeline.backends.base import NameSource
from pipeline.backends.loading import load_backend
from pipeline.backends.tiny import ensure_tiny_model
from pipeline.config import ModelSpec
from pipeline.faithfulness import constraint_words
from pipeline.name_constraint import NameConstraint, make_name_constraint, vocabulary_index

SOURCE = "Japan's Tokyo Shimbun said North Korea sent shells worth 2.4bn to the border in 2009."


def _spells(constraint: NameConstraint, ids: list[int]) -> bool:
    """Whether the constraint lets the model write `ids` token by token."""
    return all(constraint.mask(ids[:k])[ids[k]] for k in range(len(ids)))


@pytest.mark.parametrize("kind", ["t5", "causal", "bart"])
@pytest.mark.parametrize("text, allowed", [
    (" the Tokyo Shimbun said", True),
    (" North Korea sent shells", True),
    (" in 2009.", True),
    (" worth 2.4 billion", True),         # another spelling of the article's "2.4bn"
    (" the Tokyo Shinbun", False),        # one letter changed
    (" Pyongyang", False),                # a name the source does not have
    (" in 2024.", False),                 # a number it does not have
    (" three shells", False),             # a number word it does not have
    (" The shells were sent.", True),     # a capitalised common word starts a sentence
])
def test_constraint_on_tiny_tokenizers(kind, text, allowed):
    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model(kind))
    constraint = NameConstraint(vocabulary_index(tokenizer), constraint_words(SOURCE), [tokenizer.eos_token_id])
    assert _spells(constraint, tokenizer(text, add_special_tokens=False)["input_ids"]) is allowed


def test_end_token_only_after_a_whole_name():
    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model("t5"))
    constraint = NameConstraint(vocabulary_index(tokenizer), {"Shimbun"}, [tokenizer.eos_token_id])
    partial = tokenizer(" Shim", add_special_tokens=False)["input_ids"]
    whole = tokenizer(" Shimbun", add_special_tokens=False)["input_ids"]
    assert _spells(constraint, partial)
    assert not constraint.mask(partial)[tokenizer.eos_token_id]      # "Shim" is not a word of the source
    assert constraint.mask(whole)[tokenizer.eos_token_id]
    assert list(constraint.allowed(whole)) == list(np.flatnonzero(constraint.mask(whole)))


def _favouring(backend, tokenizer, ranked: list[str]) -> None:
    """Give the tiny model an output head that prefers the first of `ranked` (single tokens), then the next ..."""
    ids = [tokenizer.convert_tokens_to_ids(t) for t in ranked]
    assert None not in ids and tokenizer.unk_token_id not in ids, ranked
    old = backend.model.lm_head
    head = torch.nn.Linear(old.in_features, old.out_features, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-10.0)
        for rank, token_id in enumerate(ids):
            head.bias[token_id] = 10.0 - rank
    backend.model.lm_head = head
    backend.model.config.tie_word_embeddings = False


@pytest.mark.parametrize("kind, backend_kind, marker, absent", [("t5", "seq2seq", "▁", "Russia"),
                                                                  ("causal", "causal", "Ġ", "Japan")])
def test_constrained_regeneration_cannot_emit_an_absent_name(kind, backend_kind, marker, absent):
    backend = load_backend(ModelSpec(name="tiny", backend=backend_kind, source="tiny", path=kind, prompts="t5"))
    # The head prefers a name the source lacks over "Korea" (in it) over "the" (free).
    _favouring(backend, backend.tokenizer, [marker + absent, f"{marker}Korea", f"{marker}the"])
    prompt = "Summarize: North Korea sent shells to the border."
    free = backend.generate([prompt], 6)[0]
    assert absent in free  # unconstrained, the model names what the source does not
    source = NameSource(constraint_words("North Korea sent shells to the border."))
    constrained = backend.generate_constrained([prompt, prompt], [source, NameSource(frozenset())], 6)
    assert absent not in constrained[0] and "Korea" in constrained[0]
    assert constrained[1].split() == ["the"] * 6  # with no names allowed, only free words remain


def test_constraints_are_built_once_per_tokenizer_and_words():
    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model("causal"))
    words = constraint_words(SOURCE)
    assert make_name_constraint(tokenizer, words, [0]) is make_name_constraint(tokenizer, words, [0])
