"""Resume: a run killed at any moment continues where it stopped when the same command runs again.

The unit of progress is one step of `batch_articles` inputs. After a step's lines are written and fsync'd,
`progress.json` (written atomically) records how many inputs are done, the byte length of facts.jsonl and
errors.jsonl at that point, the counts and a chained hash of the inputs done so far. A run in a dir that
holds a `progress.json` of the same job:

1. cuts facts.jsonl and errors.jsonl back to the recorded lengths: lines of a step that was not committed
   (including a torn last line) go, so no input is ever written twice;
2. re-reads the inputs already done (ingest only, no model) and checks their hash, so a changed input file
   is refused instead of silently mixed;
3. continues with the next input, in steps on the same boundaries as an uninterrupted run. Each step's
   batch is therefore the same batch, and greedy decoding makes the same output: the final facts.jsonl is
   byte-for-byte that of an uninterrupted run.

"Same job" means the same config except for settings that do not change records (`report`, `resume`,
`cache`, `fail_on_errors`), the same resolved model revision and the same code (see `cache.code_fingerprint`).
Per-article files need no repair: they are written atomically and a re-done step rewrites them.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.cache import stable_hash
from pipeline.output import atomic_write_text, truncate_to
from pipeline.records import Article, ErrorRecord

CHECKPOINT_NAME = "progress.json"
CHECKPOINT_FORMAT = 1
LOCK_NAME = ".newsfacts.lock"
# Config keys that do not change any record: a run may be resumed with different values for these.
NON_OUTPUT_KEYS = frozenset({"report", "resume", "cache", "fail_on_errors", "hydra"})
# What a run writes into its run dir (Hydra's .hydra/ and newsfacts.log are Hydra's, and left alone).
RUN_OUTPUTS = ("facts.jsonl", "errors.jsonl", "manifest.json", "report.html", CHECKPOINT_NAME)

ResumeMode = Literal["auto", "true", "false"]


class ResumeError(ValueError):
    """The run dir cannot be used as asked (another job's outputs, a changed input, a dir in use)."""


def resume_mode(value: Any) -> ResumeMode:
    """`resume` from the config: auto (default), true (must resume) or false (start over)."""
    text = str(value).strip().lower() if value is not None else "auto"
    if text in {"auto", "true", "false"}:
        return text  # type: ignore[return-value]
    raise ResumeError(f"resume must be auto, true or false, got {value!r}")


def job_key(cfg: Mapping[str, Any], model_revision: str | None, code: str) -> str:
    """What must match for a run dir to be resumed: output-relevant config, model revision, code."""
    relevant = {k: v for k, v in cfg.items() if k not in NON_OUTPUT_KEYS}
    return stable_hash({"config": relevant, "model_revision": model_revision, "code": code})


def chain_digest(previous: str, item: Article | ErrorRecord) -> str:
    """Hash of the inputs so far, extended by one; a resumed run recomputes it to detect a changed input."""
    if isinstance(item, Article):
        text_sha = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        fields = ["article", item.line, item.id, item.title, text_sha]
    else:
        fields = ["error", item.line, item.id, item.error]
    return hashlib.sha256((previous + json.dumps(fields, ensure_ascii=False)).encode("utf-8")).hexdigest()


@dataclass
class Checkpoint:
    job_key: str
    consumed: int = 0  # inputs (articles and ingest errors) whose outcome is committed
    facts_bytes: int = 0
    errors_bytes: int = 0
    written: int = 0
    failed: int = 0
    inputs_digest: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)  # summed over all segments
    cache_hits: int = 0
    segments: int = 1  # runs that have worked on this run dir
    started_at: str | None = None
    complete: bool = False
    format: int = CHECKPOINT_FORMAT

    def save(self, run_dir: Path) -> None:
        atomic_write_text(Path(run_dir) / CHECKPOINT_NAME, json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> Checkpoint:
        path = Path(run_dir) / CHECKPOINT_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise ResumeError(f"cannot read {path} ({exc}); use resume=false to start this run dir over") from None


def open_run_dir(run_dir: Path, key: str, mode: ResumeMode) -> tuple[Checkpoint, bool]:
    """The checkpoint to continue from (and whether it is a resume), with the JSONL files cut back to it.

    Raises ResumeError, before anything is changed, when the run dir holds another job's outputs or
    outputs without a checkpoint (`resume=false` starts over), or when `resume=true` finds nothing to resume.
    """
    run_dir = Path(run_dir)
    if mode == "false":
        clear_run_outputs(run_dir)
    elif (run_dir / CHECKPOINT_NAME).is_file():
        checkpoint = Checkpoint.load(run_dir)
        if checkpoint.job_key != key:
            raise ResumeError(
                f"run dir {run_dir} holds a run of a different job (config, model revision or code changed); "
                "use a new hydra.run.dir, or resume=false to start this one over")
        for name, committed in (("facts.jsonl", checkpoint.facts_bytes), ("errors.jsonl", checkpoint.errors_bytes)):
            path = run_dir / name
            size = path.stat().st_size if path.is_file() else 0
            if size < committed:
                raise ResumeError(f"{path} is shorter ({size} bytes) than its checkpoint ({committed} bytes): it was "
                                  "changed outside newsfacts; use resume=false to start this run dir over")
            if size > committed:
                truncate_to(path, committed)
        checkpoint.segments += 1
        checkpoint.complete = False
        checkpoint.save(run_dir)
        return checkpoint, True
    elif mode == "true":
        raise ResumeError(f"resume=true but {run_dir} holds no interrupted run ({CHECKPOINT_NAME} is missing)")
    elif _has_outputs(run_dir):
        raise ResumeError(f"run dir {run_dir} holds outputs without a {CHECKPOINT_NAME}; use a new hydra.run.dir, "
                          "or resume=false to replace them")
    checkpoint = Checkpoint(job_key=key)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.save(run_dir)  # before any output exists: every run dir with outputs has a checkpoint
    return checkpoint, False


def clear_run_outputs(run_dir: Path) -> None:
    """Delete what a previous run wrote here (only our files; Hydra's and the user's stay)."""
    for name in RUN_OUTPUTS:
        (run_dir / name).unlink(missing_ok=True)
    facts_dir = run_dir / "facts"
    if facts_dir.is_dir():
        for path in facts_dir.iterdir():
            if path.is_file() and (path.suffix == ".json" or path.name.endswith(".tmp")):
                path.unlink()


def _has_outputs(run_dir: Path) -> bool:
    for name in ("facts.jsonl", "errors.jsonl"):
        path = run_dir / name
        if path.is_file() and path.stat().st_size > 0:
            return True
    return (run_dir / "manifest.json").is_file()


class RunDirLock:
    """One process per run dir: a second run of the same command fails at once instead of interleaving lines.

    An advisory `flock`, released by the kernel when the process dies (kill -9 included), so it never goes
    stale. On platforms without fcntl (Windows) there is no lock.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fh = None

    def __enter__(self) -> RunDirLock:
        try:
            import fcntl
        except ImportError:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise ResumeError(f"run dir {self.path.parent} is in use by another newsfacts process (pid {holder}); "
                              "wait for it to finish or use another hydra.run.dir") from None
        fh.truncate(0)
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            import fcntl

            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
