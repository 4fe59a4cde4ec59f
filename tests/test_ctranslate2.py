"""The CTranslate2 backend: conversion into a cache keyed by the model fingerprint, free text on
CTranslate2 (float32 gives the transformers model's ids; int8 the default on CPU), span questions on the
transformers model, and clear errors. Skipped when ctranslate2 is not installed."""
from __future__ import annotations

import pytest

ctranslate2 = pytest.importorskip("ctranslate2")

from pipeline.backends.base import SpanQuestion  # noqa: E402
from pipeline.backends.ctranslate2 import (  # noqa: E402
    CTranslate2Backend,
    CTranslate2ConversionError,
    ensure_converted,
    pick_compute_type,
)
from pipeline.backends.hf import Seq2SeqBackend  # noqa: E402
from pipeline.backends.loading import load_backend  # noqa: E402
from pipeline.backends.tiny import ensure_tiny_model  # noqa: E402
from pipeline.config import ModelSpec, RuntimeSpec  # noqa: E402

PROMPTS = [
    "Summarize: The minister said on Monday that the deal was done.",
    "Police said two people were arrested on Tuesday night after a fire broke out in a warehouse.",
    "Who denied it?",
    "Who denied it?",
]


def _spec(kind: str = "t5", compute_type: str = "auto") -> ModelSpec:
    return ModelSpec(name=f"tiny-{kind}", backend="ctranslate2", source="tiny", path=kind,
                     prompts="t5", dtype="float32", compute_type=compute_type)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private cache root for conversions (the tiny models themselves stay in the shared cache)."""
    import os

    ensure_tiny_model("t5")  # build it in the usual place before NEWSFACTS_CACHE moves
    root = tmp_path_factory.mktemp("newsfacts-cache")
    tiny = os.environ.get("NEWSFACTS_CACHE")
    from pipeline.backends.tiny import tiny_cache_root

    (root / "tiny").symlink_to(tiny_cache_root())
    old = tiny
    os.environ["NEWSFACTS_CACHE"] = str(root)
    yield root
    if old is None:
        os.environ.pop("NEWSFACTS_CACHE", None)
    else:
        os.environ["NEWSFACTS_CACHE"] = old


@pytest.fixture(scope="module")
def float32_backend(cache) -> CTranslate2Backend:
    backend = load_backend(_spec(compute_type="float32"), RuntimeSpec(batch_size=3, threads=1))
    assert isinstance(backend, CTranslate2Backend)
    return backend


def _force_length(config) -> None:
    config.suppress_tokens = [config.eos_token_id]


def test_conversion_is_cached_by_fingerprint(cache):
    model_dir = ensure_tiny_model("t5")
    first = ensure_converted(model_dir, "tiny-t5-dir-abc", cache_root=cache / "conv")
    stamp = (first / "model.bin").stat().st_mtime_ns
    again = ensure_converted(model_dir, "tiny-t5-dir-abc", cache_root=cache / "conv")
    assert again == first and (again / "model.bin").stat().st_mtime_ns == stamp  # not converted twice
    other = ensure_converted(model_dir, "tiny-t5-dir-def", cache_root=cache / "conv")
    assert other != first and (other / "model.bin").is_file()
    assert ctranslate2.__version__ in first.name
    assert not [p for p in (cache / "conv").iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_load_converts_into_the_cache_keyed_by_revision(float32_backend, cache):
    converted = list((cache / "ctranslate2").iterdir())
    assert len(converted) == 1
    assert float32_backend.revision and float32_backend.revision in converted[0].name
    assert float32_backend.kind == "seq2seq" and float32_backend.compute_type == "float32"


def test_float32_ids_equal_the_transformers_model(float32_backend):
    """Same weights, same greedy decoding: CTranslate2 in float32 reproduces transformers' ids, forced
    to full length (end of sequence suppressed) so every token is compared."""
    hf = float32_backend.span_backend()
    assert isinstance(hf, Seq2SeqBackend)
    _force_length(hf.model.generation_config)
    _force_length(float32_backend.generation_config)
    try:
        ours = float32_backend.generate_ids(PROMPTS, 10)
        assert all(len(ids) == 10 for ids in ours)
        assert ours == hf.generate_ids(PROMPTS, 10)
        assert ours[2] == ours[3]
    finally:
        hf.model.generation_config.suppress_tokens = None
        float32_backend.generation_config.suppress_tokens = None


def test_natural_length_output_ends_like_transformers(float32_backend):
    """EOS allowed: ids (end token included) and text match transformers'."""
    hf = float32_backend.span_backend()
    assert float32_backend.generate_ids(PROMPTS, 12) == hf.generate_ids(PROMPTS, 12)
    assert float32_backend.generate(PROMPTS, 12) == hf.generate(PROMPTS, 12)


def test_span_questions_are_answered_by_the_transformers_model_and_grounded(float32_backend):
    source = "The ministry said on Monday that the talks had been constructive."
    questions = [SpanQuestion(prompt=f"{source}\n\nQuestion: Who said it?", source=source, base_offset=5)]
    spans = float32_backend.generate_spans(questions, 6)
    assert spans == float32_backend.span_backend().generate_spans(questions, 6)
    if spans[0] is not None:
        assert source[spans[0].start - 5 : spans[0].end - 5] == spans[0].text


def test_int8_is_the_cpu_default_and_generates(cache):
    backend = load_backend(_spec(), RuntimeSpec(batch_size=4, threads=1))
    assert backend.compute_type == "int8"
    out = backend.generate(PROMPTS, 8)
    assert len(out) == len(PROMPTS) and out[2] == out[3]


def test_compute_type_auto_per_device():
    assert pick_compute_type("auto", "cpu") == "int8"
    assert pick_compute_type("auto", "cuda") == "bfloat16"
    assert pick_compute_type("int8_float32", "cuda") == "int8_float32"


def test_decoding_options_follow_the_generation_config(float32_backend):
    config = float32_backend.generation_config
    saved = (config.suppress_tokens, config.no_repeat_ngram_size)
    try:
        config.suppress_tokens, config.no_repeat_ngram_size = [config.eos_token_id, 5], 3
        options = float32_backend._decoding_options(20)
        assert options["max_decoding_length"] == options["min_decoding_length"] == 20
        assert options["suppress_sequences"] == [[float32_backend.vocabulary[5]]]
        assert options["no_repeat_ngram_size"] == 3
    finally:
        config.suppress_tokens, config.no_repeat_ngram_size = saved


def test_causal_models_are_refused_with_the_alternative(cache):
    spec = ModelSpec(name="tiny-causal", backend="ctranslate2", source="tiny", path="causal", prompts="instruct")
    with pytest.raises(ValueError, match="backend=causal"):
        load_backend(spec, RuntimeSpec(threads=1))


def test_a_model_the_converter_cannot_handle_fails_with_versions_and_fallback(cache):
    spec = ModelSpec(name="tiny-bart", backend="ctranslate2", source="tiny", path="bart", prompts="t5")
    try:
        backend = load_backend(spec, RuntimeSpec(threads=1))
    except CTranslate2ConversionError as exc:  # today: BART with transformers 5
        assert "model.backend=seq2seq" in str(exc) and ctranslate2.__version__ in str(exc)
    else:  # a converter that handles BART must give transformers' output
        hf = backend.span_backend()
        assert backend.generate(PROMPTS, 8) == hf.generate(PROMPTS, 8)
