"""Shared fixtures. Tests never reach the Hugging Face hub: HF_HUB_OFFLINE is set before transformers loads."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Results cache and tiny models of a test session live in their own folder, so test runs never reuse
# (or pollute) a user's ~/.cache/newsfacts results.
if "NEWSFACTS_CACHE" not in os.environ:
    import tempfile

    os.environ["NEWSFACTS_CACHE"] = tempfile.mkdtemp(prefix="newsfacts-test-cache-")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# As the CLI sets it before torch loads (see loading._passive_openmp_wait): idle OpenMP threads sleep, so
# torch and llama.cpp threads do not spin against each other and other processes on a shared machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parent.parent
SEED_TEXT = (REPO / "examples" / "dprk-wagner.txt").read_text(encoding="utf-8")
SHARED_EVAL = REPO.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_TEXT


def write_jsonl(path: Path, rows: list) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def run_cli(*overrides: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """`python -m pipeline OVERRIDES...` in a subprocess, as a user runs it."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "pipeline", *overrides], cwd=cwd or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
