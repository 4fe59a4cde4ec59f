"""Tests for pipeline.evaluate: every expected score is a literal worked out by hand (arithmetic in comments)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.evaluate import (
    names_match,
    normalise,
    score_records,
    score_run,
    token_f1,
)

REPO = Path(__file__).resolve().parents[1]
from tests.conftest import SHARED_EVAL  # noqa: E402  (../shared/eval beside the checkout)

# ------------------------------------------------------------------------------------------ synthetic data

FISH_TEXT = (
    "Source: Reuters\n"
    "The Ministry of Fish said on Monday that Atlantis sank in 2020. "
    "Mayor Bob Smith denied the report, calling it nonsense. "
    "Critics said the ministry had lied about fish numbers."
)
FISH_GOLD = {
    "id": "fish",
    "title": "Atlantis sank, ministry says",
    "text_sha256": hashlib.sha256(FISH_TEXT.encode("utf-8")).hexdigest(),
    "summary": "The Ministry of Fish said Atlantis sank in 2020, which Mayor Bob Smith denied.",
    "source_agency": "Reuters",
    "claims": [
        {
            "claim": "Atlantis sank in 2020.",
            "claimants": ["The Ministry of Fish"],
            "deniers": ["Mayor Bob Smith"],
            "evidence": ["Atlantis sank in 2020", "Mayor Bob Smith denied the report, calling it nonsense."],
        },
        {
            "claim": "The ministry lied about fish numbers.",
            "claimants": ["Critics"],
            "deniers": [],
            "evidence": ["the ministry had lied about fish numbers"],
        },
    ],
}

HARBOUR_TEXT = (
    "Lakeside Daily reported, citing the mayor, that the city council sold the old harbour to a private "
    "developer for 3 million euros. Council leader Anna Berg rejected the report as false. Separately, "
    "Tom Lee, a Green Party spokesman, says the river water is unsafe to drink. The water board disputed "
    "that, saying tests were normal."
)
HARBOUR_GOLD = {
    "id": "harbour",
    "title": "Green Party's Tom Lee warns on water",
    "summary": "The council sold the harbour.",
    "source_agency": None,
    "claims": [
        {
            "claim": "The city council sold the old harbour to a private developer.",
            "claimants": ["Lakeside Daily", "the mayor"],
            "deniers": ["Council leader Anna Berg"],
            "evidence": ["the city council sold the old harbour to a private developer for 3 million euros"],
        },
        {
            "claim": "The river water is unsafe to drink.",
            "claimants": ["Green Party's Tom Lee"],  # from the title, so not verbatim in the text
            "deniers": ["The water board"],
            "evidence": ["the river water is unsafe to drink"],
        },
    ],
}


def span(text: str, needle: str, nth: int = 0) -> dict:
    """A grounded span dict for the nth occurrence of `needle` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"text": needle, "start": start, "end": start + len(needle)}


def record(id_: str, claims: list[dict], agency: dict | None = None, summary: str = "", model: str = "m") -> dict:
    return {"schema_version": "1", "id": id_, "title": None, "summary": summary, "model": model,
            "source_agency": agency, "claims": claims, "warnings": [], "provenance": None}


def prediction_from_gold(gold: dict, text: str) -> dict:
    """A prediction that copies the gold line, with every string located in the article text."""
    claims = [
        {
            "claim": c["claim"],
            "claimants": [span(text, n) for n in c["claimants"]],
            "deniers": [span(text, n) for n in c["deniers"]],
            "evidence": [span(text, e) for e in c["evidence"]],
        }
        for c in gold["claims"]
    ]
    agency = span(text, gold["source_agency"]) if gold["source_agency"] else None
    return record(gold["id"], claims, agency, summary=gold["summary"])


def fish_articles() -> dict:
    return {"fish": {"id": "fish", "title": FISH_GOLD["title"], "text": FISH_TEXT}}


# ------------------------------------------------------------------------------------------ normalising


def test_normalise_drops_leading_the_case_and_whitespace():
    assert normalise("the White House") == "white house"
    assert normalise("  THE   White\tHouse ") == "white house"
    # only a leading "the" goes
    assert normalise("Bank of the West") == "bank of the west"


