"""End to end through the real CLI (Hydra composition, real tiny model, real files on disk)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.output import safe_filename
from pipeline.schema import SCHEMA_PATH
from tests.conftest import SEED_TEXT, read_jsonl, run_cli, write_jsonl

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _all_spans(record: dict) -> list[dict]:
    spans = [record["source_agency"]] if record["source_agency"] else []
    for claim in record["claims"]:
        spans += claim["claimants"] + claim["deniers"] + claim["evidence"]
    return spans


def assert_grounded(record: dict, text: str) -> None:
    for span in _all_spans(record):
        assert text[span["start"] : span["end"]] == span["text"] and span["text"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("e2e")
    articles = [
        {"id": "seed", "title": None, "text": SEED_TEXT},
        {"id": "second", "title": "Minister denies report",
         "text": "The minister denied the report on Monday. Critics said the plan would fail, according to Reuters."},
        {"id": "../../etc/passwd", "text": "Officials said the bridge would reopen. The mayor dismissed the claim."},
        {"id": "empty", "text": "  "},
    ]
    write_jsonl(tmp / "in.jsonl", articles + ["{broken json"])
    # abstractive summaries: the model's text goes through the faithfulness check (tiny T5 names places at random)
    proc = run_cli(f"input.path={tmp / 'in.jsonl'}", "model=tiny_t5", f"hydra.run.dir={tmp / 'run'}",
                   "summary.mode=abstractive")
    assert proc.returncode == 1, proc.stderr  # two inputs failed -> exit 1
    return tmp / "run", {a["id"]: a["text"] for a in articles}


def test_all_output_files_written(tiny_run):
    run_dir, _ = tiny_run
    for name in ("facts.jsonl", "errors.jsonl", "manifest.json", "report.html", "newsfacts.log"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "facts").is_dir()


def test_records_valid_grounded_and_counted(tiny_run):
    run_dir, texts = tiny_run
    records = read_jsonl(run_dir / "facts.jsonl")
    assert [r["id"] for r in records] == ["seed", "second", "../../etc/passwd"]
    for record in records:
        jsonschema.validate(record, SCHEMA)
        assert record["model"] == "newsfacts/tiny-t5" and record["provenance"]["prompt_version"] == "t5/v4"
        assert_grounded(record, texts[record["id"]])
        per_article = run_dir / "facts" / safe_filename(record["id"])
        assert json.loads(per_article.read_text(encoding="utf-8")) == record
    seed = records[0]
    assert seed["source_agency"]["text"] == "AFP"
    assert 2 <= len(seed["claims"]) <= 5 and all(c["evidence"] for c in seed["claims"])
    assert records[1]["source_agency"] is None  # "according to Reuters" is not a credit line


def test_errors_and_manifest_counts(tiny_run):
    run_dir, _ = tiny_run
    errors = read_jsonl(run_dir / "errors.jsonl")
    assert [(e["id"], e["line"], e["stage"]) for e in errors] == [("empty", 4, "ingest"), (None, 5, "ingest")]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["counts"] == {"read": 5, "written": 3, "failed": 2}
    assert manifest["model"]["name"] == "newsfacts/tiny-t5" and manifest["model"]["revision"]
    assert manifest["prompt_versions"]["prompts"] == "t5/v4"
    assert {"summarize", "extract", "validate", "write", "ingest", "total"} <= set(manifest["timings_s"])
    assert manifest["packages"]["transformers"] and manifest["config"]["model"]["path"] == "t5"


def test_each_text_says_where_it_comes_from(tiny_run, nlp):
    from pipeline.faithfulness import support_for, unsupported

    run_dir, texts = tiny_run
    records = read_jsonl(run_dir / "facts.jsonl")
    origins = [r["summary_origin"] for r in records]
    assert "regenerated" in origins or "extractive" in origins  # the random weights' place names were caught
    claim_origins = [c["claim_origin"] for r in records for c in r["claims"]]
    assert set(origins + claim_origins) <= {"generated", "regenerated", "extractive"}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert sum(manifest["faithfulness"]["summaries"].values()) == len(records)
    assert sum(manifest["faithfulness"]["claims"].values()) == len(claim_origins)
    assert manifest["faithfulness"]["records_with_unsupported_left"] == 0
    for record in records:  # whatever the random weights wrote, no record names or numbers what its article lacks
        support = support_for(nlp, texts[record["id"]], record["title"])
        for text in [record["summary"], *(c["claim"] for c in record["claims"])]:
            assert unsupported(nlp(text), support) == [], text


def test_per_article_files_stay_inside_run_dir(tiny_run):
    run_dir, _ = tiny_run
    files = sorted(p.name for p in (run_dir / "facts").iterdir())
    assert len(files) == 3 and all(not name.startswith(".") for name in files)
    assert not (run_dir.parent / "etc").exists()


def test_default_run_on_bundled_example(tmp_path):
    proc = run_cli("model=tiny_t5", f"hydra.run.dir={tmp_path}", "report.enabled=false")
    assert proc.returncode == 0, proc.stderr
    (record,) = read_jsonl(tmp_path / "facts.jsonl")
    assert record["id"] == "dprk-wagner"
    assert_grounded(record, SEED_TEXT)


@pytest.mark.parametrize("overrides, message", [
    (["model=no_such_model"], "model"),
    (["input.path=/no/such/file.jsonl", "model=tiny_t5"], "input file not found"),
])
def test_config_errors_fail_before_work(tmp_path, overrides, message):
    proc = run_cli(*overrides, f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode != 0 and message in proc.stderr
    assert not (tmp_path / "run" / "facts.jsonl").exists()
