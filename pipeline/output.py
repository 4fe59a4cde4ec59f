"""Write stage: facts.jsonl, facts/<safe-id>.json, errors.jsonl and manifest.json in the run dir.

JSONL files get whole lines appended and are fsync'd at batch boundaries; per-article files and the
manifest are written to a temp file and renamed, so a killed run never leaves a half-written file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any

from pipeline.records import ErrorRecord, FactsRecord

_CLEAN_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._]|-(?!-)){0,99}$")
# Names Windows refuses whatever the extension; lower-cased.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_filename(article_id: str) -> str:
    """A file name for an article id: stays inside its folder, is portable, and is unique per id.

    A lower-case, plain id is used as it is (`seed-1.json`); any other id becomes a readable slug plus
    a hash of the full id (`etc-passwd--3f2a9c1b7d.json`), so ids differing only in case or in
    characters we drop still get different files. Clean names never contain "--", hashed ones always do.
    """
    stem = article_id.split(".")[0] if article_id else ""
    if _CLEAN_ID.match(article_id) and stem not in _RESERVED and not article_id.endswith("."):
        return f"{article_id}.json"
    ascii_id = unicodedata.normalize("NFKD", article_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_id.lower()).strip("-")[:60].strip("-") or "id"
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{slug}--{digest}.json"


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only; outputs get the mode a plain open() would give them.
_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder + fsync + rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            if hasattr(os, "fchmod"):  # not on Windows
                os.fchmod(fh.fileno(), _FILE_MODE)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class RunWriter:
    """Appends records and errors to a run dir; `flush()` makes a batch durable.

    Lines are written as bytes, so `offsets()` are exact byte positions: the resume checkpoint stores
    them, and a resumed run truncates each file back to its last committed batch. Opening a file whose
    last line is torn (a run killed mid-write) first cuts the torn tail, so appends always start on a
    line boundary. `written`/`failed` start from the given counts (a resumed run continues them).
    """

    def __init__(self, run_dir: Path, *, written: int = 0, failed: int = 0) -> None:
        self.run_dir = Path(run_dir)
        self.facts_dir = self.run_dir / "facts"
        self.facts_dir.mkdir(parents=True, exist_ok=True)
        self._facts = _open_append(self.run_dir / "facts.jsonl")
        self._errors = _open_append(self.run_dir / "errors.jsonl")
        self.written = written
        self.failed = failed

    def write_record(self, record: FactsRecord) -> None:
        data = record.model_dump(mode="json")
        atomic_write_text(self.facts_dir / safe_filename(record.id), json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        self._facts.write((dumps(data) + "\n").encode("utf-8"))
        self.written += 1

    def write_error(self, error: ErrorRecord) -> None:
        self._errors.write((dumps(error.model_dump(mode="json")) + "\n").encode("utf-8"))
        self.failed += 1

    def flush(self) -> None:
        for fh in (self._facts, self._errors):
            fh.flush()
            os.fsync(fh.fileno())

    def offsets(self) -> tuple[int, int]:
        """Byte sizes of facts.jsonl and errors.jsonl as written so far (call after `flush()`)."""
        return self._facts.tell(), self._errors.tell()

    def close(self) -> None:
        if self._facts.closed:
            return
        self.flush()
        self._facts.close()
        self._errors.close()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_append(path: Path) -> IO[bytes]:
    repair_torn_tail(path)
    return open(path, "ab")


def repair_torn_tail(path: Path) -> int:
    """Cut a JSONL file back to its last newline (a killed writer may leave half a line); bytes removed."""
    if not path.is_file():
        return 0
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        # Scan back in blocks for the last newline; a torn line is at most one record long.
        end, keep = size, 0
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            block = fh.read(end - start)
            idx = block.rfind(b"\n")
            if idx != -1:
                keep = start + idx + 1
                break
            end = start
        if keep < size:
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
        return size - keep


def truncate_to(path: Path, size: int) -> None:
    """Cut a file back to `size` bytes (a resumed run drops lines past its last committed batch)."""
    with open(path, "rb+") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(run_dir) / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
