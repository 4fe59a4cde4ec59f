"""Progress and logs through the real CLI: a tqdm bar (done/total, docs/s, ETA) on stderr only when stderr
is a terminal, and per-stage timings in Hydra's log file in the run dir."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED_TEXT, run_cli, write_jsonl

ARTICLES = [
    {"id": "a", "text": SEED_TEXT[:600]},
    {"id": "b", "text": "The minister denied the report on Monday. Critics said the plan would fail."},
    {"id": "c", "text": "Officials said the bridge would reopen. The mayor dismissed the claim."},
]
# tqdm's bar tail: "3/3 [00:01<00:00,  2.50article/s]" (or "s/article" below one per second); "<" then the ETA.
BAR_DONE = re.compile(r"\b3/3 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(?:article/s|s/article)\]")


def run_cli_on_tty(*overrides: str, timeout: int = 600) -> tuple[int, str]:
    """`python -m pipeline` with stderr on a pseudo-terminal (stdout piped, as in `newsfacts | tee`)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # rows, cols
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *overrides], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:  # keep reading, or a full pty buffer would block the child
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc.stdout.read()
    code = proc.wait(timeout=timeout)
    reader.join(timeout=10)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("progress") / "in.jsonl", ARTICLES)


@pytest.fixture(scope="module")
def piped_run(source, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("piped") / "run"
    proc = run_cli("model=tiny_t5", f"input.path={source}", "batch_articles=1", "cache.enabled=false",
                   f"hydra.run.dir={run_dir}")
    assert proc.returncode == 0, proc.stderr
    return proc, run_dir


def test_no_progress_bar_when_stderr_is_not_a_terminal(piped_run):
    proc, _ = piped_run
    for output in (proc.stderr, proc.stdout):
        assert "\r" not in output and "article/s" not in output and "s/article" not in output
        assert not re.search(r"\d+%\|", output)  # tqdm's "40%|████" bar
    assert proc.stderr.strip().splitlines()[-1].startswith("newsfacts: read 3, written 3, failed 0 -> ")


def test_progress_bar_on_a_terminal_shows_done_total_rate_and_eta(source, tmp_path):
    code, terminal = run_cli_on_tty("model=tiny_t5", f"input.path={source}", "batch_articles=1",
                                    "cache.enabled=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert code == 0, terminal[-3000:]
    assert "newsfacts:" in terminal
    assert BAR_DONE.search(terminal), terminal[-3000:]
    # Updated as steps finish (batch_articles=1): intermediate counts are drawn, not only the final one.
    assert re.search(r"\b[12]/3 \[", terminal), terminal[-3000:]
    assert "newsfacts: read 3, written 3, failed 0" in terminal  # the summary line follows the bar


def test_log_file_has_per_stage_timings_matching_the_manifest(piped_run):
    _, run_dir = piped_run
    log = (run_dir / "newsfacts.log").read_text(encoding="utf-8")
    match = re.search(r"\[newsfacts\]\[INFO\] - timings \(s\): (.+)", log)
    assert match, log
    logged = {k: float(v) for k, v in (item.split("=") for item in match.group(1).split(", "))}
    assert {"load_model", "ingest", "summarize", "extract", "validate", "write", "total"} <= set(logged)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for stage, seconds in logged.items():
        assert seconds == pytest.approx(manifest["timings_s"][stage], abs=0.006), stage
    assert logged["extract"] > 0 and logged["total"] >= logged["extract"] + logged["summarize"]
    assert "read 3, written 3, failed 0" in log