def test_normalise_treats_curly_and_straight_possessive_alike():
    assert normalise("Japan’s Tokyo Shimbun") == normalise("Japan's Tokyo Shimbun") == "japan tokyo shimbun"


def test_normalise_drops_trailing_possessive_and_punctuation():
    assert normalise("the White House's") == "white house"
    assert normalise("the White House’s") == "white house"
    assert normalise("U.S. State Department") == "us state department"
    assert normalise("Al-Qaeda") == "al qaeda"


def test_names_match_by_whole_word_containment():
    assert names_match("White House", "the White House")
    assert names_match("Korea", "North Korea")
    assert names_match("North Korea's foreign ministry", "North Korea")
    # containment is on word boundaries: "Korea" is not inside "Korean"
    assert not names_match("Korea", "North Korean")


def test_names_match_by_token_f1():
    # {green, party, tom, lee} vs {tom, lee, a, green, party, spokesman}: common 4, P 4/6, R 4/4 -> F1 0.8;
    # neither is a contiguous run inside the other
    assert token_f1("Green Party's Tom Lee", "Tom Lee, a Green Party spokesman") == pytest.approx(0.8)
    assert names_match("Green Party's Tom Lee", "Tom Lee, a Green Party spokesman")
    # {bob, smith} vs {robert, smith, jr}: common 1, P 1/2, R 1/3 -> F1 0.4 < 0.5, no containment
    assert token_f1("Bob Smith", "Robert Smith Jr") == pytest.approx(0.4)
    assert not names_match("Bob Smith", "Robert Smith Jr")


def test_empty_name_matches_nothing():
    assert not names_match("the", "The Times")
    assert not names_match("", "")


# ------------------------------------------------------------------------------------------ whole records


def test_perfect_prediction_scores_one_everywhere():
    pred = prediction_from_gold(FISH_GOLD, FISH_TEXT)
    s = score_records([FISH_GOLD], fish_articles(), {"fish": pred})
    # 2 gold claims, 2 predicted, both matched
    assert s["claims"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 2, "fp": 0, "fn": 0}
    assert s["claimants"]["f1"] == 1.0 and s["claimants"]["tp"] == 2
    assert s["deniers"]["f1"] == 1.0 and s["deniers"]["tp"] == 1
    assert s["article_deniers"]["f1"] == 1.0
    assert s["source_agency"]["accuracy"] == 1.0
    # 4 + 2 claim spans + 1 agency span, all verbatim
    assert (s["grounding"]["rate"], s["grounding"]["spans"]) == (1.0, 7)
    assert s["grounding"]["evidence_rate"] == 1.0
    assert s["evidence"]["hit_rate"] == 1.0 and s["evidence"]["gold_recall"] == 1.0
    assert s["summary"]["rouge1"] == pytest.approx(1.0)
    assert s["summary"]["rouge2"] == pytest.approx(1.0)
    assert s["summary"]["rougeL"] == pytest.approx(1.0)
    assert s["counts"]["parse_rate"] == 1.0 and s["counts"]["missing"] == 0


def test_empty_prediction_scores_zero_recall():
    pred = record("fish", [], None, summary="")
    s = score_records([FISH_GOLD], fish_articles(), {"fish": pred})
    # tp 0, fp 0, fn 2: recall 0/2; precision has an empty denominator -> 0.0 by convention
    assert s["claims"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 2}
    # no matched claims: nothing to count for claimant / denier F1
    assert s["claimants"]["f1"] is None and s["deniers"]["f1"] is None
    # gold deniers {Mayor Bob Smith}, predicted {}: tp 0, fn 1 -> F1 0
    assert s["article_deniers"]["f1"] == 0.0
    # gold "Reuters" vs predicted null
    assert s["source_agency"]["accuracy"] == 0.0
    assert s["grounding"]["rate"] is None and s["evidence"]["hit_rate"] is None
    assert s["summary"]["rouge1"] == 0.0 and s["summary"]["rougeL"] == 0.0


