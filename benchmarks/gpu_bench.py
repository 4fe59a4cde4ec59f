#!/usr/bin/env python
"""GPU throughput of our seq2seq backend: random flan-t5-large weights loaded through `load_backend` with
`runtime.device=cuda` (so bfloat16), prompts of 512 input tokens, outputs forced to 128 new tokens,
at several batch sizes, eager and with a static KV cache (which transformers compiles with torch.compile
on CUDA). Prints docs/s per configuration; run by benchmarks/gpu.sh, which bounds the whole run.

    python benchmarks/gpu_bench.py --arch flan-t5-large --batch-sizes 1,64,256,512 --static-batch-sizes 64,512
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def _light_pipeline_package() -> None:
    """Register `pipeline` without running its __init__ (which imports the whole API and its
    dependencies): the GPU image has torch and transformers but not everything the CLI needs, and this
    script uses only pipeline.backends and pipeline.config (which need pydantic: see gpu_wheels.sh)."""
    import types

    if "pipeline" not in sys.modules:
        package = types.ModuleType("pipeline")
        package.__path__ = [str(common.REPO / "pipeline")]
        sys.modules["pipeline"] = package


_light_pipeline_package()

INPUT_TOKENS = 512
OUTPUT_TOKENS = 128


def prompts_of_length(tokenizer, n: int, tokens: int) -> list[str]:
    """`n` distinct synthetic prompts, each at least `tokens` tokens long (truncated to it by the backend)."""
    rng = random.Random(11)
    out = []
    for _ in range(n):
        text = "Summarize the following news article in one or two sentences.\n\n" + common.synthetic_text(rng, tokens)
        while len(tokenizer(text)["input_ids"]) < tokens:
            text += " " + common.synthetic_text(rng, tokens // 4)
        out.append(text)
    return out


def main(argv: list[str] | None = None) -> int:
    import torch

    from pipeline.backends.loading import load_backend
    from pipeline.config import ModelSpec, RuntimeSpec

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", default="flan-t5-large", choices=list(common.ARCHS))
    parser.add_argument("--batch-sizes", default="1,64,256,512")
    parser.add_argument("--static-batch-sizes", default="64,512")
    parser.add_argument("--budget-s", type=float, default=270.0, help="skip configurations once this is spent")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: this script is for the GPU machine (benchmarks/gpu.sh)")
        return 2

    t0 = time.perf_counter()
    model_dir = common.ensure_random_t5(args.arch, common.ensure_synthetic_tokenizer(), build_device=args.device)
    print(f"built {args.arch} random weights in {time.perf_counter() - t0:.0f} s", flush=True)

    results: list[tuple[str, int, float]] = []
    for static, sizes in ((False, args.batch_sizes), (True, args.static_batch_sizes)):
        for batch in [int(b) for b in sizes.split(",") if b]:
            if time.perf_counter() - started > args.budget_s:
                print(f"skipped {'static' if static else 'eager'} batch={batch}: time budget spent", flush=True)
                continue
            spec = ModelSpec(name=args.arch, backend="seq2seq", source="local", path=str(model_dir), prompts="t5",
                             max_input_tokens=INPUT_TOKENS, dtype="auto")
            backend = load_backend(spec, RuntimeSpec(device=args.device, batch_size=batch, static_cache=static))
            assert backend.model.dtype == (torch.bfloat16 if args.device == "cuda" else torch.float32)
            common.force_fixed_length(backend.model)
            prompts = prompts_of_length(backend.tokenizer, 2 * batch if batch > 1 else 4, INPUT_TOKENS)
            # Warm-up (and, with a static cache, compilation) on one batch of the same shape.
            t = time.perf_counter()
            backend.generate_ids(prompts[:batch], OUTPUT_TOKENS)
            warm = time.perf_counter() - t
            torch.cuda.synchronize() if args.device == "cuda" else None
            t = time.perf_counter()
            ids = backend.generate_ids(prompts, OUTPUT_TOKENS)
            torch.cuda.synchronize() if args.device == "cuda" else None
            seconds = time.perf_counter() - t
            assert all(len(row) == OUTPUT_TOKENS for row in ids), "outputs were not forced to full length"
            label = "static+compile" if static else "eager"
            docs = len(prompts) / seconds
            results.append((label, batch, docs))
            peak = torch.cuda.max_memory_allocated() / 2**30 if args.device == "cuda" else 0.0
            print(f"{label} batch={batch}: {docs:.2f} docs/s, {docs * OUTPUT_TOKENS:.0f} generated tok/s "
                  f"({len(prompts)} docs of {INPUT_TOKENS} in / {OUTPUT_TOKENS} out in {seconds:.1f} s; "
                  f"warm-up {warm:.1f} s; peak {peak:.1f} GiB)", flush=True)
            del backend
            if args.device == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
    if results:
        label, batch, docs = max(results, key=lambda r: r[2])
        print(f"best={docs:.1f} docs/s ({label}, batch {batch}); total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
