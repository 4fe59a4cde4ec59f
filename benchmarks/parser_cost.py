"""What the linguistic layer costs per article, against what a model run costs per article.

    python benchmarks/parser_cost.py ARTICLES.jsonl [RUN_DIR ...]

Times, in this process, spaCy's parse of every sentence (the packaged en_core_web_sm 3.8.0) and the rules over
the parse (frames, mentions, claims), per article, after a warm-up; then, for each RUN_DIR (a finished run of
the same articles), its seconds per article from manifest.json and the share the linguistic layer is of it.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.linguistics.claims import draft_claims  # noqa: E402
from pipeline.linguistics.parse import parse_articles  # noqa: E402
from pipeline.linguistics.parser import load_parser  # noqa: E402


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    articles = [json.loads(line) for line in Path(argv[0]).read_text(encoding="utf-8").splitlines() if line.strip()]
    t0 = time.perf_counter()
    nlp = load_parser()
    load_s = time.perf_counter() - t0
    parse_articles(nlp, [(a["text"], a.get("title")) for a in articles[:3]])  # warm-up
    parse_s, rules_s = [], []
    for article in articles:
        t0 = time.perf_counter()
        (parsed,) = parse_articles(nlp, [(article["text"], article.get("title"))])
        t1 = time.perf_counter()
        draft_claims(parsed, 5)
        parse_s.append(t1 - t0)
        rules_s.append(time.perf_counter() - t1)
    layer = statistics.mean(parse_s) + statistics.mean(rules_s)
    print(f"{len(articles)} articles, {statistics.mean(len(a['text'].split()) for a in articles):.0f} words on average")
    print(f"parser load (verify sha256 + spacy.load): {load_s:.2f} s, once per process")
    print(f"parse: {statistics.mean(parse_s):.3f} s/article (median {statistics.median(parse_s):.3f}, "
          f"max {max(parse_s):.3f}); rules: {statistics.mean(rules_s):.3f} s/article")
    for run in argv[1:]:
        manifest = json.loads((Path(run) / "manifest.json").read_text(encoding="utf-8"))
        total = manifest["timings_s"]["total"] - manifest["timings_s"].get("load_model", 0.0)
        per_article = total / max(1, manifest["counts"]["read"])
        print(f"{run}: {per_article:.1f} s/article without the model load; the linguistic layer is "
              f"{100 * layer / per_article:.2f}% of it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
