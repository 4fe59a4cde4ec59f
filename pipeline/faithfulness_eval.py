"""Measure a run's free text: how many summaries and claims name or number something their article does not
support (`pipeline.faithfulness`), and how many claims still carry an attribution ("X said / denied ...",
`pipeline.linguistics.restate.attribution_left`). `pipeline.evaluate` reports these as the columns
`unsupported` and `attribution_left`; this CLI measures runs on articles that have no gold annotation:

    python -m pipeline.faithfulness_eval articles=ARTICLES.jsonl pred=RUN_DIR [pred=RUN_DIR2 ...] [parser=packaged]

Definitions (the tests pin them):
* `unsupported_summaries` = summaries (non-empty) with at least one unsupported name or number / summaries;
  `unsupported_claims` likewise over claims; `unsupported` = both together over summaries + claims;
  `records_with_unsupported` counts records with any unsupported name or number (the "0 records" target).
* `attribution_left` = claims whose text is an attribution / claims.
A ratio with nothing to count is None.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.faithfulness import article_support, check_texts
from pipeline.linguistics.parse import parse_articles
from pipeline.linguistics.restate import attribution_left

if TYPE_CHECKING:
    from spacy.language import Language


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score_texts(records: Mapping[str, dict], articles: Mapping[str, dict], nlp: Language) -> dict[str, Any]:
    """Faithfulness counts over the records (by id) whose article is in `articles` (by id: {"text", "title"})."""
    ids = [i for i in records if i in articles]
    parsed = parse_articles(nlp, [(articles[i]["text"], articles[i].get("title")) for i in ids])
    supports = {i: article_support(p) for i, p in zip(ids, parsed)}
    summaries = [(i, str(records[i].get("summary") or "")) for i in ids]
    summaries = [(i, s) for i, s in summaries if s.strip()]
    claims = [(i, str(c.get("claim") or "")) for i in ids
              for c in records[i].get("claims") or [] if isinstance(c, dict)]
    found = check_texts(nlp, [t for _, t in summaries + claims], [supports[i] for i, _ in summaries + claims])
    per_record: dict[str, dict[str, Any]] = {i: {"unsupported": [], "attribution_left": 0} for i in ids}
    for (i, _), problems in zip(summaries + claims, found):
        per_record[i]["unsupported"] += [str(p) for p in problems]
    bad_summaries = sum(1 for p in found[: len(summaries)] if p)
    bad_claims = sum(1 for p in found[len(summaries):] if p)
    attributed = 0
    for (i, _), doc in zip(claims, nlp.pipe(t for _, t in claims)):
        if attribution_left(doc):
            attributed += 1
            per_record[i]["attribution_left"] += 1
    return {
        "records": len(ids),
        "summaries": len(summaries),
        "claims": len(claims),
        "unsupported": _ratio(bad_summaries + bad_claims, len(summaries) + len(claims)),
        "unsupported_summaries": _ratio(bad_summaries, len(summaries)),
        "unsupported_claims": _ratio(bad_claims, len(claims)),
        "records_with_unsupported": sum(1 for r in per_record.values() if r["unsupported"]),
        "attribution_left": _ratio(attributed, len(claims)),
        "per_record": per_record,
    }


def load_nlp(pipeline: str = "packaged") -> Language | None:
    """The parser the check reads texts with, or None (with a note on stderr) when it is not installed."""
    from pipeline.linguistics.parser import ParserUnavailableError, load_parser

    try:
        return load_parser(pipeline)
    except ParserUnavailableError as exc:
        print(f"faithfulness columns left out: {exc}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    from pipeline.evaluate import read_jsonl, read_run

    opts: dict[str, Any] = {"pred": [], "parser": "packaged"}
    for arg in sys.argv[1:] if argv is None else argv:
        key, sep, value = arg.partition("=")
        if not sep or key not in ("articles", "pred", "parser"):
            raise SystemExit(__doc__)
        if key == "pred":
            opts["pred"].append(value)
        else:
            opts[key] = value
    if not opts.get("articles") or not opts["pred"]:
        raise SystemExit(__doc__)
    nlp = load_nlp(opts["parser"])
    if nlp is None:
        return 2
    articles = {str(a["id"]): a for a in read_jsonl(opts["articles"])}
    for run in opts["pred"]:
        scores = score_texts(read_run(run)[0], articles, nlp)
        (Path(run) / "faithfulness.json").write_text(json.dumps(scores, indent=1, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
        summary = {k: v for k, v in scores.items() if k != "per_record"}
        print(run, json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
