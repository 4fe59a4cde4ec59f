#!/usr/bin/env python
"""What each throughput lever buys, on the real prompt mix (the calls the stages make for one step of
articles), with a random-weight model of a real architecture and outputs forced to full length.

Each line is docs/s of the same work under one setting, with the other settings at the reference
(`--batch-size`, sorted batches, inference_mode, `--threads`):
  batch size      1, 8, 16, 32, 64 prompts per generate call
  length order    without encoder length buckets, then also without sorting (encoder padding shown)
  threads         1 vs 2 torch threads
  no_grad         torch.no_grad instead of torch.inference_mode around generate
  encoder reuse   how many prompts share an encoder input (exact reuse) and the encoder's share of the
                  time (the most any reuse of encoder output could save)
  dedupe          repeated prompts in the mix (generated once)
  ctranslate2     the CTranslate2 backend, int8 and float32 (ids compared with transformers')

    python benchmarks/levers.py --arch flan-t5-base --n 4 --threads 1
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see throughput.py
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def run_calls(backend, calls) -> tuple[float, list[list[int]]]:
    t = time.perf_counter()
    ids: list[list[int]] = []
    for call in calls:
        ids.extend(backend.generate_ids(list(call.prompts), call.max_new_tokens))
    return time.perf_counter() - t, ids


def padding_share(backend, calls, sort: bool, buckets: bool) -> float:
    """Share of the positions the encoder computes that are padding, for batches of `backend.batch_size`
    (sorted by length or in input order), with or without encoder length buckets."""
    from pipeline.backends.hf import length_groups

    real = computed = 0
    for call in calls:
        lengths = backend.token_lengths(list(dict.fromkeys(call.prompts)))
        if sort:
            lengths.sort(reverse=True)
        for i in range(0, len(lengths), backend.batch_size):
            batch = lengths[i : i + backend.batch_size]
            real += sum(batch)
            groups = length_groups(batch) if buckets else [list(range(len(batch)))]
            computed += sum(len(g) * max(batch[j] for j in g) for g in groups)
    return 1 - real / computed


def main(argv: list[str] | None = None) -> int:
    import torch

    from pipeline.backends import hf as hf_module
    from pipeline.backends.loading import load_backend
    from pipeline.config import ModelSpec, RuntimeSpec

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="flan-t5-base", choices=["tiny", *common.ARCHS])
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma-separated levers to skip: batch,order,threads,grad,ct2")
    args = parser.parse_args(argv)
    skip = set(args.skip.split(","))
    torch.set_num_threads(args.threads)

    model_dir = common.ensure_random_t5(args.arch)
    spec = ModelSpec(name=args.arch, backend="seq2seq", source="local", path=str(model_dir), prompts="t5",
                     dtype="float32")
    backend = load_backend(spec, RuntimeSpec(batch_size=args.batch_size, threads=args.threads))
    common.force_fixed_length(backend.model)
    articles = common.news_articles(args.n)
    calls = common.record_calls(articles, backend)
    prompts = [p for c in calls for p in c.prompts]
    n = len(articles)
    print(f"{args.arch}, {n} articles, {len(prompts)} prompts in {len(calls)} calls, threads={args.threads}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}", flush=True)
    backend.generate_ids(prompts[:1], 2)  # warm-up

    def report(label: str, seconds: float, extra: str = "") -> None:
        print(f"{label:<34} {n / seconds:7.3f} docs/s  {seconds:7.1f} s {extra}", flush=True)

    run_calls(backend, calls[:1])  # warm-up at full width (first-call allocations)
    reference_s, reference_ids = run_calls(backend, calls)
    report(f"reference (batch {args.batch_size}, sorted)", reference_s)

    if "batch" not in skip:
        for size in (1, 8, 16, 32, 64):
            if size == args.batch_size:
                continue
            backend.batch_size = size
            seconds, ids = run_calls(backend, calls)
            report(f"batch size {size}", seconds, "" if ids == reference_ids else "(ids differ!)")
        backend.batch_size = args.batch_size

    if "order" not in skip:
        sorted_in, bucketed = hf_module.in_length_order, hf_module.generate_inputs
        unsorted = lambda items, run, batch_size, key=len: [  # noqa: E731
            out for i in range(0, len(items), batch_size) for out in run(list(items[i : i + batch_size]))]
        for label, sort, buckets in (("no encoder buckets (sorted batches)", True, False),
                                     ("no encoder buckets, no sort", False, False)):
            try:
                hf_module.in_length_order = sorted_in if sort else unsorted
                hf_module.generate_inputs = bucketed if buckets else (lambda model, encoded: dict(encoded))
                seconds, ids = run_calls(backend, calls)
            finally:
                hf_module.in_length_order, hf_module.generate_inputs = sorted_in, bucketed
            report(label, seconds, f"encoder padding {padding_share(backend, calls, sort, buckets):.0%} "
                   f"(reference {padding_share(backend, calls, True, True):.0%})"
                   + ("" if ids == reference_ids else " (ids differ!)"))

    if "threads" not in skip:
        other = 2 if args.threads == 1 else 1
        torch.set_num_threads(other)
        seconds, _ = run_calls(backend, calls)
        torch.set_num_threads(args.threads)
        report(f"threads {other}", seconds)

    if "grad" not in skip:
        original = hf_module.HFBackend._generate_batch

        def no_grad_batch(self, batch, max_new_tokens):
            with torch.no_grad():
                return original.__wrapped__(self, batch, max_new_tokens)

        hf_module.HFBackend._generate_batch = no_grad_batch
        try:
            seconds, _ = run_calls(backend, calls)
        finally:
            hf_module.HFBackend._generate_batch = original
        report("no_grad instead of inference_mode", seconds)

    seconds, _ = run_calls(backend, calls)
    report("reference again (load drift check)", seconds)
    reference_s = min(reference_s, seconds)  # other processes only ever slow a run down

    # Encoder reuse: exact reuse needs the same encoder input; the encoder's share of the time bounds what
    # any reuse could save.
    distinct = len(set(prompts))
    t = time.perf_counter()
    with torch.inference_mode():
        for call in calls:
            unique = list(dict.fromkeys(call.prompts))
            hf_module.in_length_order(unique, lambda b: [backend.model.encoder(**backend.encode(b))] * len(b),
                                      backend.batch_size)
    encoder_s = time.perf_counter() - t
    print(f"encoder reuse: {len(prompts) - distinct} of {len(prompts)} prompts repeat an encoder input; "
          f"the encoder takes {encoder_s:.1f} s = {encoder_s / reference_s:.0%} of the reference time "
          f"(the most reusing encoder output could save)", flush=True)
    by_role: dict[str, int] = {}
    for c in calls:
        by_role[c.role] = by_role.get(c.role, 0) + len(c.prompts)
    print("prompt mix: " + ", ".join(f"{k} {v}" for k, v in by_role.items()), flush=True)

    if "ct2" not in skip:
        try:
            import ctranslate2  # noqa: F401
        except ImportError:
            print("ctranslate2 not installed: skipped")
            return 0
        for compute_type in ("int8", "float32"):
            ct2_spec = spec.model_copy(update={"backend": "ctranslate2", "compute_type": compute_type})
            ct2 = load_backend(ct2_spec, RuntimeSpec(batch_size=args.batch_size, threads=args.threads))
            common.force_fixed_length(ct2)
            ct2.generate_ids(prompts[:1], 2)
            seconds, ids = run_calls(ct2, calls)
            same = sum(a == b for a, b in zip(ids, reference_ids))
            report(f"ctranslate2 {compute_type}", seconds, f"identical ids {same}/{len(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
