"""Result cache: a finished article is never computed twice for the same inputs, across run dirs.

An entry is keyed by everything that decides a record's content:

- the article: sha256 of its text, and its title (the title is shown to the model);
- the model: name, backend, source, path, resolved revision (commit hash or content hash), dtype, input limit;
- the prompts: family/version *and* a hash of the template text (an edited template is a new key);
- the decoding and extract settings, the stages that ran, the configured device;
- the code: a hash of the `pipeline` package source and the torch/transformers/tokenizers versions, so a
  cached record is always the one this exact code would compute.

Changing any of these misses the cache and recomputes. The id is not part of the key: the same text under
another id is a hit, and the record is re-labelled with the new id (and that input's own ingest warnings).

Storage: one JSON file per entry, `<root>/<key[:2]>/<key>.json`, root `cache.dir` or `$NEWSFACTS_CACHE/results`
or `~/.cache/newsfacts/results`. Entries are written to a temp file, fsync'd and renamed, so concurrent runs
never see half an entry (two runs writing one key write the same bytes, and the last rename wins). An entry
that does not parse as a record anyway (a damaged disk, a hand edit) is a miss and is rewritten: the cache
can lose work but never hand out a broken record.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.output import atomic_write_text
from pipeline.records import Article, FactsRecord

log = logging.getLogger("newsfacts")
CACHE_FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent


class CacheSpec(BaseModel):
    """`cache:` in the config."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    dir: str | None = Field(None, description="null: $NEWSFACTS_CACHE/results, else ~/.cache/newsfacts/results")

    def root(self) -> Path:
        return Path(self.dir).expanduser() if self.dir else default_cache_dir()


def default_cache_dir() -> Path:
    """`$NEWSFACTS_CACHE/results` when that is set, else `~/.cache/newsfacts/results`."""
    return newsfacts_cache("results")


def newsfacts_cache(part: str) -> Path:
    """`$NEWSFACTS_CACHE/<part>` when that is set, else `~/.cache/newsfacts/<part>`: where results, converted
    models and tokenizers are kept."""
    root = os.environ.get("NEWSFACTS_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "newsfacts") / part


# Modules that only drive a run or present its results: editing them cannot change a record. Any other
# module (a new one included) is part of the fingerprint.
NOT_RECORD_CODE = frozenset({"__main__.py", "api.py", "evaluate.py", "report.py", "ray_runner.py", "schema.py"})


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the package's Python source and of the libraries that compute the numbers."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if path.parent == PACKAGE_DIR and path.name in NOT_RECORD_CODE:
            continue
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for name in ("torch", "transformers", "tokenizers"):
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}==none".encode())
    return digest.hexdigest()[:24]


def stable_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class ResultCache:
    """Get and put FactsRecords by article; `context` holds every non-article key part (see module doc)."""

    def __init__(self, root: Path, context: Mapping[str, Any]) -> None:
        self.root = Path(root).expanduser()
        self.context = dict(context)
        self.context_key = stable_hash({"format": CACHE_FORMAT, **self.context})
        self.hits = 0
        self.misses = 0

    def key(self, article: Article) -> str:
        text_sha = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        return stable_hash({"context": self.context_key, "text_sha256": text_sha, "title": article.title})

    def path(self, article: Article) -> Path:
        key = self.key(article)
        return self.root / key[:2] / f"{key}.json"

    def get(self, article: Article) -> FactsRecord | None:
        path = self.path(article)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            data = dict(entry["record"])
            # The stored record is id-free and holds only warnings the stages added; this input's own
            # ingest warnings come first, exactly as `build_record` orders them.
            data.update(id=article.id, title=article.title, warnings=[*article.warnings, *entry["stage_warnings"]])
            record = FactsRecord.model_validate(data)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("ignoring unreadable cache entry %s (%s)", path, type(exc).__name__)
            self.misses += 1
            return None
        self.hits += 1
        return record

    def put(self, article: Article, record: FactsRecord) -> None:
        data = record.model_dump(mode="json")
        warnings = data.pop("warnings")
        n_ingest = len(article.warnings)
        if warnings[:n_ingest] != list(article.warnings):
            return  # not built from this article as `build_record` does: do not guess, do not cache
        data.pop("id")
        entry = {"format": CACHE_FORMAT, "record": data, "stage_warnings": warnings[n_ingest:]}
        try:
            atomic_write_text(self.path(article), json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
        except OSError as exc:  # a full or read-only cache must not fail the run
            log.warning("cannot write cache entry for %r: %s", article.id, exc)

    def summary(self) -> dict[str, Any]:
        return {"enabled": True, "dir": str(self.root), "hits": self.hits, "context_key": self.context_key[:16]}
