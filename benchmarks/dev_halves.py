"""Scores of finished dev runs on the whole dev set and on its two fixed halves, to see whether rules generalize.

    python benchmarks/dev_halves.py GOLD.jsonl ARTICLES.jsonl RUN_DIR [RUN_DIR ...]

Half A = the gold articles at even positions of the sorted ids, half B = the odd ones. The linguistic rules
(pipeline/linguistics) were first written from English syntax with half A's errors in view and B held out; B's
scores are what a rule tuned on A does on text it was not tuned on. The split depends on the ids only, so it is
the same for every run and every future dev file with the same ids.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.evaluate import read_jsonl, read_run, score_records  # noqa: E402


def halves(gold: list[dict]) -> dict[str, list[dict]]:
    order = {i: n for n, i in enumerate(sorted(g["id"] for g in gold))}
    return {"all": gold, "A": [g for g in gold if order[g["id"]] % 2 == 0],
            "B": [g for g in gold if order[g["id"]] % 2 == 1]}


def line(name: str, scores: dict) -> str:
    c, micro = scores["claims"], scores["article_deniers"]["micro"]
    return (f"  {name:3} n={scores['counts']['gold_articles']:2}  claim P/R/F1 {c['precision']:.3f}/{c['recall']:.3f}/"
            f"{c['f1']:.3f}  claimant F1 {scores['claimants']['f1'] or 0:.3f}  denier F1 {scores['deniers']['f1'] or 0:.3f}"
            f"  article denier F1 micro {micro['f1']:.3f} (P {micro['precision']:.2f} R {micro['recall']:.2f})"
            f" mean {scores['article_deniers']['f1']:.3f}  agency {scores['source_agency']['accuracy']:.2f}")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    gold = read_jsonl(argv[0])
    articles = {a["id"]: a for a in read_jsonl(argv[1])}
    for run in argv[2:]:
        preds = read_run(run)[0]
        print(run)
        for name, part in halves(gold).items():
            print(line(name, score_records(part, articles, preds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
