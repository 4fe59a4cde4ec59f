"""The local runner: stream articles through the configured stages in steps of `batch_articles`.

Memory stays flat with input size: one step's articles are in memory at a time, and each step's
records and errors are written (and fsync'd) before the next is read. Every input ends as exactly one
record or one error line; the manifest's counts always satisfy read == written + failed.
"""
from __future__ import annotations

import itertools
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from pipeline.backends.base import ModelBackend
from pipeline.config import DecodingSpec, ExtractSpec, ModelSpec, RuntimeSpec, check_stages
from pipeline.extract import Extraction, extract
from pipeline.ingest import check_input, read_articles
from pipeline.output import RunWriter, write_manifest
from pipeline.prompts import PromptSet, load_prompts
from pipeline.records import Article, ErrorRecord, FactsRecord, Provenance
from pipeline.summarize import summarize
from pipeline.validate import build_record

log = logging.getLogger("newsfacts")
T = TypeVar("T")
PACKAGES = ("newsfacts", "torch", "transformers", "tokenizers", "hydra-core", "omegaconf", "pydantic",
            "pysbd", "datasets", "gguf", "accelerate")


@dataclass
class RunSettings:
    """The validated parts of the config the runner needs."""

    stages: list[str]
    model: ModelSpec
    runtime: RuntimeSpec
    decoding: DecodingSpec
    extract: ExtractSpec
    input: dict[str, Any]
    prompt_version: str = "v1"
    batch_articles: int = 16
    report: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "max_articles": 500})

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> RunSettings:
        return cls(stages=check_stages(list(cfg["stages"])), model=ModelSpec(**cfg["model"]),
                   runtime=RuntimeSpec(**cfg.get("runtime", {})), decoding=DecodingSpec(**cfg.get("decoding", {})),
                   extract=ExtractSpec(**cfg.get("extract", {})), input=dict(cfg["input"]),
                   prompt_version=cfg.get("prompt_version", "v1"), batch_articles=int(cfg.get("batch_articles", 16)),
                   report=dict(cfg.get("report") or {"enabled": False}))


@dataclass
class RunResult:
    run_dir: Path
    read: int
    written: int
    failed: int
    manifest: dict[str, Any]


class StageError(RuntimeError):
    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.stage = stage


def run_pipeline(cfg: dict[str, Any], run_dir: Path, backend: ModelBackend | None = None) -> RunResult:
    settings = RunSettings.from_config(cfg)
    check_input(settings.input)  # a missing input fails before the model is loaded
    prompts = load_prompts(settings.model.prompts, settings.prompt_version)
    timings: dict[str, float] = defaultdict(float)
    started = datetime.now(timezone.utc)
    needs_model = bool({"summarize", "extract"} & set(settings.stages))
    if backend is None and needs_model:
        from pipeline.backends.loading import load_backend

        t0 = time.perf_counter()
        backend = load_backend(settings.model, settings.runtime)
        timings["load_model"] = time.perf_counter() - t0
    report_items: list[tuple[Article, FactsRecord]] = []
    max_report = int(settings.report.get("max_articles", 500))
    provenance = Provenance(model_revision=getattr(backend, "revision", None),
                            backend=settings.model.backend, prompt_version=prompts.id,
                            decoding=settings.decoding.model_dump())
    read = 0
    run_dir.mkdir(parents=True, exist_ok=True)
    with RunWriter(run_dir) as writer, _progress() as bar:
        for step in _batched(_timed(read_articles(settings.input), timings, "ingest"), settings.batch_articles):
            read += len(step)
            articles = [a for a in step if isinstance(a, Article)]
            for item in step:
                if isinstance(item, ErrorRecord):
                    writer.write_error(item)
            for article, outcome in zip(articles, process_articles(articles, backend, prompts, settings, provenance, timings)):
                t0 = time.perf_counter()
                if isinstance(outcome, FactsRecord):
                    writer.write_record(outcome)
                    if settings.report.get("enabled") and len(report_items) < max_report:
                        report_items.append((article, outcome))
                else:
                    writer.write_error(outcome)
                timings["write"] += time.perf_counter() - t0
            writer.flush()
            bar.update(len(step))
    manifest = _manifest(settings, cfg, backend, prompts, read, writer, timings, started, run_dir)
    write_manifest(run_dir, manifest)
    if settings.report.get("enabled"):
        from pipeline.report import write_report

        write_report(run_dir, report_items, manifest, max_articles=max_report)
    log.info("read %d, written %d, failed %d -> %s", read, writer.written, writer.failed, run_dir)
    log.info("timings (s): %s", ", ".join(f"{k}={v:.2f}" for k, v in manifest["timings_s"].items()))
    return RunResult(run_dir=run_dir, read=read, written=writer.written, failed=writer.failed, manifest=manifest)


