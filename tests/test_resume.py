"""Crash and resume: a run killed at any point, rerun with the same command, ends with the same files as a
run that was never interrupted; greedy decoding makes that a byte-for-byte comparison."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.api import compose_config
from pipeline.output import RunWriter, repair_torn_tail
from pipeline.resume import CHECKPOINT_NAME, ResumeError, RunDirLock
from pipeline.runner import run_pipeline
from tests.conftest import REPO, read_jsonl, write_jsonl

FAST = ["decoding.max_summary_tokens=4", "decoding.max_claim_tokens=4", "decoding.max_span_tokens=4",
        "runtime.threads=1", "report.enabled=false", "cache.enabled=false"]
NO_MODEL = "stages=[ingest,validate,write]"  # for checks of the resume logic itself: no model needed
SUBJECTS = ["The minister", "The mayor", "A police spokesman", "The company", "Union leaders", "The ministry"]
VERBS = ["said", "told reporters", "announced", "claimed", "insisted"]


def articles(n: int, seed: int = 7) -> list[dict | str]:
    """n varied short news articles, with two bad lines among them (errors must resume too)."""
    rng = random.Random(seed)
    rows: list[dict | str] = []
    for i in range(n):
        who, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        text = (f"{who} {verb} on Monday that {rng.randint(2, 90)} schools would reopen. "
                f"{rng.choice(SUBJECTS)} denied the report. Critics said the plan would cost {i} million.")
        rows.append({"id": f"art-{i:02d}", "title": f"Story {i}" if i % 3 else None, "text": text})
    rows.insert(n // 3, "{broken json")
    rows.insert(2 * n // 3, {"id": "empty", "text": " "})
    return rows


def job_config(source: Path, *extra: str) -> dict:
    return compose_config("tiny_t5", [f"input.path={source}", *FAST, *extra])


def cli_args(source: Path, run_dir: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "model=tiny_t5", f"input.path={source}", "batch_articles=1", *FAST,
            f"hydra.run.dir={run_dir}"]


@pytest.fixture(scope="module")
def tiny_backend():
    from pipeline.backends.loading import load_backend
    from pipeline.config import ModelSpec, RuntimeSpec

    return load_backend(ModelSpec(**compose_config("tiny_t5")["model"]), RuntimeSpec(threads=1))


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


# --- the real thing: SIGKILL a CLI run, rerun the same command ------------------------------------------

def test_sigkill_then_same_command_equals_an_uninterrupted_run(tmp_path, tiny_backend):
    n = 30
    source = write_jsonl(tmp_path / "in.jsonl", articles(n))
    reference = run_pipeline(job_config(source, "batch_articles=1"), tmp_path / "reference", backend=tiny_backend)
    assert (reference.written, reference.failed) == (n, 2)

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    kill_after = rng.randint(2, n // 2)  # records on disk before the kill
    run_dir = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open(tmp_path / "killed.stderr", "wb") as stderr:
        proc = subprocess.Popen(cli_args(source, run_dir), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 300
            while _lines(run_dir / "facts.jsonl") < kill_after:
                if proc.poll() is not None:
                    pytest.fail(f"run ended before the kill (seed {seed}): {(tmp_path / 'killed.stderr').read_text()}")
                assert time.monotonic() < deadline, "no records written in time"
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.1))  # anywhere inside the next step, mid-write included
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_lines = _lines(run_dir / "facts.jsonl")
    assert kill_after <= killed_lines < n, f"seed {seed}: not killed mid-run"
    # As if the kill had also torn the last line in half: the resumed run must drop it, not append after it.
    with open(run_dir / "facts.jsonl", "ab") as fh:
        fh.write(b'{"schema_version":"1","id":"art-')

    resumed = subprocess.run(cli_args(source, run_dir), cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 1, resumed.stderr  # two inputs failed, as in the reference: exit status 1
    assert f"read {n + 2}, written {n}, failed 2" in resumed.stderr

    assert (run_dir / "facts.jsonl").read_bytes() == (tmp_path / "reference" / "facts.jsonl").read_bytes(), seed
    assert (run_dir / "errors.jsonl").read_bytes() == (tmp_path / "reference" / "errors.jsonl").read_bytes(), seed
    ids = [r["id"] for r in read_jsonl(run_dir / "facts.jsonl")]
    assert len(ids) == len(set(ids)) == n
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["counts"] == {"read": n + 2, "written": n, "failed": 2}
    assert manifest["resume"]["segments"] == 2 and manifest["resume"]["resumed_after_inputs"] > 0
    reference_files = sorted(p.name for p in (tmp_path / "reference" / "facts").iterdir())
    assert sorted(p.name for p in (run_dir / "facts").iterdir()) == reference_files  # no temp files left


def test_greedy_decoding_is_deterministic(tmp_path, tiny_backend):
    source = write_jsonl(tmp_path / "in.jsonl", articles(6, seed=3))
    first = run_pipeline(job_config(source, "batch_articles=4"), tmp_path / "one", backend=tiny_backend)
    second = run_pipeline(job_config(source, "batch_articles=4"), tmp_path / "two", backend=tiny_backend)
    assert first.written == 6
    assert (tmp_path / "one" / "facts.jsonl").read_bytes() == (tmp_path / "two" / "facts.jsonl").read_bytes()
    records = read_jsonl(tmp_path / "one" / "facts.jsonl")
    assert all(r["summary"] and r["claims"] for r in records)  # real model output was compared, not blanks


# --- a crash inside a step (in process): lines past the last checkpoint are dropped --------------------

class SimulatedCrash(Exception):
    pass


def _crash_on_record(monkeypatch, k: int) -> None:
    original = RunWriter.write_record
    calls = {"n": 0}

    def write_record(self, record):
        calls["n"] += 1
        if calls["n"] == k:
            raise SimulatedCrash(f"crash before record {k}")
        original(self, record)

    monkeypatch.setattr(RunWriter, "write_record", write_record)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, tiny_backend):
    tmp = tmp_path_factory.mktemp("clean")
    source = write_jsonl(tmp / "in.jsonl", articles(12, seed=5))
    return source, run_pipeline(job_config(source, "batch_articles=3"), tmp / "clean", backend=tiny_backend)


@pytest.mark.parametrize("crash_at", [1, 5, 11])
def test_crash_mid_step_then_resume_writes_each_input_once(tmp_path, monkeypatch, tiny_backend, clean_run, crash_at):
    source, clean = clean_run
    with monkeypatch.context() as patch:
        _crash_on_record(patch, crash_at)
        with pytest.raises(SimulatedCrash):
            run_pipeline(job_config(source, "batch_articles=3"), tmp_path / "run", backend=tiny_backend)
    committed = json.loads((tmp_path / "run" / CHECKPOINT_NAME).read_text())
    assert committed["complete"] is False and committed["consumed"] % 3 == 0
    result = run_pipeline(job_config(source, "batch_articles=3"), tmp_path / "run", backend=tiny_backend)
    for name in ("facts.jsonl", "errors.jsonl"):
        assert (tmp_path / "run" / name).read_bytes() == (clean.run_dir / name).read_bytes(), name
    assert (result.read, result.written, result.failed) == (clean.read, clean.written, clean.failed) == (14, 12, 2)
    assert result.manifest["resume"] == {"segments": 2, "resumed_after_inputs": committed["consumed"]}


# --- resume rules (no model needed) ---------------------------------------------------------------------

def test_rerun_of_a_finished_run_changes_nothing(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(5))
    first = run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    before = (tmp_path / "run" / "facts.jsonl").read_bytes()
    again = run_pipeline(job_config(source, NO_MODEL, "report.enabled=true"), tmp_path / "run")
    assert (tmp_path / "run" / "facts.jsonl").read_bytes() == before
    assert (again.read, again.written, again.failed) == (first.read, first.written, first.failed) == (7, 5, 2)
    assert again.manifest["resume"] == {"segments": 2, "resumed_after_inputs": 7}
    # The report of a resumed run still shows the articles finished before the resume.
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert all(f"<code>art-{i:02d}</code>" in report for i in range(5))


def test_appended_inputs_are_processed_on_rerun(tmp_path):
    rows = articles(6)
    source = write_jsonl(tmp_path / "in.jsonl", rows[:4])
    run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    write_jsonl(source, rows)
    result = run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    clean = run_pipeline(job_config(source, NO_MODEL), tmp_path / "clean")
    assert (tmp_path / "run" / "facts.jsonl").read_bytes() == (tmp_path / "clean" / "facts.jsonl").read_bytes()
    assert result.read == clean.read == len(rows)


def test_changed_input_is_refused_and_nothing_is_touched(tmp_path):
    rows = articles(5)
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    before = (tmp_path / "run" / "facts.jsonl").read_bytes()
    rows[0] = {**rows[0], "text": rows[0]["text"] + " Edited."}
    write_jsonl(source, rows)
    with pytest.raises(ResumeError, match="the input changed since the interrupted run"):
        run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    assert (tmp_path / "run" / "facts.jsonl").read_bytes() == before


def test_a_different_job_is_refused_and_resume_false_starts_over(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(4))
    run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    with pytest.raises(ResumeError, match="holds a run of a different job"):
        run_pipeline(job_config(source, NO_MODEL, "extract.max_claims=1"), tmp_path / "run")
    (tmp_path / "run" / "facts" / "stray.json").write_text("{}")  # ours by name: cleared on a fresh start
    (tmp_path / "run" / "notes.txt").write_text("mine")  # not ours: kept
    result = run_pipeline(job_config(source, NO_MODEL, "extract.max_claims=1", "resume=false"), tmp_path / "run")
    assert result.manifest["resume"] == {"segments": 1, "resumed_after_inputs": None}
    assert result.written == len(read_jsonl(tmp_path / "run" / "facts.jsonl")) == 4
    assert not (tmp_path / "run" / "facts" / "stray.json").exists() and (tmp_path / "run" / "notes.txt").exists()


def test_settings_that_do_not_change_records_may_differ_on_resume(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(3))
    run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    result = run_pipeline(job_config(source, NO_MODEL, "fail_on_errors=false", "report.enabled=true",
                                     "cache.enabled=true", f"cache.dir={tmp_path / 'c'}"), tmp_path / "run")
    assert result.manifest["resume"]["segments"] == 2


def test_resume_true_needs_something_to_resume(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(2))
    with pytest.raises(ResumeError, match="holds no interrupted run"):
        run_pipeline(job_config(source, NO_MODEL, "resume=true"), tmp_path / "run")


def test_outputs_without_a_checkpoint_are_not_overwritten(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(2))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "facts.jsonl").write_text('{"id": "someone else\'s"}\n')
    with pytest.raises(ResumeError, match="holds outputs without a progress.json"):
        run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    assert "someone else" in (tmp_path / "run" / "facts.jsonl").read_text()


def test_a_file_shorter_than_its_checkpoint_is_refused(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(3))
    run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    (tmp_path / "run" / "facts.jsonl").write_text("")
    with pytest.raises(ResumeError, match="shorter"):
        run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")


def test_a_run_dir_in_use_is_refused(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", articles(2))
    with RunDirLock(tmp_path / "run"):
        with pytest.raises(ResumeError, match=f"in use by another newsfacts process \\(pid {os.getpid()}\\)"):
            run_pipeline(job_config(source, NO_MODEL), tmp_path / "run")
    assert run_pipeline(job_config(source, NO_MODEL), tmp_path / "run").written == 2  # released afterwards


# --- torn lines ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, kept", [
    (b'{"a":1}\n{"b":2}\n{"c"', b'{"a":1}\n{"b":2}\n'),
    (b'{"a":1}\n', b'{"a":1}\n'),
    (b'{"half', b""),
    (b"", b""),
])
def test_repair_torn_tail_cuts_back_to_the_last_newline(tmp_path, content, kept):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    assert repair_torn_tail(path) == len(content) - len(kept)
    assert path.read_bytes() == kept


def test_writer_never_appends_to_a_torn_line(tmp_path):
    from pipeline.records import ErrorRecord

    (tmp_path / "errors.jsonl").write_bytes(b'{"id":"a","line":1,"stage":"ingest","error":"x"}\n{"id":"b","li')
    with RunWriter(tmp_path) as writer:
        writer.write_error(ErrorRecord(id="c", line=3, stage="ingest", error="y"))
    assert [e["id"] for e in read_jsonl(tmp_path / "errors.jsonl")] == ["a", "c"]
