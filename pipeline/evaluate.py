"""Score pipeline runs against gold annotations (the matching rules of ../shared/eval/GUIDE.md).

usage: python -m pipeline.evaluate gold=GOLD.jsonl articles=ARTICLES.jsonl pred=RUN_DIR [pred=RUN_DIR2 ...]
                                   [out=FILE] [per_article=true | --per-article] [parser=packaged]

`pred` may repeat, or hold a list: `pred=[DIR1,DIR2]` or `pred=DIR1,DIR2`. Each run's scores go to
RUN_DIR/scores.json, unless `out=FILE` is given: then FILE holds the scores of a single run, or
{"runs": {RUN_DIR: scores, ...}} for several.

How the GUIDE's rules are made precise here (every choice is deliberate; the tests pin them):

* Normalisation (`normalise`): Unicode NFKC, lower case, curly quotes to straight ones, a possessive "'s" at the
  end of every word removed (the GUIDE's "trailing 's", applied per word so that "North Korea's foreign ministry"
  contains "North Korea"), "." and "'" deleted inside words ("U.S." == "US"), every other punctuation
  character turned into a space, whitespace collapsed, one leading "the" removed. Tokens = the normalised
  string split on spaces.
* Names match when one's tokens are a contiguous run inside the other's tokens (containment on word
  boundaries: "Korea" is inside "North Korea" but not inside "North Korean") or their token F1 >= 0.5
  (SQuAD-style F1 over token multisets). An empty normalised name matches nothing.
* Claims match when the claim texts (normalised the same way) have token F1 >= 0.5 or any predicted evidence
  span overlaps any gold evidence span (character ranges [start, end) intersect). Gold evidence is a verbatim
  string: every occurrence in the article text counts (exact search first, then whitespace-insensitive);
  gold evidence found nowhere is counted in `counts.gold_evidence_unlocated` and overlaps nothing. A predicted
  span is placed at its own offsets when it is grounded, else at every occurrence of its text.
* One-to-one matching (claims and names) is greedy, best pair first. Claim pairs are ranked by
  (max(token F1, 1 if evidence overlaps), token F1, overlapping characters); name pairs by
  (exact normalised equality, token F1). Ties go to the earlier prediction, then the earlier gold item.
* Corpus scores are micro: tp/fp/fn are summed over all articles, then P = tp/(tp+fp), R = tp/(tp+fn),
  F1 = 2tp/(2tp+fp+fn). A ratio whose denominator is 0 is 0.0, except that when tp+fp+fn == 0 (nothing to
  score at all) P, R and F1 are None (JSON null).
* Claimant / denier F1: for every matched claim pair, its names are matched one to one; unmatched claims add
  nothing (their cost is in claim P/R).
* Article denier F1: per article, the distinct (normalised) denier names over all claims, pred vs gold,
  matched one to one; F1 is 1.0 when both sets are empty (correct abstention). The headline number is the
  mean over gold articles (macro); the summed counts give `article_deniers.micro`.
* Source agency: right when both are null, or both present and the names match; accuracy over gold articles.
* Grounding: share of all predicted spans (claimants, deniers, evidence, source agency) whose text equals
  article_text[start:end]; `evidence_rate` counts evidence spans only.
* Evidence hit rate: share of all predicted evidence spans that overlap a gold evidence span of the gold
  claim their claim is matched to (spans of unmatched claims are misses); `hit_rate_matched` divides by the
  evidence spans of matched claims only; `gold_recall` is the share of gold evidence of matched claims hit by
  some predicted evidence of the paired claim.
* Summary: ROUGE-1/2/L F-measure (`rouge-score`, use_stemmer=True), mean over gold articles that have a
  reference summary; also ROUGE-Lsum (summary-level LCS over sentences, both texts split into sentences
  with pysbd, one per line: the convention of summarization papers; lead-2 scores 0.34 on dev with it
  and 0.29 with ROUGE-L).
* Faithfulness (`pipeline.faithfulness_eval`, over the gold articles' predictions): `unsupported` is the share of
  summaries and claims with a name or number their article (title included) does not support, `attribution_left`
  the share of claims still written as an attribution ("X said that ..."); both need the parser (`parser=`) and
  are null without it.
* A gold article without a prediction is scored as an empty prediction (no claims, null agency, empty
  summary); it is counted in `counts.missing`. Predictions for ids not in gold are ignored (`counts.extra`).
* Per-article rows use the same formulas on that article's counts, except that claim / name F1 is 1.0
  there when gold and prediction are both empty.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

NAME_F1_THRESHOLD = 0.5
CLAIM_F1_THRESHOLD = 0.5

# --------------------------------------------------------------------------------------------- normalising

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_INWORD = re.compile(r"(?<=\w)['.](?=\w)")  # U.S -> US, O'Brien -> OBrien (the final "." of U.S. is a space)
_PUNCT = re.compile(r"[^\w\s]|_")


def normalise(text: str) -> str:
    """Canonical form of a name or claim text; see the module docstring for the exact steps."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = _POSSESSIVE.sub("", text)
    text = _INWORD.sub("", text)
    text = _PUNCT.sub(" ", text)
    tokens = text.split()
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    return " ".join(tokens)


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def token_f1(a: str, b: str) -> float:
    """SQuAD-style F1 over the token multisets of the normalised strings; 0.0 if either is empty."""
    ta, tb = tokens(a), tokens(b)
    common = sum((Counter(ta) & Counter(tb)).values())
    if not common:
        return 0.0
    precision, recall = common / len(ta), common / len(tb)
    return 2 * precision * recall / (precision + recall)