def test_missing_prediction_counts_as_empty():
    s = score_records([FISH_GOLD], fish_articles(), {"other": record("other", [])})
    assert (s["counts"]["predicted"], s["counts"]["missing"], s["counts"]["extra"]) == (0, 1, 1)
    assert s["counts"]["parse_rate"] == 0.0
    assert s["claims"]["recall"] == 0.0 and s["claims"]["fn"] == 2
    assert s["per_article"][0]["predicted"] is False


def harbour_prediction() -> dict:
    t = HARBOUR_TEXT
    claims = [
        {   # P1 -> G1 by claim-text token F1 (0.947); its evidence does not overlap G1's
            "claim": "The city council sold the old harbour to a developer.",
            "claimants": [span(t, "Lakeside Daily")],
            "deniers": [span(t, "Berg")],  # inside "Council leader Anna Berg": containment (token F1 only 0.4)
            # ends exactly where G1's evidence starts: touching ranges do not overlap
            "evidence": [span(t, "Lakeside Daily reported, citing the mayor, that ")],
        },
        {   # P2 -> G2 by evidence overlap only (claim-text token F1 0.4)
            "claim": "Drinking water is dangerous.",
            "claimants": [span(t, "Tom Lee, a Green Party spokesman")],  # token F1 0.8 with the gold name
            "deniers": [span(t, "Lakeside Daily")],  # wrong denier
            "evidence": [span(t, "Tom Lee, a Green Party spokesman, says the river water is unsafe")],
        },
        {   # P3 matches nothing
            "claim": "Tests were normal.",
            "claimants": [span(t, "The water board")],
            "deniers": [span(t, "Council leader Anna Berg")],
            "evidence": [span(t, "tests were normal")],
        },
    ]
    return record("harbour", claims, None, summary="The council sold the old harbour.")


def test_partly_right_prediction():
    articles = {"harbour": {"id": "harbour", "title": HARBOUR_GOLD["title"], "text": HARBOUR_TEXT}}
    s = score_records([HARBOUR_GOLD], articles, {"harbour": harbour_prediction()})

    # P1-G1: {city council sold the old harbour to a developer} 9 tokens vs G1's 10 tokens, 9 common:
    #   P 9/9, R 9/10 -> F1 0.947 >= 0.5.  P2-G2: {drinking water is dangerous} vs {river water is unsafe
    #   to drink}: common 2, P 2/4, R 2/6 -> F1 0.4, but the evidence spans overlap.  P3 matches nothing.
    # claims: tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 4/5
    assert s["claims"]["tp"] == 2 and s["claims"]["fp"] == 1 and s["claims"]["fn"] == 0
    assert s["claims"]["precision"] == pytest.approx(2 / 3)
    assert s["claims"]["recall"] == 1.0
    assert s["claims"]["f1"] == pytest.approx(0.8)

    # claimants: G1 {Lakeside Daily, the mayor} vs [Lakeside Daily] -> tp 1, fn 1;
    #   G2 {Green Party's Tom Lee} vs [Tom Lee, a Green Party spokesman] (F1 0.8) -> tp 1
    #   total tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 2*2/(2*2+0+1) = 0.8
    assert (s["claimants"]["tp"], s["claimants"]["fp"], s["claimants"]["fn"]) == (2, 0, 1)
    assert s["claimants"]["recall"] == pytest.approx(2 / 3)
    assert s["claimants"]["f1"] == pytest.approx(0.8)

    # deniers: G1 {Council leader Anna Berg} vs [Berg] (containment) -> tp 1;
    #   G2 {The water board} vs [Lakeside Daily] -> fp 1, fn 1;  P3's denier does not count (unmatched claim)
    #   total tp 1, fp 1, fn 1 -> F1 2/(2+1+1) = 0.5
    assert (s["deniers"]["tp"], s["deniers"]["fp"], s["deniers"]["fn"]) == (1, 1, 1)
    assert s["deniers"]["f1"] == pytest.approx(0.5)

    # article deniers: gold {council leader anna berg, water board};
    #   pred {berg, lakeside daily, council leader anna berg}. Best first: the exact "council leader anna berg"
    #   takes the gold name, so "berg" is left over. tp 1, fp 2, fn 1 -> F1 2/(2+2+1) = 0.4
    assert s["article_deniers"]["f1"] == pytest.approx(0.4)
    assert s["article_deniers"]["micro"]["fp"] == 2

    # source agency: null vs null is right
    assert s["source_agency"]["accuracy"] == 1.0

    # 3 claims x (1 claimant + 1 denier + 1 evidence) = 9 spans, all verbatim
    assert (s["grounding"]["grounded"], s["grounding"]["spans"]) == (9, 9)

    # evidence: P1's span misses G1's, P2's hits G2's, P3 is unmatched -> 1 hit of 3 spans;
    #   of matched claims' spans 1/2; gold evidence of matched claims hit: G2's only -> 1/2
    assert s["evidence"]["hit_rate"] == pytest.approx(1 / 3)
    assert s["evidence"]["hit_rate_matched"] == pytest.approx(0.5)
    assert s["evidence"]["gold_recall"] == pytest.approx(0.5)

    # summary: ref "the council sold the harbour" (5 tokens), pred "the council sold the old harbour" (6)
    #   5 common, P 5/6, R 1 -> 10/11.  R-2: ref bigrams 4, pred 5, common 3 (the council, council sold,
    #   sold the): P 3/5, R 3/4 -> 2/3.  R-L: LCS 5 -> 10/11
    assert s["summary"]["rouge1"] == pytest.approx(10 / 11)
    assert s["summary"]["rouge2"] == pytest.approx(2 / 3)
    assert s["summary"]["rougeL"] == pytest.approx(10 / 11)


