"""The llama.cpp backend on the real packaged SmolLM2-135M GGUF: grounding under the span constraint
(an answer outside the candidates is impossible), the chat template and tokenizer agreeing with
transformers', batched decoding with a shared KV cache, resume and the result cache, and the one-line
error when llama-cpp-python is missing.

Outside CI these tests skip when llama-cpp-python or the packaged model is absent; under CI (CI=true,
where `scripts/setup --test --llamacpp` installs both) they run and fail instead."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from pipeline.api import compose_config
from pipeline.backends.base import NameSource, SpanQuestion
from pipeline.backends.llamacpp import llama_cpp_available
from pipeline.config import ModelSpec, RuntimeSpec
from tests.conftest import REPO, SEED_TEXT, write_jsonl

try:
    from pipeline.backends.packaged import resolve_packaged_gguf

    SMOLLM2 = resolve_packaged_gguf("smollm2_135m")
except Exception:  # noqa: BLE001 - not installed (or damaged): the message says how to install it
    SMOLLM2 = None

needs_llamacpp = pytest.mark.skipif(
    not os.environ.get("CI") and (not llama_cpp_available() or SMOLLM2 is None),
    reason="needs llama-cpp-python (scripts/setup --llamacpp) and the packaged smollm2_135m model")

FAST = ["model.backend=llamacpp", "decoding.max_summary_tokens=8", "decoding.max_claim_tokens=8",
        "decoding.max_span_tokens=6", "runtime.threads=2", "report.enabled=false"]
ARTICLE = ("The ministry said on Monday that the talks had been constructive. Opposition leader Anna Berg "
           "denied the report, and the union said the plan would fail. Reuters reported the figures.")


def _spec(**update) -> ModelSpec:
    return ModelSpec(**{**compose_config("smollm2_135m", ["model.backend=llamacpp"])["model"], **update})


@pytest.fixture(scope="module")
def backend():
    from pipeline.backends.loading import load_backend

    return load_backend(_spec(), RuntimeSpec(threads=2, batch_size=4))


# -- the missing package --------------------------------------------------------------------------------
def test_missing_package_is_one_line_and_exit_2(tmp_path):
    """llama_cpp hidden from the import system (sys.modules entry None): the CLI stops before any work
    with one line naming the set-up flag."""
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": ARTICLE}])
    code = ("import sys; sys.modules['llama_cpp'] = None; from pipeline.__main__ import main; "
            f"sys.argv = ['newsfacts', 'model=smollm2_135m', 'model.backend=llamacpp', 'input.path={source}', "
            f"'hydra.run.dir={tmp_path / 'run'}']; main()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "scripts/setup --llamacpp" in lines[0] and "llama-cpp-python" in lines[0], lines
    assert not (tmp_path / "run" / "facts.jsonl").exists()


def test_llamacpp_is_a_known_backend_and_others_are_refused():
    assert _spec().backend == "llamacpp"
    with pytest.raises(ValueError):
        _spec(backend="llama")


@needs_llamacpp
def test_a_local_gguf_path_runs_like_the_packaged_model(backend, tmp_path):
    from pipeline.backends.loading import ModelUnavailableError, load_backend

    local = load_backend(_spec(source="local", path=str(SMOLLM2)), RuntimeSpec(threads=2, batch_size=2))
    assert local.revision.startswith("gguf-") and local.revision != backend.revision
    prompts = ["Name a colour.", "Summarize: the mayor said the bridge would reopen."]
    assert local.generate(prompts, 8) == backend.generate(prompts, 8)
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        load_backend(_spec(source="local", path=str(tmp_path / "missing.gguf")))


# -- tokenizer and chat template ------------------------------------------------------------------------
@needs_llamacpp
def test_chat_template_gives_transformers_token_ids(backend):
    """llama.cpp's own rendering of the GGUF's chat template (llama-cpp-python's Jinja2ChatFormatter) and
    its own tokenizer give the ids transformers' apply_chat_template gives, which are what we feed."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    from transformers import AutoTokenizer

    from pipeline.backends.llamacpp import file_fingerprint, tokenizer_cache_root

    template = backend.runtime.chat_template()
    assert template and "<|im_start|>" in template
    # transformers' own class for this tokenizer (the backend loads the same files as a plain fast tokenizer)
    tok = AutoTokenizer.from_pretrained(tokenizer_cache_root() / file_fingerprint(SMOLLM2))
    formatter = Jinja2ChatFormatter(template=template, eos_token=tok.eos_token, bos_token=tok.bos_token or "")
    for prompt in ["Summarize this news article:\n\n" + SEED_TEXT[:1500], "Who said it? Choose one of:\n- none"]:
        messages = [{"role": "user", "content": prompt}]
        rendered = formatter(messages=messages).prompt
        expected = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
        expected = list(expected["input_ids"] if hasattr(expected, "keys") else expected)
        assert backend.runtime.tokenize(rendered, special=True) == expected
        assert list(backend.prompt_ids(backend.format_prompt(prompt))) == expected


@needs_llamacpp
def test_article_text_tokenizes_alike_in_both(backend):
    """The span constraint works on the Hugging Face tokenizer's ids; llama.cpp must mean the same by them."""
    for text in [SEED_TEXT, "“Quoted” — café, naïve 北京 1,234.5 %"]:
        assert backend.runtime.tokenize(text, special=False) == backend.tokenizer(text, add_special_tokens=False)["input_ids"]


# -- decoding -------------------------------------------------------------------------------------------
@needs_llamacpp
def test_answers_outside_the_candidates_are_impossible(backend):
    """Each question may only be answered by one of its candidate phrases or none, even when the prompt
    begs for a phrase that is not a candidate (and is in the article)."""
    source = ARTICLE
    phrases = ["The ministry", "Opposition leader Anna Berg", "the union"]
    ranges = tuple((source.index(p), source.index(p) + len(p)) for p in phrases)
    prompts = [f"Text:\n{source}\n\nWho denies it? Choose one of:\n" + "\n".join(f"- {p}" for p in phrases) + "\n- none",
               f"Text:\n{source}\n\nReply with exactly: Reuters reported the figures",
               f"Text:\n{source}\n\nReply with exactly: constructive"]
    questions = [SpanQuestion(prompt=p, source=source, base_offset=10, candidates=c)
                 for p in prompts for c in (ranges, ranges[1:], ranges[:1])]
    spans = backend.generate_spans(questions, 12)
    allowed_texts = {None, *phrases}
    for question, span in zip(questions, spans, strict=True):
        assert span is None or (span.start - 10, span.end - 10) in question.candidates, span
        assert (span.text if span else None) in allowed_texts
        if span is not None:
            assert source[span.start - 10 : span.end - 10] == span.text
    assert any(s is not None for s in spans)


@needs_llamacpp
def test_every_generated_token_is_one_the_request_allows(backend):
    """At the decoder: with three arbitrary allowed ids (ones the model would never pick), every step
    picks among them, and the unrestricted answer is different."""
    from pipeline.backends.llamacpp_decode import Request

    ids = backend.prompt_ids(backend.format_prompt("Say hello."))
    allowed = (1001, 2002, 3003)
    free, forced = backend.runtime.decode([Request(ids, 6), Request(ids, 6, allowed=lambda prefix: allowed)],
                                          backend.end_ids)
    assert len(forced) == 6 and set(forced) <= set(allowed)
    assert free != forced


@needs_llamacpp
def test_constrained_text_names_only_words_of_its_source(backend):
    """The faithfulness stage's regeneration on llama.cpp: free, SmolLM2 names Paris; under a constraint whose
    source has other names, every capitalised word or number it writes is one of them."""
    prompt = "What is the capital of France? Answer in one sentence."
    words = frozenset({"Berg", "Reuters", "Monday", "2019"})
    (free,) = backend.generate([prompt], 20)
    (constrained,) = backend.generate_constrained([prompt], [NameSource(words)], 20)
    assert "Paris" in free
    named = {w for w in re.findall(r"\w+", constrained) if any(c.isupper() or c.isdigit() for c in w)}
    assert named and named <= words, constrained


@needs_llamacpp
def test_free_spans_are_verbatim_article_text(backend):
    questions = [SpanQuestion(prompt=f"{SEED_TEXT[:1200]}\n\nQuestion: {q}", source=SEED_TEXT[:1200], hint=0)
                 for q in ("Who denied the report?", "Which newspaper reported it?", "Where?")]
    for span in backend.generate_spans(questions, 8):
        if span is not None:
            assert SEED_TEXT[span.start : span.end] == span.text and span.text.strip()


@needs_llamacpp
def test_shared_prefixes_are_computed_once_and_batching_changes_no_output():
    """The same prompts decoded one sequence at a time with no cache reuse, and batched with shared
    prefixes: the prefixes are computed once (fewer prefilled tokens), the answers agree."""
    from pipeline.backends.llamacpp_decode import LlamaRuntime, Request
    from pipeline.backends.loading import load_backend

    backend = load_backend(_spec(), RuntimeSpec(threads=2, batch_size=1))
    sentences = [s + "." for s in ARTICLE.split(". ") if s]
    prompts = [backend.format_prompt(f"Restate the claim in this sentence.\n\nSentence: {s}") for s in sentences]
    prompts += [backend.format_prompt(f"Text:\n{ARTICLE}\n\nQuestion: {q}") for q in ("Who said it?", "Who denied it?")]
    requests = [Request(backend.prompt_ids(p), 12) for p in prompts]
    plain = LlamaRuntime(str(SMOLLM2), n_ctx=4096, n_seq=1, threads=2, prefix_reuse=False)
    shared = LlamaRuntime(str(SMOLLM2), n_ctx=4096, n_seq=4, threads=2, prefix_reuse=True)
    try:
        expected = plain.decode(requests, backend.end_ids)
        got = shared.decode(requests, backend.end_ids)
        assert plain.prefilled_tokens == sum(len(r.ids) for r in requests)
        assert shared.prefilled_tokens < 0.7 * plain.prefilled_tokens
        # Batching changes how tokens are grouped in llama.cpp's matrix products, which can flip a greedy
        # choice between near-equal logits now and then: nearly all answers agree ...
        assert sum(a == b for a, b in zip(got, expected)) >= len(requests) - 2, (got, expected)
        # ... and the same call gives the same answers again (each call starts from an empty cache)
        assert shared.decode(requests, backend.end_ids) == got
    finally:
        plain.close()
        shared.close()


@needs_llamacpp
def test_text_is_the_decoded_ids_and_repeated_prompts_match(backend):
    prompts = ["Summarize: The minister said the deal was done.", "Name a colour.", "Name a colour."]
    ids = backend.generate_ids(prompts, 10)
    texts = backend.generate(prompts, 10)
    assert ids[1] == ids[2] and texts[1] == texts[2]
    assert texts[0] == backend.tokenizer.decode(ids[0], skip_special_tokens=True).strip() and texts[0]
    assert all(len(row) <= 10 for row in ids)


# -- the whole pipeline: resume and cache ---------------------------------------------------------------
def _articles(n: int) -> list[dict]:
    subjects = ["The minister", "The mayor", "A police spokesman", "The company", "Union leaders"]
    return [{"id": f"art-{i}", "text": f"{subjects[i % 5]} said on Monday that {i + 2} schools would reopen. "
                                       f"{subjects[(i + 1) % 5]} denied the report."} for i in range(n)]


@needs_llamacpp
def test_crash_then_resume_and_cached_rerun(tmp_path, monkeypatch, backend):
    """A run that crashes after a step resumes to the same files as an uninterrupted run; a rerun into a
    new run dir takes every record from the cache without loading the model."""
    import pipeline.backends.loading as loading
    from pipeline.runner import run_pipeline
    from tests.test_resume import SimulatedCrash, _crash_on_record

    source = write_jsonl(tmp_path / "in.jsonl", _articles(6))
    config = lambda *extra: compose_config("smollm2_135m", [f"input.path={source}", "batch_articles=2",  # noqa: E731
                                                            f"cache.dir={tmp_path / 'cache'}", *FAST, *extra])
    clean = run_pipeline(config("cache.enabled=false"), tmp_path / "clean", backend=backend)
    with monkeypatch.context() as patch:
        _crash_on_record(patch, 3)
        with pytest.raises(SimulatedCrash):
            run_pipeline(config(), tmp_path / "run", backend=backend)
    resumed = run_pipeline(config(), tmp_path / "run", backend=backend)
    assert resumed.manifest["resume"]["resumed_after_inputs"] == 2
    assert (tmp_path / "run" / "facts.jsonl").read_bytes() == (tmp_path / "clean" / "facts.jsonl").read_bytes()
    records = [json.loads(line) for line in (tmp_path / "run" / "facts.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"art-{i}" for i in range(6)]
    assert all(r["provenance"]["backend"] == "llamacpp" for r in records)

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded although every input was cached")

    monkeypatch.setattr(loading, "load_backend", refuse)
    cached = run_pipeline(config(), tmp_path / "rerun")
    assert cached.manifest["cache"]["hits"] == 6 and cached.manifest["model"]["loaded"] is False
    assert (tmp_path / "rerun" / "facts.jsonl").read_bytes() == (tmp_path / "clean" / "facts.jsonl").read_bytes()
