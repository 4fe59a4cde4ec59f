"""`runner=ray`: the same stages on Ray Data actors give the same output files as the local runner.

A real local Ray instance (2 CPUs) and the real tiny_t5 model; skipped when `ray[data]` is not installed.
Starting Ray and its actors dominates the time (~30-60 s on 2 cores), so one Ray run serves most tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ray.data")
pytestmark = pytest.mark.slow

from pipeline.output import safe_filename  # noqa: E402
from tests.conftest import SEED_TEXT, read_jsonl, run_cli, write_jsonl  # noqa: E402

RAY_LOCAL = ("runner=ray", "runner.local_num_cpus=2", "runner.num_workers=2", "runner.num_cpus_per_worker=1")
ARTICLES = [
    {"id": "seed", "text": SEED_TEXT},
    {"id": "second", "title": "Minister denies report",
     "text": "The minister denied the report on Monday. Critics said the plan would fail, according to Reuters."},
    {"id": "empty", "text": "  "},
    "{broken json",
    {"id": "Bridge/Reopens", "text": "Officials said the bridge would reopen. The mayor dismissed the claim."},
    {"id": "second", "text": "A duplicate id: an ingest error, the first record is kept."},
    {"id": "last", "text": "Police said the road was closed. Residents said they were not warned."},
]
KEPT_IDS = ["seed", "second", "Bridge/Reopens", "last"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("ray")
    source = write_jsonl(tmp / "in.jsonl", ARTICLES)
    common = ("model=tiny_t5", f"input.path={source}")
    local = run_cli(*common, f"hydra.run.dir={tmp / 'local'}")
    assert local.returncode == 1, local.stderr  # ingest errors -> exit 1, with every other record written
    # batch_size=1: four batches over two actors, so ordering across actors and model reuse are exercised.
    ray = run_cli(*common, *RAY_LOCAL, "runner.batch_size=1", f"hydra.run.dir={tmp / 'ray'}", timeout=900)
    assert ray.returncode == 1, ray.stderr[-4000:]
    return {"local": tmp / "local", "ray": tmp / "ray", "input": source}


def test_facts_jsonl_identical_to_local_runner(runs):
    local = (runs["local"] / "facts.jsonl").read_text(encoding="utf-8")
    ray = (runs["ray"] / "facts.jsonl").read_text(encoding="utf-8")
    assert [r["id"] for r in read_jsonl(runs["ray"] / "facts.jsonl")] == KEPT_IDS  # input order
    assert ray == local


def test_per_article_files_identical(runs):
    for article_id in KEPT_IDS:
        name = safe_filename(article_id)
        ray_file = runs["ray"] / "facts" / name
        assert ray_file.read_bytes() == (runs["local"] / "facts" / name).read_bytes(), article_id
    assert sorted(p.name for p in (runs["ray"] / "facts").iterdir()) == sorted(map(safe_filename, KEPT_IDS))


def test_errors_identical(runs):
    ray_errors = read_jsonl(runs["ray"] / "errors.jsonl")
    assert ray_errors == read_jsonl(runs["local"] / "errors.jsonl")
    assert [(e["id"], e["line"], e["stage"]) for e in ray_errors] == [
        ("empty", 3, "ingest"), (None, 4, "ingest"), ("second", 6, "ingest")]


def test_manifest_counts_and_runner(runs):
    ray = json.loads((runs["ray"] / "manifest.json").read_text(encoding="utf-8"))
    local = json.loads((runs["local"] / "manifest.json").read_text(encoding="utf-8"))
    assert ray["counts"] == local["counts"] == {"read": 7, "written": 4, "failed": 3}
    assert ray["model"]["revision"] == local["model"]["revision"] and ray["model"]["revision"]
    assert ray["prompt_versions"] == local["prompt_versions"]
    runner = ray["runner"]
    assert runner["kind"] == "ray" and runner["num_workers"] == 2 and runner["batch_size"] == 1
    # The model is loaded once per actor, not once per batch.
    assert runner["batches"] == 4 and 1 <= runner["model_loads"] <= 2
    assert ray["timings_s"]["load_model"] > 0 and ray["timings_s"]["extract"] > 0
    assert ray["packages"]["ray"] and ray["config"]["runner"]["kind"] == "ray"


def test_report_and_log_written(runs):
    report = (runs["ray"] / "report.html").read_text(encoding="utf-8")
    assert "Bridge/Reopens" in report and "Minister denies report" in report
    log = (runs["ray"] / "newsfacts.log").read_text(encoding="utf-8")
    assert "read 7, written 4, failed 3" in log and "ray_init=" in log and "extract=" in log


def test_missing_input_is_a_config_error_before_ray_starts(tmp_path):
    proc = run_cli("model=tiny_t5", *RAY_LOCAL, f"input.path={tmp_path / 'nope.jsonl'}",
                   f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2
    assert "config error: input file not found" in proc.stderr and "Started a local Ray" not in proc.stderr


def test_unavailable_model_is_a_config_error_before_ray_starts(tmp_path, runs):
    proc = run_cli("model=tiny_t5", "model.source=local", f"model.path={tmp_path / 'no-model'}", *RAY_LOCAL,
                   f"input.path={runs['input']}", f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    assert "Started a local Ray" not in proc.stderr


def test_unknown_runner_option_is_a_config_error(tmp_path, runs):
    proc = run_cli("model=tiny_t5", *RAY_LOCAL, "+runner.num_worker=3", f"input.path={runs['input']}",
                   f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2 and "num_worker" in proc.stderr


def test_run_dir_with_output_is_refused(runs):
    before = (runs["ray"] / "facts.jsonl").read_bytes()
    proc = run_cli("model=tiny_t5", *RAY_LOCAL, f"input.path={runs['input']}", f"hydra.run.dir={runs['ray']}")
    assert proc.returncode == 2 and "does not resume" in proc.stderr
    assert (runs["ray"] / "facts.jsonl").read_bytes() == before