def test_claims_match_one_to_one_best_first():
    # two predictions fit the one gold claim; the exact one takes it, the other is a false positive
    t = FISH_TEXT
    gold = {**FISH_GOLD, "claims": [FISH_GOLD["claims"][0]]}
    weaker = {"claim": "Atlantis sank.", "claimants": [], "deniers": [], "evidence": []}
    # {atlantis, sank} vs {atlantis, sank, in, 2020}: P 1, R 1/2 -> F1 2/3 >= 0.5, eligible but weaker
    exact = {"claim": "Atlantis sank in 2020.", "claimants": [span(t, "The Ministry of Fish")],
             "deniers": [], "evidence": []}
    s = score_records([gold], fish_articles(), {"fish": record("fish", [weaker, exact])})
    assert (s["claims"]["tp"], s["claims"]["fp"], s["claims"]["fn"]) == (1, 1, 0)
    # the claimant counts only if the exact prediction won the gold claim
    assert s["claimants"]["tp"] == 1


def test_normalised_names_match_in_scoring():
    text = "Japan's Tokyo Shimbun said the White House's envoy met officials. The envoy denied it."
    gold = {
        "id": "norm", "summary": "x", "source_agency": None,
        "claims": [{"claim": "The envoy met officials.",
                    "claimants": ["Japan’s Tokyo Shimbun"],  # curly apostrophe in gold, straight in text
                    "deniers": ["White House envoy"],
                    "evidence": ["the White House's envoy met officials"]}],
    }
    pred = record("norm", [{
        "claim": "The envoy met officials.",
        "claimants": [span(text, "Japan's Tokyo Shimbun")],
        "deniers": [span(text, "the White House's envoy")],  # leading "the" and the 's normalise away
        "evidence": [span(text, "the White House's envoy met officials")],
    }])
    s = score_records([gold], {"norm": {"id": "norm", "text": text}}, {"norm": pred})
    assert s["claimants"]["f1"] == 1.0
    assert s["deniers"]["f1"] == 1.0


@pytest.mark.parametrize(
    ("gold_agency", "pred_agency", "right"),
    [
        (None, None, True),  # null vs null is right
        ("Reuters", None, False),
        (None, "Reuters", False),
        ("Reuters", "Reuters", True),
        ("AFP, dpa", "AFP", True),  # containment
        ("AFP", "Reuters", False),
    ],
)
def test_source_agency_accuracy(gold_agency, pred_agency, right):
    gold = {**FISH_GOLD, "source_agency": gold_agency}
    agency = span(FISH_TEXT, "Reuters") if pred_agency == "Reuters" else (
        {"text": pred_agency, "start": 0, "end": len(pred_agency)} if pred_agency else None)
    s = score_records([gold], fish_articles(), {"fish": record("fish", [], agency)})
    assert s["source_agency"]["accuracy"] == (1.0 if right else 0.0)


