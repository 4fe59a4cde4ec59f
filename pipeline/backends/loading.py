"""Find a model's files (HF hub id, HF cache, local directory, packaged GGUF, tiny test model) and
build the backend for it.

The hub path is what users get by default. When the hub cannot be reached and the model is not in the
HF cache, we fail at once with the remedy instead of hanging in retries.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

from pipeline.backends.base import ModelBackend
from pipeline.config import ModelSpec, RuntimeSpec


class ModelUnavailableError(RuntimeError):
    """The model's files cannot be found or fetched; the message says what to do."""


def load_backend(spec: ModelSpec, runtime: RuntimeSpec | None = None) -> ModelBackend:
    _passive_openmp_wait()
    if spec.backend == "llamacpp":
        from pipeline.backends.llamacpp import load_llamacpp_backend

        location, revision, extra = _resolve(spec)
        if "gguf_file" not in extra:
            raise ModelUnavailableError("model.backend=llamacpp runs GGUF files: give model.gguf_file=NAME.gguf "
                                        "with a directory, or model.path=/path/to/model.gguf")
        return load_llamacpp_backend(spec, runtime or RuntimeSpec(), Path(location) / extra["gguf_file"], revision)
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # per-shard bars would drown our own progress and logs
    runtime = runtime or RuntimeSpec()
    device = _pick_device(runtime.device)
    if runtime.threads:
        torch.set_num_threads(runtime.threads)
    location, revision, extra = _resolve(spec)
    if spec.backend == "ctranslate2":
        from pipeline.backends.ctranslate2 import load_ctranslate2_backend

        # Span questions need per-step constrained decoding, which CTranslate2 cannot do: they go to the
        # same model loaded with transformers, loaded only when the first span question comes.
        hf_spec = spec.model_copy(update={"backend": "seq2seq"})
        return load_ctranslate2_backend(spec, runtime, location, revision, device,
                                        span_backend=lambda: _load_hf(hf_spec, runtime, device, location, revision, extra))
    return _load_hf(spec, runtime, device, location, revision, extra)


def _load_hf(spec: ModelSpec, runtime: RuntimeSpec, device: str, location: str, revision: str | None,
             extra: dict) -> ModelBackend:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    model_type = AutoConfig.from_pretrained(location, **extra).model_type if spec.dtype == "float16" else None
    dtype = _pick_dtype(spec, device, model_type)
    # trust_remote_code is never passed: only architectures transformers itself implements load.
    tokenizer = AutoTokenizer.from_pretrained(location, **extra)
    model_cls = AutoModelForSeq2SeqLM if spec.backend == "seq2seq" else AutoModelForCausalLM
    with _quiet_gguf_progress(enabled="gguf_file" in extra):
        model = model_cls.from_pretrained(location, dtype=dtype, **extra).to(device)
    max_input = min(spec.max_input_tokens, _model_context(model, spec.max_input_tokens))
    from pipeline.backends.hf import CausalBackend, Seq2SeqBackend

    backend_cls = Seq2SeqBackend if spec.backend == "seq2seq" else CausalBackend
    return backend_cls(model, tokenizer, name=spec.name, revision=revision, device=device,
                       batch_size=runtime.batch_size, max_input_tokens=max_input,
                       static_cache=runtime.static_cache)


def _resolve(spec: ModelSpec) -> tuple[str, str | None, dict]:
    """(what from_pretrained gets, a revision id for provenance, extra from_pretrained kwargs)."""
    if spec.backend == "llamacpp":
        from pipeline.backends.llamacpp import INSTALL_HINT, llama_cpp_available

        if not llama_cpp_available():  # before any work is done: a run would fail at its first article
            raise ModelUnavailableError(INSTALL_HINT)
    gguf = Path(spec.path).expanduser()
    if spec.source == "local" and gguf.suffix == ".gguf":
        if not gguf.is_file():
            raise ModelUnavailableError(f"GGUF file {gguf} does not exist")
        from pipeline.backends.llamacpp import file_fingerprint

        return str(gguf.parent), file_fingerprint(gguf), {"gguf_file": gguf.name}
    if spec.source == "tiny":
        from pipeline.backends.tiny import ensure_tiny_model

        path = ensure_tiny_model(spec.path)
        return str(path), _dir_fingerprint(path), {}
    if spec.source == "packaged":
        from pipeline.backends.packaged import resolve_packaged_gguf

        gguf = resolve_packaged_gguf(spec.path)
        return str(gguf.parent), _sha_of_packaged(spec.path), {"gguf_file": gguf.name}
    if spec.source == "local" or Path(spec.path).expanduser().is_dir():
        path = Path(spec.path).expanduser()
        if not path.is_dir():
            raise ModelUnavailableError(f"model directory {path} does not exist")
        extra = {"gguf_file": spec.gguf_file} if spec.gguf_file else {}
        return str(path), _dir_fingerprint(path), extra
    return _resolve_hub(spec)


