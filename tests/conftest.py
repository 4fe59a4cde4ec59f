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


@pytest.fixture(scope="session")
def nlp():
    """The packaged spaCy pipeline (en_core_web_sm 3.8.0), verified and loaded once per test session."""
    from pipeline.linguistics.parser import load_parser

    return load_parser()


def parse_one(nlp, text: str, title: str | None = None):
    from pipeline.linguistics.parse import parse_articles

    return parse_articles(nlp, [(text, title)])[0]


def claims_of(nlp, text: str, title: str | None = None, max_claims: int = 5):
    """(rule claim text, claimants, deniers) of each claim the rules draft, in text order."""
    from pipeline.linguistics.claims import draft_claims

    parsed = parse_one(nlp, text, title)
    drafts = draft_claims(parsed, max_claims)
    for draft in drafts:  # grounding holds for every span the layer produces
        for span in draft.claimants + draft.deniers + draft.evidence:
            assert text[span.start : span.end] == span.text
    return [(d.rule_text, [s.text for s in d.claimants], [s.text for s in d.deniers]) for d in drafts]