def _contains(outer: list[str], inner: list[str]) -> bool:
    n = len(inner)
    return any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def names_match(pred: str, gold: str) -> bool:
    """GUIDE: one contains the other (whole words) or token F1 >= 0.5."""
    tp, tg = tokens(pred), tokens(gold)
    if not tp or not tg:
        return False
    return _contains(tp, tg) or _contains(tg, tp) or token_f1(pred, gold) >= NAME_F1_THRESHOLD


# --------------------------------------------------------------------------------------------- spans


@dataclass(frozen=True)
class PredSpan:
    """A predicted span read leniently from a record: offsets may be missing or wrong."""

    text: str
    start: int | None
    end: int | None


def _pred_span(obj: Any) -> PredSpan | None:
    if obj is None:
        return None
    if isinstance(obj, str):  # a bare string: no offsets, so never grounded
        return PredSpan(obj, None, None)
    if isinstance(obj, dict):
        start, end = obj.get("start"), obj.get("end")
        return PredSpan(
            str(obj.get("text") or ""),
            start if isinstance(start, int) and not isinstance(start, bool) else None,
            end if isinstance(end, int) and not isinstance(end, bool) else None,
        )
    return PredSpan(str(obj), None, None)


def is_grounded(span: PredSpan, article_text: str) -> bool:
    if not span.text or span.start is None or span.end is None:
        return False
    if not 0 <= span.start <= span.end <= len(article_text):
        return False
    return article_text[span.start : span.end] == span.text


def locate(needle: str, haystack: str) -> list[tuple[int, int]]:
    """Every occurrence of `needle` in `haystack` as (start, end); whitespace-insensitive if none is exact."""
    if not needle.strip():
        return []
    found, i = [], haystack.find(needle)
    while i != -1:
        found.append((i, i + len(needle)))
        i = haystack.find(needle, i + 1)
    if found:
        return found
    pattern = r"\s+".join(re.escape(part) for part in needle.split())
    return [(m.start(), m.end()) for m in re.finditer(pattern, haystack)]


def _pred_ranges(span: PredSpan, article_text: str) -> list[tuple[int, int]]:
    if is_grounded(span, article_text):
        return [(span.start, span.end)]  # type: ignore[list-item]
    return locate(span.text, article_text)