def test_ungrounded_span_lowers_grounding_rate():
    pred = prediction_from_gold(FISH_GOLD, FISH_TEXT)
    ev = pred["claims"][0]["evidence"][0]
    pred["claims"][0]["evidence"][0] = {**ev, "start": ev["start"] + 1, "end": ev["end"] + 1}  # offsets off by one
    s = score_records([FISH_GOLD], fish_articles(), {"fish": pred})
    # 7 spans, 6 verbatim at their offsets; 3 evidence spans, 2 verbatim
    assert s["grounding"]["rate"] == pytest.approx(6 / 7)
    assert s["grounding"]["evidence_rate"] == pytest.approx(2 / 3)
    # the span's text is still in the article, so it is placed there and still hits the gold evidence
    assert s["evidence"]["hit_rate"] == 1.0
    assert s["claims"]["f1"] == 1.0


def test_span_text_not_in_article_is_ungrounded():
    pred = prediction_from_gold(FISH_GOLD, FISH_TEXT)
    pred["claims"][1]["claimants"][0] = {"text": "Critics of the ministry", "start": 0, "end": 23}
    s = score_records([FISH_GOLD], fish_articles(), {"fish": pred})
    assert s["grounding"]["grounded"] == 6 and s["grounding"]["spans"] == 7
    # the name still matches the gold "Critics" by containment: name scores judge names, not grounding
    assert s["claimants"]["f1"] == 1.0


def test_gold_article_without_claims_and_empty_prediction():
    gold = {**FISH_GOLD, "claims": [], "source_agency": None}
    s = score_records([gold], fish_articles(), {"fish": record("fish", [], None, summary="")})
    # nothing to count at corpus level -> None; per article both empty -> 1.0
    assert s["claims"]["f1"] is None
    assert s["per_article"][0]["claims"]["f1"] == 1.0
    assert s["article_deniers"]["f1"] == 1.0
    assert s["source_agency"]["accuracy"] == 1.0


def test_micro_counts_sum_over_articles():
    articles = {**fish_articles(), "harbour": {"id": "harbour", "text": HARBOUR_TEXT}}
    preds = {"fish": prediction_from_gold(FISH_GOLD, FISH_TEXT), "harbour": harbour_prediction()}
    s = score_records([FISH_GOLD, HARBOUR_GOLD], articles, preds)
    # claims: fish tp 2 + harbour tp 2, fp 1 -> P 4/5, R 4/4, F1 8/9
    assert s["claims"]["f1"] == pytest.approx(8 / 9)
    # article deniers are averaged over articles: (1.0 + 0.4) / 2
    assert s["article_deniers"]["f1"] == pytest.approx(0.7)
    assert len(s["per_article"]) == 2


def test_gold_text_hash_mismatch_is_refused():
    articles = {"fish": {"id": "fish", "text": FISH_TEXT + " changed"}}
    with pytest.raises(ValueError, match="sha256"):
        score_records([FISH_GOLD], articles, {})


def test_gold_id_without_article_is_refused():
    with pytest.raises(ValueError, match="no article text"):
        score_records([FISH_GOLD], {}, {})


# ------------------------------------------------------------------------------------------ real seed


