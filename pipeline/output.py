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


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class RunWriter:
    """Appends records and errors to a run dir; `flush()` makes a batch durable."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.facts_dir = self.run_dir / "facts"
        self.facts_dir.mkdir(parents=True, exist_ok=True)
        self._facts: IO[str] = open(self.run_dir / "facts.jsonl", "a", encoding="utf-8")
        self._errors: IO[str] = open(self.run_dir / "errors.jsonl", "a", encoding="utf-8")
        self.written = 0
        self.failed = 0

    def write_record(self, record: FactsRecord) -> None:
        data = record.model_dump(mode="json")
        atomic_write_text(self.facts_dir / safe_filename(record.id), json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        self._facts.write(dumps(data) + "\n")
        self.written += 1

    def write_error(self, error: ErrorRecord) -> None:
        self._errors.write(dumps(error.model_dump(mode="json")) + "\n")
        self.failed += 1

    def flush(self) -> None:
        for fh in (self._facts, self._errors):
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        self.flush()
        self._facts.close()
        self._errors.close()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(run_dir) / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
