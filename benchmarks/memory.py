#!/usr/bin/env python
"""Peak memory of the real CLI does not grow with the number of articles.

Runs `python -m pipeline model=tiny_t5` (all stages, the local runner, streaming in steps of
`batch_articles`) over synthetic news-shaped articles, once with --small (default 1,000) and once with
--large (default 10,000) articles, samples each run's resident memory (the process and its children)
every 20 ms, and prints both peaks and their ratio; the last line is e.g. `peak_ratio=1.02`. Flat memory
means a ratio near 1.0; memory growing with input would show ~10x.

    python benchmarks/memory.py                       # 1,000 vs 10,000 articles
    python benchmarks/memory.py --small 200 --large 2000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def write_articles(path: Path, n: int, seed: int = 7, words: int = 120) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            article = {"id": f"synthetic-{i}", "title": f"Report {i}",
                       "text": common.synthetic_text(rng, rng.randint(words // 2, words * 2))}
            fh.write(json.dumps(article) + "\n")
    return path


def peak_rss_of_run(args: list[str], env: dict[str, str], interval_s: float = 0.02) -> tuple[int, float, int]:
    """(peak RSS in bytes of the process tree, seconds, exit code)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval_s)
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        sys.stderr.write(stderr[-4000:])
    return peak, time.perf_counter() - started, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--model", default="tiny_t5")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="newsfacts-memory-") as tmp:
        root = Path(tmp)
        env["NEWSFACTS_CACHE"] = str(root / "cache")  # a fresh result cache: every article is computed
        tiny_root = Path(os.environ.get("NEWSFACTS_CACHE", Path.home() / ".cache" / "newsfacts")) / "tiny"
        if tiny_root.is_dir():  # reuse the built tiny models rather than rebuilding them per run
            (root / "cache").mkdir()
            (root / "cache" / "tiny").symlink_to(tiny_root)
        for n in (args.small, args.large):
            articles = write_articles(root / f"articles-{n}.jsonl", n, seed=n)  # no result-cache hits across runs
            cmd = [sys.executable, "-m", "pipeline", f"model={args.model}", f"input.path={articles}",
                   f"hydra.run.dir={root / f'run-{n}'}", f"runtime.threads={args.threads}",
                   f"runtime.batch_size={args.batch_size}", "fail_on_errors=false"]
            peak, seconds, code = peak_rss_of_run(cmd, env)
            manifest = json.loads((root / f"run-{n}" / "manifest.json").read_text()) if code == 0 else {}
            counts = manifest.get("counts", {})
            print(f"articles={n}: peak_rss={peak / 2**20:.0f} MiB, {seconds:.0f} s, exit={code}, "
                  f"written={counts.get('written')}, failed={counts.get('failed')}", flush=True)
            if code != 0:
                return code
            peaks[n] = peak
    print(f"peak_ratio={peaks[args.large] / peaks[args.small]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