def _resolve_hub(spec: ModelSpec) -> tuple[str, str | None, dict]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    extra = {"gguf_file": spec.gguf_file} if spec.gguf_file else {}
    try:
        # The HF cache first: a cached model needs no network at all.
        path = snapshot_download(spec.path, revision=spec.revision, local_files_only=True)
        return path, Path(path).name, extra
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        pass
    if _hub_offline() or not _hub_reachable():
        raise ModelUnavailableError(
            f"model {spec.path!r} is not in the Hugging Face cache ({_hf_cache_dir()}) and the hub cannot be "
            "reached. Remedies: use an offline model config (model=smollm2_135m, model=qwen2_5_coder_0_5b, "
            "model=tiny_t5), point at a local copy (model.path=/dir/with/config.json model.source=local), "
            "or set HF_HOME to a cache that holds it.")
    path = snapshot_download(spec.path, revision=spec.revision)
    return path, Path(path).name, extra


@contextlib.contextmanager
def _quiet_gguf_progress(enabled: bool):
    """Hide transformers' GGUF "Converting and de-quantizing" bar when stderr is not a terminal.

    That bar comes from a plain `tqdm` in transformers (not from its progress-bar switch), so in logs
    and CI it printed hundreds of carriage-return updates; on a terminal it stays (a 1.5B load takes
    minutes and the bar says why)."""
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    original = getattr(gguf_utils, "tqdm", None)
    if not enabled or original is None or sys.stderr.isatty():
        yield
        return
    gguf_utils.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = original


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _hub_reachable(timeout_s: float = 3.0) -> bool:
    """A quick TCP check of the hub endpoint, so an unreachable hub fails in seconds, not minutes."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        with socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def _hf_cache_dir() -> str:
    from huggingface_hub.constants import HF_HUB_CACHE

    return str(HF_HUB_CACHE)


def _dir_fingerprint(path: Path) -> str:
    """A short content id of a local model directory (config and tokenizer bytes, weight sizes)."""
    digest = hashlib.sha256()
    for item in sorted(Path(path).iterdir()):
        if item.is_file():
            digest.update(item.name.encode())
            if item.suffix in {".json", ".model", ".txt"}:
                digest.update(item.read_bytes())
            else:
                digest.update(str(item.stat().st_size).encode())
    return "dir-" + digest.hexdigest()[:16]


def _sha_of_packaged(name: str) -> str | None:
    from pipeline.backends.packaged import PACKAGED_MODELS

    spec = PACKAGED_MODELS.get(name)
    sha = getattr(spec, "sha256", None)
    return f"sha256-{sha[:16]}" if sha else None


def _passive_openmp_wait() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose (OMP_WAIT_POLICY set).

    With spinning threads torch ran 3-20x slower whenever other processes shared the cores (2-core
    machine, flan-t5-base decode step 312 ms vs 65 ms; see benchmarks/README.md). OpenMP reads the
    variable once, when torch loads it, so this only takes effect if torch is not imported yet (the CLI
    and API import it here first). llama.cpp's CPU threads use the same libgomp (torch's copy, loaded
    first, has the same soname) and suffered worse: 1.4 vs 39 tokens/s with 2 threads on a busy machine."""
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailableError("device=cuda was asked for but torch sees no CUDA device; use device=cpu")
    return device


#: architectures whose activations overflow float16 (T5 family: NaN outputs); bfloat16 has fp32's range
FP16_UNSAFE = ("t5", "mt5", "umt5", "longt5")


def _pick_dtype(spec: ModelSpec, device: str, model_type: str | None = None):
    import torch

    if spec.dtype == "float16" and model_type in FP16_UNSAFE:
        raise ValueError(f"model.dtype=float16 makes {model_type} models produce NaNs; use bfloat16 (or auto)")
    if spec.dtype != "auto":
        return getattr(torch, spec.dtype)
    # bf16 on GPU (T5 in fp16 overflows to NaN). On CPU fp32: on this project's AVX2 machines (no native
    # bf16) generation with the packaged models measured 13.4 tok/s in fp32 vs 0.9 tok/s in bf16.
    return torch.bfloat16 if device == "cuda" else torch.float32


def _model_context(model, fallback: int) -> int:
    cfg = model.config
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(cfg, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return fallback  # T5 has relative positions and no hard limit