def process_articles(articles: list[Article], backend: ModelBackend | None, prompts: PromptSet,
                     settings: RunSettings, provenance: Provenance,
                     timings: dict[str, float]) -> list[FactsRecord | ErrorRecord]:
    """Records for one step; if the batched call fails, retry article by article so one bad input
    costs one error line, not the whole step."""
    if not articles:
        return []
    try:
        return _process_batch(articles, backend, prompts, settings, provenance, timings)
    except StageError as exc:
        if len(articles) == 1:
            a = articles[0]
            return [ErrorRecord(id=a.id, line=a.line, stage=exc.stage, error=str(exc))]
        log.warning("step of %d articles failed in %s (%s); retrying one by one", len(articles), exc.stage, exc)
        return [r for a in articles for r in process_articles([a], backend, prompts, settings, provenance, timings)]


def _process_batch(articles: list[Article], backend: ModelBackend | None, prompts: PromptSet,
                   settings: RunSettings, provenance: Provenance,
                   timings: dict[str, float]) -> list[FactsRecord | ErrorRecord]:
    summaries = [""] * len(articles)
    extractions: list[Extraction | None] = [None] * len(articles)
    if "summarize" in settings.stages:
        with _stage("summarize", timings):
            summaries = summarize(articles, backend, prompts, settings.decoding.max_summary_tokens)
    if "extract" in settings.stages:
        with _stage("extract", timings):
            extractions = list(extract(articles, backend, prompts, settings.extract, settings.decoding))
    with _stage("validate", timings):
        return [build_record(a, s, e, model=settings.model.name, provenance=provenance)
                for a, s, e in zip(articles, summaries, extractions)]


class _stage:
    """Time a stage and tag any failure inside it with the stage's name."""

    def __init__(self, name: str, timings: dict[str, float]) -> None:
        self.name, self.timings = name, timings

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.timings[self.name] = self.timings.get(self.name, 0.0) + time.perf_counter() - self.t0
        if exc is not None and not isinstance(exc, (StageError, KeyboardInterrupt, SystemExit, MemoryError)):
            raise StageError(self.name, exc) from exc
        return False


def _timed(items: Iterable[T], timings: dict[str, float], name: str) -> Iterator[T]:
    iterator = iter(items)
    while True:
        t0 = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            timings[name] += time.perf_counter() - t0
            return
        timings[name] += time.perf_counter() - t0
        yield item


def _batched(items: Iterable[T], n: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, max(1, n))):
        yield chunk


def _progress():
    from tqdm import tqdm

    # Shown on stderr only when it is a terminal: logs and CI output stay clean.
    return tqdm(unit="article", desc="newsfacts", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)


def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _manifest(settings: RunSettings, cfg: dict[str, Any], backend: ModelBackend | None, prompts: PromptSet,
              read: int, writer: RunWriter, timings: dict[str, float], started: datetime,
              run_dir: Path) -> dict[str, Any]:
    finished = datetime.now(timezone.utc)
    timings_s = {k: round(v, 4) for k, v in timings.items()}
    timings_s["total"] = round((finished - started).total_seconds(), 4)
    return {
        "counts": {"read": read, "written": writer.written, "failed": writer.failed},
        "model": {"name": settings.model.name, "path": settings.model.path, "source": settings.model.source,
                  "backend": settings.model.backend, "revision": getattr(backend, "revision", None)},
        "prompt_versions": {"prompts": prompts.id, "templates": sorted(prompts.templates)},
        "stages": settings.stages,
        "timings_s": timings_s,
        "docs_per_s": round(read / timings_s["total"], 4) if timings_s["total"] > 0 else None,
        "packages": _package_versions(),
        "python": sys.version.split()[0],
        "config": cfg,
        "run_dir": str(run_dir),
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
    }
