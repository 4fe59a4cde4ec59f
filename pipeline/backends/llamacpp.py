"""llama.cpp backend for GGUF models: quantized weights run as they are (transformers de-quantizes a GGUF
to float32: Qwen2.5-Coder-1.5B Q4_K_M takes ~1 GB here instead of ~8.5 GB).

Select it with `model.backend=llamacpp` on a GGUF model config (the packaged ones, or
`model.source=local model.path=/models/x.gguf`). Needs llama-cpp-python, built from source by
`scripts/setup --llamacpp` (portable AVX2 build, see scripts/install-llamacpp.sh).

Same stages, prompts and grounding as `model.backend=causal`:
- text is tokenized by the Hugging Face tokenizer converted from the GGUF's own vocabulary (transformers'
  GGUF reader), kept in `$NEWSFACTS_CACHE/tokenizers/<file fingerprint>` because converting takes
  10-20 s and loading the saved one about a second. Its ids are llama.cpp's ids (tests compare them);
- prompts are the user turn of the GGUF's chat template (`tokenizer.chat_template`), rendered by the same
  function as the transformers backend (`chat_prompt`); a test checks that llama.cpp's own rendering
  (llama-cpp-python's `Jinja2ChatFormatter`) and tokenizer give the same ids;
- span questions decode under `pipeline.grounding.SpanConstraint`, the transformers backend's constraint:
  at every step only the ids it allows can be chosen, so an answer is one of the candidate phrases or
  "none", and it maps back to article offsets with the same `to_span`;
- decoding is greedy and batched (`llamacpp_decode.LlamaRuntime`): up to `runtime.batch_size` sequences
  step together and prompts sharing a prefix share its KV cache.
llama.cpp computes with quantized weights, so its logits (and now and then a greedy choice) differ a
little from the de-quantized float32 model's.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipeline.backends.base import NameSource, SpanQuestion
from pipeline.backends.tokenized import TokenizerBackend, chat_prompt, dedupe_calls
from pipeline.backends.llamacpp_decode import DEFAULT_CONTEXT_TOKENS, LlamaRuntime, Request
from pipeline.name_constraint import make_name_constraint
from pipeline.records import Span
from pipeline.span_constraint import span_constraints

INSTALL_HINT = ("model.backend=llamacpp needs llama-cpp-python, which is not installed: run scripts/setup "
                "--llamacpp (builds it from source once, 10-20 min) or pip install 'newsfacts[llamacpp]', "
                "or use model.backend=causal")


def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


class LlamaCppBackend(TokenizerBackend):
    kind = "causal"

    def __init__(self, runtime: LlamaRuntime, tokenizer: Any, *, name: str, revision: str | None,
                 max_input_tokens: int) -> None:
        self.runtime = runtime
        self.tokenizer = tokenizer
        self.name = name
        self.revision = revision
        self._max_input_tokens = int(max_input_tokens)
        end_ids = runtime.end_ids()
        first = [tokenizer.eos_token_id] if tokenizer.eos_token_id in end_ids else []
        #: the tokenizer's end token first: the one a span constraint allows; any of them ends an answer
        self.end_ids = first + [t for t in end_ids if t not in first]

    def format_prompt(self, prompt: str) -> str:
        return chat_prompt(self.tokenizer, prompt)

    def prompt_ids(self, prompt: str) -> tuple[int, ...]:
        """Model input of a (formatted) prompt; an overlong one keeps its end (question and assistant turn),
        as the transformers causal backend truncates."""
        ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        return tuple(ids[-self.max_input_tokens :])

    # -- interface ---------------------------------------------------------------------------------------
    def generate_ids(self, prompts: list[str], max_new_tokens: int) -> list[list[int]]:
        def run(unique: list[str]) -> list[list[int]]:
            requests = [Request(self.prompt_ids(p), max_new_tokens) for p in unique]
            return self.runtime.decode(requests, self.end_ids)

        return dedupe_calls([self.format_prompt(p) for p in prompts], run)

    def generate_spans(self, questions: list[SpanQuestion], max_new_tokens: int) -> list[Span | None]:

        def run(unique: list[SpanQuestion]) -> list[Span | None]:
            constraints = span_constraints(self.tokenizer, [q.source for q in unique],
                                           [q.base_offset for q in unique], max(1, max_new_tokens), self.end_ids,
                                           candidates=[q.candidates for q in unique])
            requests = [Request(self.prompt_ids(q.prompt), max_new_tokens, allowed=c.allowed)
                        for q, c in zip(unique, constraints)]
            answers = self.runtime.decode(requests, self.end_ids)
            return [c.to_span(ids, near=q.hint) for q, c, ids in zip(unique, constraints, answers)]

        formatted = [dataclasses.replace(q, prompt=self.format_prompt(q.prompt)) for q in questions]
        return dedupe_calls(formatted, run)

    def generate_constrained(self, prompts: list[str], sources: list[NameSource], max_new_tokens: int) -> list[str]:
        """Free text under each source's name constraint (`pipeline.name_constraint`): the runtime's decoder
        takes the allowed ids at every step, as it does for spans."""

        def run(unique: list[tuple[str, NameSource]]) -> list[list[int]]:
            requests = [Request(self.prompt_ids(p), max_new_tokens,
                                allowed=make_name_constraint(self.tokenizer, s.words, self.end_ids).allowed)
                        for p, s in unique]
            return self.runtime.decode(requests, self.end_ids)

        items = [(self.format_prompt(p), s) for p, s in zip(prompts, sources, strict=True)]
        return self.decode_texts(dedupe_calls(items, run))


# -- loading ----------------------------------------------------------------------------------------------
def tokenizer_cache_root() -> Path:
    from pipeline.cache import newsfacts_cache

    return newsfacts_cache("tokenizers")


def gguf_tokenizer(gguf: Path, fingerprint: str, cache_root: Path | None = None) -> Any:
    """The Hugging Face tokenizer of a GGUF file (vocabulary, merges, special tokens, chat template),
    converted once by transformers and kept under `fingerprint` (which must change with the file)."""
    from transformers import PreTrainedTokenizerFast

    root = Path(cache_root) if cache_root is not None else tokenizer_cache_root()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in fingerprint)
    target = root / safe
    if (target / "tokenizer_config.json").is_file():
        # The saved tokenizer.json is the whole tokenizer; AutoTokenizer would import torch (through the
        # model config classes) for nothing: a llama.cpp run never loads torch (~0.4 GB, seconds).
        return PreTrainedTokenizerFast.from_pretrained(target)
    from transformers import AutoTokenizer  # converting the GGUF's vocabulary (first use of a file only)

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{safe}-", dir=root))
    try:
        tokenizer.save_pretrained(tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, target)
        except OSError:  # another process saved it first: theirs is the same conversion
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tokenizer


def file_fingerprint(path: Path) -> str:
    """A short id of a local GGUF file: its name, size and the sha256 of its first and last MiB (the header
    with the metadata and vocabulary, and the last tensors), cheap even for multi-GB files."""
    digest = hashlib.sha256(f"{path.name}:{path.stat().st_size}".encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        fh.seek(max(0, path.stat().st_size - (1 << 20)))
        digest.update(fh.read())
    return "gguf-" + digest.hexdigest()[:16]


def load_llamacpp_backend(spec, runtime, gguf: Path, revision: str | None) -> LlamaCppBackend:
    from pipeline.backends.loading import ModelUnavailableError

    if not llama_cpp_available():
        raise ModelUnavailableError(INSTALL_HINT)
    if runtime.device == "cuda":
        raise ModelUnavailableError("model.backend=llamacpp is built for the CPU here; use runtime.device=cpu "
                                    "(or model.backend=causal on CUDA)")
    tokenizer = gguf_tokenizer(gguf, file_fingerprint(gguf))  # one conversion per file, however it is named
    threads = runtime.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    n_ctx = max(DEFAULT_CONTEXT_TOKENS, 2 * (spec.max_input_tokens + 512))
    model = LlamaRuntime(str(gguf), n_ctx=n_ctx, n_seq=runtime.batch_size, threads=threads)
    trained = int(model.lib.llama_model_n_ctx_train(model.model))
    max_input = min(spec.max_input_tokens, trained) if trained > 0 else spec.max_input_tokens
    return LlamaCppBackend(model, tokenizer, name=spec.name, revision=revision, max_input_tokens=max_input)