def _overlap_chars(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Largest intersection (in characters) between any range of `a` and any range of `b`; 0 = none."""
    best = 0
    for s1, e1 in a:
        for s2, e2 in b:
            best = max(best, min(e1, e2) - max(s1, s2))
    return best


# --------------------------------------------------------------------------------------------- counting


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "PRF") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def scores(self, both_empty: float | None = None) -> dict[str, Any]:
        """P/R/F1; with all counts zero they are `both_empty` (None for corpus scores)."""
        if self.tp + self.fp + self.fn == 0:
            p = r = f = both_empty
        else:
            p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
            r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
            f = 2 * self.tp / (2 * self.tp + self.fp + self.fn)
        return {"precision": p, "recall": r, "f1": f, "tp": self.tp, "fp": self.fp, "fn": self.fn}


def _greedy(pairs: Iterable[tuple[tuple, int, int]]) -> list[tuple[int, int]]:
    """One-to-one matching, best first. `pairs` holds (rank key, pred index, gold index) of eligible pairs."""
    ordered = sorted(pairs, key=lambda p: (tuple(-k for k in p[0]), p[1], p[2]))
    used_pred, used_gold, matched = set(), set(), []
    for _, i, j in ordered:
        if i not in used_pred and j not in used_gold:
            used_pred.add(i)
            used_gold.add(j)
            matched.append((i, j))
    return matched


def match_names(pred: list[str], gold: list[str]) -> PRF:
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if names_match(p, g):
                pairs.append(((normalise(p) == normalise(g), token_f1(p, g)), i, j))
    tp = len(_greedy(pairs))
    return PRF(tp, len(pred) - tp, len(gold) - tp)


def _distinct(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        key = normalise(name)
        if key and key not in seen:
            seen[key] = name
    return list(seen.values())


# --------------------------------------------------------------------------------------------- one article


@dataclass
class _PredClaim:
    claim: str
    claimants: list[PredSpan]
    deniers: list[PredSpan]
    evidence: list[PredSpan]


def _pred_claims(record: dict) -> list[_PredClaim]:
    claims = []
    for c in record.get("claims") or []:
        if not isinstance(c, dict):
            continue
        spans = {k: [s for s in map(_pred_span, c.get(k) or []) if s is not None] for k in ("claimants", "deniers", "evidence")}
        claims.append(_PredClaim(str(c.get("claim") or ""), spans["claimants"], spans["deniers"], spans["evidence"]))
    return claims


def _rouge_scorer():
    from rouge_score import rouge_scorer  # imported late: only scoring needs it

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)


def _sentence_lines(text: str) -> str:
    """One sentence per line, as ROUGE-Lsum reads it (the other ROUGE variants ignore line breaks)."""
    from pipeline.sentences import split_sentences

    return "\n".join(s.text for s in split_sentences(" ".join(text.split())))


def score_article(gold: dict, article_text: str, pred: dict | None, rouge=None) -> dict[str, Any]:
    """Counts and per-article scores for one gold line; `pred` None means no prediction."""
    record = pred or {}
    pclaims = _pred_claims(record)
    gclaims = [c for c in gold.get("claims") or [] if isinstance(c, dict)]

    # Gold evidence as character ranges (all occurrences); unlocated strings overlap nothing.
    unlocated = 0
    gold_ranges: list[list[list[tuple[int, int]]]] = []
    for g in gclaims:
        per_claim = []
        for ev in g.get("evidence") or []:
            where = locate(ev, article_text)
            unlocated += not where
            per_claim.append(where)
        gold_ranges.append(per_claim)
    pred_ranges = [[_pred_ranges(s, article_text) for s in p.evidence] for p in pclaims]

    # Claim matching.
    pairs = []
    for i, p in enumerate(pclaims):
        for j, g in enumerate(gclaims):
            f1 = token_f1(p.claim, str(g.get("claim") or ""))
            flat_gold = [r for ranges in gold_ranges[j] for r in ranges]
            overlap = max((_overlap_chars(pr, flat_gold) for pr in pred_ranges[i]), default=0)
            if f1 >= CLAIM_F1_THRESHOLD or overlap > 0:
                pairs.append(((max(f1, 1.0 if overlap else 0.0), f1, overlap), i, j))
    matched = _greedy(pairs)
    claims = PRF(len(matched), len(pclaims) - len(matched), len(gclaims) - len(matched))

    claimants, deniers = PRF(), PRF()
    ev_hits = ev_matched_spans = gold_ev_hit = gold_ev_matched = 0
    for i, j in matched:
        p, g = pclaims[i], gclaims[j]
        claimants.add(match_names([s.text for s in p.claimants], list(g.get("claimants") or [])))
        deniers.add(match_names([s.text for s in p.deniers], list(g.get("deniers") or [])))
        flat_gold = [r for ranges in gold_ranges[j] for r in ranges]
        ev_matched_spans += len(p.evidence)
        ev_hits += sum(_overlap_chars(pr, flat_gold) > 0 for pr in pred_ranges[i])
        flat_pred = [r for ranges in pred_ranges[i] for r in ranges]
        gold_ev_matched += len(gold_ranges[j])
        gold_ev_hit += sum(_overlap_chars(gr, flat_pred) > 0 for gr in gold_ranges[j])

    # Article-level deniers: who disputes anything in the article.
    gold_deniers = _distinct(d for g in gclaims for d in g.get("deniers") or [])
    pred_deniers = _distinct(s.text for p in pclaims for s in p.deniers)
    article_deniers = match_names(pred_deniers, gold_deniers)

    # Source agency.
    gold_agency = gold.get("source_agency")
    pred_agency = _pred_span(record.get("source_agency"))
    if gold_agency is None or pred_agency is None:
        agency_right = gold_agency is None and pred_agency is None
    else:
        agency_right = names_match(pred_agency.text, str(gold_agency))

    # Grounding.
    all_spans = [s for p in pclaims for s in (*p.claimants, *p.deniers, *p.evidence)]
    if pred_agency is not None:
        all_spans.append(pred_agency)
    evidence_spans = [s for p in pclaims for s in p.evidence]
    grounded = sum(is_grounded(s, article_text) for s in all_spans)
    evidence_grounded = sum(is_grounded(s, article_text) for s in evidence_spans)

    # Summary.
    reference = str(gold.get("summary") or "")
    rouge_scores = None
    if reference.strip():
        scored = (rouge or _rouge_scorer()).score(_sentence_lines(reference),
                                                  _sentence_lines(str(record.get("summary") or "")))
        rouge_scores = {k: v.fmeasure for k, v in scored.items()}

    return {
        "id": gold["id"],
        "predicted": pred is not None,
        "claims": claims,
        "claimants": claimants,
        "deniers": deniers,
        "article_deniers": article_deniers,
        "agency_right": agency_right,
        "spans": len(all_spans),
        "grounded": grounded,
        "evidence_spans": len(evidence_spans),
        "evidence_grounded": evidence_grounded,
        "evidence_hits": ev_hits,
        "evidence_matched_spans": ev_matched_spans,
        "gold_evidence_hit": gold_ev_hit,
        "gold_evidence_matched": gold_ev_matched,
        "gold_evidence_unlocated": unlocated,
        "rouge": rouge_scores,
    }


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _article_row(a: dict) -> dict[str, Any]:
    """Flat per-article scores for printing and scores.json."""
    return {
        "id": a["id"],
        "predicted": a["predicted"],
        "claims": a["claims"].scores(both_empty=1.0),
        "claimant_f1": a["claimants"].scores(both_empty=1.0)["f1"],
        "denier_f1": a["deniers"].scores(both_empty=1.0)["f1"],
        "article_denier_f1": a["article_deniers"].scores(both_empty=1.0)["f1"],
        "agency_right": a["agency_right"],
        "grounding": _ratio(a["grounded"], a["spans"]),
        "evidence_hit_rate": _ratio(a["evidence_hits"], a["evidence_spans"]),
        "rouge": a["rouge"],
    }


# --------------------------------------------------------------------------------------------- corpus


def _check_text(gold: dict, text: str) -> None:
    want = gold.get("text_sha256")
    if want and hashlib.sha256(text.encode("utf-8")).hexdigest() != want:
        raise ValueError(f"{gold['id']}: article text does not match the gold text_sha256")


def score_records(gold: list[dict], articles: dict[str, dict], preds: dict[str, dict], nlp=None) -> dict[str, Any]:
    """Score predictions (FactsRecord-shaped dicts by id) against gold lines; `articles` maps id -> {"text", ...}.
    `nlp` (the spaCy parser) adds the faithfulness scores; without it they are null.

    Raises ValueError when a gold article is missing from `articles` or its text fails the gold sha256.
    """
    rouge = _rouge_scorer()
    per_article = []
    for g in gold:
        if g["id"] not in articles:
            raise ValueError(f"{g['id']}: no article text for this gold id")
        text = articles[g["id"]]["text"]
        _check_text(g, text)
        per_article.append(score_article(g, text, preds.get(g["id"]), rouge))

    totals = {k: PRF() for k in ("claims", "claimants", "deniers", "article_deniers")}
    for a in per_article:
        for k, prf in totals.items():
            prf.add(a[k])

    def total(key: str) -> int:
        return sum(a[key] for a in per_article)

    n = len(per_article)
    rouged = [a["rouge"] for a in per_article if a["rouge"] is not None]
    rows = [_article_row(a) for a in per_article]
    gold_ids = {g["id"] for g in gold}
    faithfulness = _faithfulness(gold, articles, preds, nlp, rows)
    found = sum(a["predicted"] for a in per_article)
    return {
        "counts": {
            "gold_articles": n,
            "predicted": found,
            "missing": n - found,
            "extra": len(set(preds) - gold_ids),
            "parse_rate": _ratio(found, n),
            "gold_claims": totals["claims"].tp + totals["claims"].fn,
            "pred_claims": totals["claims"].tp + totals["claims"].fp,
            "matched_claims": totals["claims"].tp,
            "gold_evidence_unlocated": total("gold_evidence_unlocated"),
        },
        "claims": totals["claims"].scores(),
        "claimants": totals["claimants"].scores(),
        "deniers": totals["deniers"].scores(),
        "article_deniers": {
            "f1": _ratio(sum(r["article_denier_f1"] for r in rows), n),
            "micro": totals["article_deniers"].scores(),
        },
        "source_agency": {
            "accuracy": _ratio(sum(a["agency_right"] for a in per_article), n),
            "correct": sum(a["agency_right"] for a in per_article),
            "n": n,
        },
        "grounding": {
            "rate": _ratio(total("grounded"), total("spans")),
            "grounded": total("grounded"),
            "spans": total("spans"),
            "evidence_rate": _ratio(total("evidence_grounded"), total("evidence_spans")),
            "evidence_grounded": total("evidence_grounded"),
            "evidence_spans": total("evidence_spans"),
        },
        "evidence": {
            "hit_rate": _ratio(total("evidence_hits"), total("evidence_spans")),
            "hits": total("evidence_hits"),
            "spans": total("evidence_spans"),
            "hit_rate_matched": _ratio(total("evidence_hits"), total("evidence_matched_spans")),
            "matched_spans": total("evidence_matched_spans"),
            "gold_recall": _ratio(total("gold_evidence_hit"), total("gold_evidence_matched")),
        },
        "summary": {
            **{k: _ratio(sum(r[k] for r in rouged), len(rouged)) for k in ("rouge1", "rouge2", "rougeL", "rougeLsum")},
            "n": len(rouged),
        },
        "faithfulness": faithfulness,
        "per_article": rows,
    }


def _faithfulness(gold: list[dict], articles: dict[str, dict], preds: dict[str, dict], nlp,
                  rows: list[dict]) -> dict[str, Any]:
    """Unsupported names/numbers and attributions left, over the gold articles' predictions; per-article counts
    go into `rows`."""
    keys = ("unsupported", "unsupported_summaries", "unsupported_claims", "records_with_unsupported", "attribution_left")
    if nlp is None:
        return dict.fromkeys(keys)
    from pipeline.faithfulness_eval import score_texts

    scored = score_texts({g["id"]: preds[g["id"]] for g in gold if g["id"] in preds}, articles, nlp)
    for row in rows:
        found = scored["per_record"].get(row["id"])
        row["unsupported"] = found["unsupported"] if found else []
        row["attribution_left"] = found["attribution_left"] if found else 0
    return {k: scored[k] for k in keys}


# --------------------------------------------------------------------------------------------- files


def read_jsonl(path: str | Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{lineno}: not JSON: {e}") from e
    return out


def read_run(run_dir: str | Path) -> tuple[dict[str, dict], dict[str, int], str | None]:
    """Predictions by id from RUN_DIR/facts.jsonl (first record of an id wins), counts of problems, model name."""
    run_dir = Path(run_dir)
    preds: dict[str, dict] = {}
    problems = {"unparsable_lines": 0, "duplicate_ids": 0, "errors": 0}
    models: Counter[str] = Counter()
    facts = run_dir / "facts.jsonl"
    if not facts.is_file():
        raise FileNotFoundError(f"{facts}: no such file")
    with open(facts, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                problems["unparsable_lines"] += 1
                continue
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                problems["unparsable_lines"] += 1
                continue
            if record["id"] in preds:
                problems["duplicate_ids"] += 1
                continue
            preds[record["id"]] = record
            if isinstance(record.get("model"), str) and record["model"]:
                models[record["model"]] += 1
    errors = run_dir / "errors.jsonl"
    if errors.is_file():
        problems["errors"] = sum(1 for line in errors.read_text(encoding="utf-8").splitlines() if line.strip())
    model = models.most_common(1)[0][0] if models else _manifest_model(run_dir)
    return preds, problems, model


def _manifest_model(run_dir: Path) -> str | None:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    model = manifest.get("model") if isinstance(manifest, dict) else None
    if isinstance(model, dict):  # tolerate {"name": ...} as well as a plain string
        model = model.get("name") or model.get("id")
    return str(model) if model else None


def score_run(gold_path: str | Path, articles_path: str | Path, run_dir: str | Path, nlp=None) -> dict[str, Any]:
    gold = read_jsonl(gold_path)
    articles = {a["id"]: a for a in read_jsonl(articles_path)}
    preds, problems, model = read_run(run_dir)
    scores = score_records(gold, articles, preds, nlp)
    scores["counts"].update(problems)
    scores["run"] = str(run_dir)
    scores["model"] = model
    return scores


# --------------------------------------------------------------------------------------------- CLI

_COLUMNS = [
    ("run", lambda s: s.get("run", "")),
    ("model", lambda s: s.get("model") or "?"),
    ("claim P", lambda s: s["claims"]["precision"]),
    ("claim R", lambda s: s["claims"]["recall"]),
    ("claim F1", lambda s: s["claims"]["f1"]),
    ("claimant F1", lambda s: s["claimants"]["f1"]),
    ("denier F1", lambda s: s["deniers"]["f1"]),
    ("art. denier F1", lambda s: s["article_deniers"]["f1"]),
    ("agency acc", lambda s: s["source_agency"]["accuracy"]),
    ("grounding", lambda s: s["grounding"]["rate"]),
    ("evidence hit", lambda s: s["evidence"]["hit_rate"]),
    ("R-1", lambda s: s["summary"]["rouge1"]),
    ("R-2", lambda s: s["summary"]["rouge2"]),
    ("R-L", lambda s: s["summary"]["rougeL"]),
    ("R-Lsum", lambda s: s["summary"]["rougeLsum"]),
    ("unsupported", lambda s: s["faithfulness"]["unsupported"]),
    ("attribution_left", lambda s: s["faithfulness"]["attribution_left"]),
    ("n", lambda s: f"{s['counts']['predicted']}/{s['counts']['gold_articles']}"),
]

_ARTICLE_COLUMNS = [
    ("id", lambda r: r["id"]),
    ("pred", lambda r: "yes" if r["predicted"] else "no"),
    ("claims tp/fp/fn", lambda r: f"{r['claims']['tp']}/{r['claims']['fp']}/{r['claims']['fn']}"),
    ("claim F1", lambda r: r["claims"]["f1"]),
    ("claimant F1", lambda r: r["claimant_f1"]),
    ("denier F1", lambda r: r["denier_f1"]),
    ("art. denier F1", lambda r: r["article_denier_f1"]),
    ("agency", lambda r: "right" if r["agency_right"] else "wrong"),
    ("grounding", lambda r: r["grounding"]),
    ("evidence hit", lambda r: r["evidence_hit_rate"]),
    ("R-L", lambda r: r["rouge"]["rougeL"] if r["rouge"] else None),
    ("unsupported", lambda r: len(r["unsupported"]) if "unsupported" in r else None),
    ("attribution_left", lambda r: r.get("attribution_left")),
]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _print_table(title: str, columns: list, rows: list[dict]) -> None:
    header = [name for name, _ in columns]
    body = [[_cell(get(row)) for _, get in columns] for row in rows]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)]
        print(title)
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for r in body:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
        return
    console = Console()
    if not console.is_terminal:  # piped output: wide enough that no cell wraps
        console = Console(width=max(320, console.width), soft_wrap=True)
    table = Table(title=title)
    for h in header:
        table.add_column(h, no_wrap=True, justify="left" if h in ("run", "model", "id") else "right")
    for r in body:
        table.add_row(*r)
    console.print(table)


def _parse_args(argv: list[str]) -> dict[str, Any]:
    opts: dict[str, Any] = {"pred": [], "per_article": False, "parser": "packaged"}
    for arg in argv:
        if arg in ("--per-article", "--per_article"):
            opts["per_article"] = True
            continue
        key, sep, value = arg.partition("=")
        key = key.lstrip("+").replace("-", "_")
        if not sep:
            raise SystemExit(f"evaluate: expected key=value, got {arg!r}\n\n{__doc__.split(chr(10) * 2)[1]}")
        if key == "pred":
            value = value.strip()
            if value.startswith("[") and value.endswith("]"):
                value = value[1:-1]
            opts["pred"].extend(v.strip().strip("'\"") for v in value.split(",") if v.strip())
        elif key == "per_article":
            opts["per_article"] = value.strip().lower() in ("1", "true", "yes", "on")
        elif key in ("gold", "articles", "out", "parser"):
            opts[key] = value
        else:
            raise SystemExit(f"evaluate: unknown option {key!r} (gold, articles, pred, out, per_article, parser)")
    for required in ("gold", "articles"):
        if not opts.get(required):
            raise SystemExit(f"evaluate: {required}=FILE is required")
    if not opts["pred"]:
        raise SystemExit("evaluate: pred=RUN_DIR is required")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = _parse_args(sys.argv[1:] if argv is None else argv)
    from pipeline.faithfulness_eval import load_nlp

    nlp = load_nlp(opts["parser"])
    runs = []
    try:
        for run_dir in opts["pred"]:
            runs.append(score_run(opts["gold"], opts["articles"], run_dir, nlp))
    except (OSError, ValueError) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 2

    if opts.get("out"):
        payload = runs[0] if len(runs) == 1 else {"runs": {s["run"]: s for s in runs}}
        Path(opts["out"]).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        for s in runs:
            (Path(s["run"]) / "scores.json").write_text(json.dumps(s, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    _print_table("scores", _COLUMNS, runs)
    if opts["per_article"]:
        for s in runs:
            _print_table(f"per article: {s['run']} ({s.get('model') or '?'})", _ARTICLE_COLUMNS, s["per_article"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