@pytest.mark.skipif(not (SHARED_EVAL / "dev.jsonl").is_file(), reason="the gold set ../shared/eval is not beside the repo")
def test_seed_article_scored_against_its_own_gold():
    gold = next(json.loads(line) for line in (SHARED_EVAL / "dev.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line)["id"] == "seed-dprk-wagner")
    text = (SHARED_EVAL / "articles" / gold["ref"]["file"]).read_text(encoding="utf-8")
    articles = {gold["id"]: {"id": gold["id"], "title": None, "text": text}}
    s = score_records([gold], articles, {gold["id"]: prediction_from_gold(gold, text)})
    assert s["counts"]["gold_claims"] == 4 and s["counts"]["gold_evidence_unlocated"] == 0
    for key in ("claims", "claimants", "deniers"):
        assert s[key]["f1"] == 1.0, key
    assert s["article_deniers"]["f1"] == 1.0
    assert s["source_agency"]["accuracy"] == 1.0
    assert s["grounding"]["rate"] == 1.0
    assert s["evidence"]["hit_rate"] == 1.0


# ------------------------------------------------------------------------------------------ files and CLI


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def two_runs(tmp_path: Path) -> dict[str, Path]:
    gold = tmp_path / "gold.jsonl"
    articles = tmp_path / "articles.jsonl"
    write_jsonl(gold, [FISH_GOLD])
    write_jsonl(articles, [{"id": "fish", "title": FISH_GOLD["title"], "text": FISH_TEXT}])
    alpha, beta = tmp_path / "run-alpha", tmp_path / "run-beta"
    alpha.mkdir()
    beta.mkdir()
    perfect = prediction_from_gold(FISH_GOLD, FISH_TEXT) | {"model": "model-alpha"}
    write_jsonl(alpha / "facts.jsonl", [perfect])
    # the second run's records carry no model name: it comes from manifest.json
    empty = record("fish", [])
    del empty["model"]
    write_jsonl(beta / "facts.jsonl", [empty])
    (beta / "manifest.json").write_text(json.dumps({"model": "model-beta"}), encoding="utf-8")
    (beta / "errors.jsonl").write_text(json.dumps({"id": "x", "line": 2, "stage": "parse", "error": "bad"}) + "\n")
    return {"gold": gold, "articles": articles, "alpha": alpha, "beta": beta, "tmp": tmp_path}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "pipeline.evaluate", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_score_run_reads_run_dir(two_runs):
    s = score_run(two_runs["gold"], two_runs["articles"], two_runs["beta"])
    assert s["model"] == "model-beta"
    assert s["counts"]["errors"] == 1
    assert s["claims"]["recall"] == 0.0


def test_score_run_counts_unparsable_lines(two_runs):
    facts = two_runs["alpha"] / "facts.jsonl"
    facts.write_text(facts.read_text(encoding="utf-8") + "{not json\n" + facts.read_text(encoding="utf-8"))
    s = score_run(two_runs["gold"], two_runs["articles"], two_runs["alpha"])
    assert s["counts"]["unparsable_lines"] == 1 and s["counts"]["duplicate_ids"] == 1
    assert s["model"] == "model-alpha" and s["claims"]["f1"] == 1.0


def test_cli_scores_several_runs(two_runs):
    proc = run_cli(f"gold={two_runs['gold']}", f"articles={two_runs['articles']}",
                   f"pred=[{two_runs['alpha']},{two_runs['beta']}]")
    assert proc.returncode == 0, proc.stderr
    alpha = json.loads((two_runs["alpha"] / "scores.json").read_text(encoding="utf-8"))
    beta = json.loads((two_runs["beta"] / "scores.json").read_text(encoding="utf-8"))
    assert alpha["claims"]["f1"] == 1.0 and alpha["model"] == "model-alpha"
    assert beta["claims"]["f1"] == 0.0 and beta["model"] == "model-beta"
    rows = [line for line in proc.stdout.splitlines() if "model-alpha" in line or "model-beta" in line]
    assert len(rows) == 2
    assert "1.000" in rows[0] and "0.000" in rows[1]


def test_cli_repeated_pred_out_file_and_per_article(two_runs):
    out = two_runs["tmp"] / "all.json"
    proc = run_cli(f"gold={two_runs['gold']}", f"articles={two_runs['articles']}", f"pred={two_runs['alpha']}",
                   f"pred={two_runs['beta']}", f"out={out}", "--per-article")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert set(runs) == {str(two_runs["alpha"]), str(two_runs["beta"])}
    assert not (two_runs["alpha"] / "scores.json").exists()  # out= replaces the per-run files
    assert "per article" in proc.stdout and proc.stdout.count("fish") >= 2


def test_cli_missing_run_dir_fails(two_runs):
    proc = run_cli(f"gold={two_runs['gold']}", f"articles={two_runs['articles']}",
                   f"pred={two_runs['tmp'] / 'nope'}")
    assert proc.returncode == 2
    assert "facts.jsonl" in proc.stderr


def test_cli_requires_articles(two_runs):
    proc = run_cli(f"gold={two_runs['gold']}", f"pred={two_runs['alpha']}")
    assert proc.returncode != 0
    assert "articles" in proc.stderr


def test_rouge_lsum_reads_sentences():
    """ROUGE-Lsum is the union LCS over reference sentences: with the two sentences in swapped order the
    sentence-level LCS still finds both (1.0), while plain ROUGE-L finds only the longer one in order."""
    from pipeline.evaluate import _rouge_scorer, _sentence_lines

    reference = "The cat sat on the mat. A dog barked loudly at night."
    swapped = "A dog barked loudly at night. The cat sat on the mat."
    scored = _rouge_scorer().score(_sentence_lines(reference), _sentence_lines(swapped))
    assert scored["rougeLsum"].fmeasure == pytest.approx(1.0)
    assert scored["rougeL"].fmeasure == pytest.approx(6 / 12)  # LCS "a dog barked loudly at night"


# ------------------------------------------------------------------------------------------ faithfulness


def test_unsupported_and_attribution_left(nlp):
    fish = record("fish", [
        {"claim": "Atlantis sank in 2020.", "claimants": [], "deniers": [], "evidence": []},
        {"claim": "Mayor Bob Smyth said the report was nonsense.", "claimants": [], "deniers": [], "evidence": []},
        {"claim": "Critics said the ministry had lied about fish numbers.", "claimants": [], "deniers": [],
         "evidence": []},
        {"claim": "The ministry lied about fish numbers.", "claimants": [], "deniers": [], "evidence": []},
    ], summary="The Ministry of Fish said Atlantis sank in 2021.")
    harbour = record("harbour", [
        {"claim": "The river water is unsafe to drink.", "claimants": [], "deniers": [], "evidence": []},
    ], summary="The city council sold the old harbour for 3 million euros.")
    articles = {**fish_articles(), "harbour": {"id": "harbour", "title": HARBOUR_GOLD["title"], "text": HARBOUR_TEXT}}
    s = score_records([FISH_GOLD, HARBOUR_GOLD], articles, {"fish": fish, "harbour": harbour}, nlp)
    # unsupported: the fish summary (2021) and fish claim 2 (Smyth) of 2 summaries + 5 claims = 2/7;
    # summaries 1/2, claims 1/5; one record has any. attribution left: fish claims 2 and 3 ("X said ...") = 2/5.
    assert s["faithfulness"] == {
        "unsupported": pytest.approx(2 / 7), "unsupported_summaries": 0.5, "unsupported_claims": 0.2,
        "records_with_unsupported": 1, "attribution_left": 0.4}
    rows = {r["id"]: r for r in s["per_article"]}
    assert rows["fish"]["unsupported"] == ["number '2021'", "name 'Mayor Bob Smyth'"]
    assert (rows["fish"]["attribution_left"], rows["harbour"]["attribution_left"]) == (2, 0)
    assert rows["harbour"]["unsupported"] == []


def test_faithfulness_is_null_without_the_parser():
    s = score_records([FISH_GOLD], fish_articles(), {"fish": prediction_from_gold(FISH_GOLD, FISH_TEXT)})
    assert s["faithfulness"]["unsupported"] is None and s["faithfulness"]["attribution_left"] is None


def test_faithfulness_of_runs_without_gold(tmp_path, nlp):
    from pipeline.faithfulness_eval import main

    run = tmp_path / "run"
    run.mkdir()
    write_jsonl(run / "facts.jsonl", [record("fish", [], summary="Mayor Bob Smith denied it in 2020.")])
    write_jsonl(tmp_path / "articles.jsonl", [{"id": "fish", "title": None, "text": FISH_TEXT}])
    assert main([f"articles={tmp_path / 'articles.jsonl'}", f"pred={run}"]) == 0
    scores = json.loads((run / "faithfulness.json").read_text())
    assert (scores["records"], scores["summaries"], scores["unsupported"], scores["claims"]) == (1, 1, 0.0, 0)
    assert scores["attribution_left"] is None  # no claims to count
