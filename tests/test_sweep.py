"""Hydra multirun sweeps through the real CLI: one run dir per job, and `python -m pipeline.evaluate` compares
the runs in one table.

Inference sweeps use tiny_t5 with two `extract.max_claims` values (a real model sweep with smollm2_135m takes
minutes per article on CPU). The model-group sweep `model=tiny_t5,smollm2_135m` runs only the model-free
stages, which still exercises one run dir per model option and a per-model comparison.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.runner import NO_MODEL
from tests.conftest import REPO, SEED_TEXT, SHARED_EVAL, read_jsonl, run_cli, write_jsonl

SYNTHETIC = {
    "id": "synthetic-bridge",
    "text": ("City officials said on Monday that the Elm Street bridge would reopen in June. "
             "The mayor denied that the repairs were over budget. (Reuters)"),
}
SYNTHETIC_GOLD = {
    "id": "synthetic-bridge", "title": None, "source_agency": "Reuters",
    "summary": "City officials said the Elm Street bridge would reopen in June; the mayor denied cost overruns.",
    "claims": [
        {"claim": "The Elm Street bridge will reopen in June.", "claimants": ["City officials"], "deniers": [],
         "evidence": ["City officials said on Monday that the Elm Street bridge would reopen in June"]},
        {"claim": "The bridge repairs were over budget.", "claimants": [], "deniers": ["The mayor"],
         "evidence": ["The mayor denied that the repairs were over budget"]},
    ],
}


@pytest.fixture(scope="module")
def eval_files(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("sweep")
    gold = [SYNTHETIC_GOLD]
    articles = [SYNTHETIC]
    dev = SHARED_EVAL / "dev.jsonl"
    if dev.is_file():  # the seed article's real gold line (its text is in the repo: examples/dprk-wagner.txt)
        seed_gold = next(g for g in read_jsonl(dev) if g["id"] == "seed-dprk-wagner")
        gold.insert(0, seed_gold)
        articles.insert(0, {"id": "seed-dprk-wagner", "text": SEED_TEXT})
    return {"gold": write_jsonl(tmp / "gold.jsonl", gold), "articles": write_jsonl(tmp / "articles.jsonl", articles),
            "dir": tmp, "ids": [a["id"] for a in articles]}


def evaluate(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "400"}  # a wide table, so run paths are printed whole
    return subprocess.run([sys.executable, "-m", "pipeline.evaluate", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def claims_sweep(eval_files) -> Path:
    sweep_dir = eval_files["dir"] / "multirun-claims"
    proc = run_cli("-m", "model=tiny_t5", "extract.max_claims=1,3", "cache.enabled=false",
                   f"input.path={eval_files['articles']}", f"hydra.sweep.dir={sweep_dir}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return sweep_dir


def test_sweep_writes_one_run_dir_per_job(claims_sweep, eval_files):
    assert sorted(p.name for p in claims_sweep.iterdir() if p.is_dir()) == ["0_tiny_t5", "1_tiny_t5"]
    assert (claims_sweep / "multirun.yaml").is_file()
    for job, max_claims in (("0_tiny_t5", 1), ("1_tiny_t5", 3)):
        run_dir = claims_sweep / job
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["config"]["extract"]["max_claims"] == max_claims
        assert manifest["counts"] == {"read": len(eval_files["ids"]), "written": len(eval_files["ids"]), "failed": 0}
        records = read_jsonl(run_dir / "facts.jsonl")
        assert [r["id"] for r in records] == eval_files["ids"]
        assert all(len(r["claims"]) <= max_claims for r in records)
        assert (run_dir / "report.html").is_file() and (run_dir / "newsfacts.log").is_file()
    one = read_jsonl(claims_sweep / "0_tiny_t5" / "facts.jsonl")
    three = read_jsonl(claims_sweep / "1_tiny_t5" / "facts.jsonl")
    assert sum(len(r["claims"]) for r in three) > sum(len(r["claims"]) for r in one)


def test_evaluate_compares_the_sweep_runs_in_one_table(claims_sweep, eval_files):
    runs = [claims_sweep / "0_tiny_t5", claims_sweep / "1_tiny_t5"]
    out = eval_files["dir"] / "claims-scores.json"
    proc = evaluate(f"gold={eval_files['gold']}", f"articles={eval_files['articles']}",
                    *(f"pred={r}" for r in runs), f"out={out}")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert sorted(scores) == sorted(map(str, runs))
    for run in runs:
        s = scores[str(run)]
        assert s["model"] == "newsfacts/tiny-t5" and s["counts"]["predicted"] == len(eval_files["ids"])
        assert s["grounding"]["rate"] == 1.0  # spans are grounded by construction, whatever the weights
    pred_claims = [scores[str(r)]["counts"]["pred_claims"] for r in runs]
    assert pred_claims[0] <= len(eval_files["ids"]) < pred_claims[1]
    # One table: a single header row, then one row per run, in the order given.
    lines = proc.stdout.splitlines()
    assert sum("claim F1" in line for line in lines) == 1
    rows = [next(i for i, line in enumerate(lines) if str(run) in line) for run in runs]
    assert rows[0] < rows[1]


def test_model_sweep_writes_one_run_dir_per_model(eval_files):
    # Model-free stages: the sweep's mechanics per model option, without minutes of CPU inference.
    sweep_dir = eval_files["dir"] / "multirun-models"
    proc = run_cli("-m", "model=tiny_t5,smollm2_135m", "stages=[ingest,validate,write]",
                   f"input.path={eval_files['articles']}", f"hydra.sweep.dir={sweep_dir}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = {p.name: p for p in sweep_dir.iterdir() if p.is_dir()}
    assert sorted(runs) == ["0_tiny_t5", "1_smollm2_135m"]
    names = {job: json.loads((d / "manifest.json").read_text(encoding="utf-8"))["model"]["name"]
             for job, d in runs.items()}
    assert names["0_tiny_t5"] == "newsfacts/tiny-t5" and names["1_smollm2_135m"].startswith("HuggingFaceTB/SmolLM2")
    for run_dir in runs.values():
        assert [r["id"] for r in read_jsonl(run_dir / "facts.jsonl")] == eval_files["ids"]
    proc = evaluate(f"gold={eval_files['gold']}", f"articles={eval_files['articles']}",
                    f"pred={runs['0_tiny_t5']}", f"pred={runs['1_smollm2_135m']}")
    assert proc.returncode == 0, proc.stderr
    assert str(runs["0_tiny_t5"]) in proc.stdout and str(runs["1_smollm2_135m"]) in proc.stdout
    for run_dir in runs.values():  # without out=, each run gets its own scores.json
        # (model-free stages: the records, and so the scores, say no model was used, whatever was configured)
        assert json.loads((run_dir / "scores.json").read_text(encoding="utf-8"))["model"] == NO_MODEL
