"""The local runner: stream articles through the configured stages in steps of `batch_articles`.

Memory stays flat with input size: one step's articles are in memory at a time, and each step's
records and errors are written (and fsync'd) before the next is read. Every input ends as exactly one
record or one error line, in input order; the manifest's counts always satisfy read == written + failed.

A step is also the unit of progress: after it is written, `progress.json` records it, so a killed run
continues where it stopped when the same command runs again (`pipeline.resume`). Articles whose result is in
the result cache (`pipeline.cache`) are not computed again, and the model is loaded only when the first
article that needs it comes: a rerun over cached inputs never loads it.
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
from pipeline.cache import CacheSpec, ResultCache, code_fingerprint, stable_hash
from pipeline.config import DecodingSpec, ExtractSpec, ModelSpec, RuntimeSpec, check_stages
from pipeline.extract import Extraction, extract, needs_model
from pipeline.linguistics.parser import ParserSpec, check_parser, load_parser
from pipeline.ingest import check_input, count_inputs, read_articles
from pipeline.output import RunWriter, write_manifest
from pipeline.prompts import PromptSet, load_prompts
from pipeline.records import Article, ErrorRecord, FactsRecord, Provenance
from pipeline.resume import (Checkpoint, ResumeError, ResumeMode, RunDirLock, chain_digest, job_key, open_run_dir,
                             resume_mode)
from pipeline.revise import FaithfulnessSpec, Revised, faithfulness_counts, revise, stage_texts
from pipeline.summarize import SummarySpec, extractive_summaries, summarize_with_prompts
from pipeline.validate import build_record

log = logging.getLogger("newsfacts")
T = TypeVar("T")
#: what a record names as its model when the run asked no model anything (extractive summaries, claims by the
#: parse alone: `summary.mode=extractive extract.rewrite_claims=false extract.ask_speakers=false`)
NO_MODEL = "none (parser rules only)"
PACKAGES = ("newsfacts", "torch", "transformers", "tokenizers", "hydra-core", "omegaconf", "pydantic",
            "pysbd", "datasets", "gguf", "accelerate", "spacy", "llama-cpp-python", "ctranslate2")


@dataclass
class RunSettings:
    """The validated parts of the config the runner needs."""

    stages: list[str]
    model: ModelSpec
    runtime: RuntimeSpec
    decoding: DecodingSpec
    extract: ExtractSpec
    input: dict[str, Any]
    prompt_version: str = "v4"
    batch_articles: int = 16
    report: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "max_articles": 500})
    resume: ResumeMode = "auto"
    cache: CacheSpec = field(default_factory=lambda: CacheSpec())
    parser: ParserSpec = field(default_factory=lambda: ParserSpec())
    faithfulness: FaithfulnessSpec = field(default_factory=lambda: FaithfulnessSpec())
    summary: SummarySpec = field(default_factory=lambda: SummarySpec())

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> RunSettings:
        return cls(stages=check_stages(list(cfg["stages"])), model=ModelSpec(**cfg["model"]),
                   runtime=RuntimeSpec(**cfg.get("runtime", {})), decoding=DecodingSpec(**cfg.get("decoding", {})),
                   extract=ExtractSpec(**cfg.get("extract", {})), input=dict(cfg["input"]),
                   prompt_version=cfg.get("prompt_version", "v4"),
                   batch_articles=_positive_int("batch_articles", cfg.get("batch_articles", 16)),
                   report=dict(cfg.get("report") or {"enabled": False}),
                   resume=resume_mode(cfg.get("resume", "auto")), cache=CacheSpec(**(cfg.get("cache") or {})),
                   parser=ParserSpec(**(cfg.get("parser") or {})),
                   faithfulness=FaithfulnessSpec(**(cfg.get("faithfulness") or {})),
                   summary=SummarySpec(**(cfg.get("summary") or {})))

    @property
    def needs_model(self) -> bool:
        # extraction with extract.rewrite_claims=false and extract.ask_speakers=false is rules over the parse alone
        return self.writes_summaries or ("extract" in self.stages and needs_model(self.extract))

    @property
    def writes_summaries(self) -> bool:
        """The model writes summaries (summarize stage, summary.mode=abstractive)."""
        return "summarize" in self.stages and self.summary.mode == "abstractive"

    def check_parser(self) -> str | None:
        """The parser pipeline's identity when extraction or the faithfulness check needs it; raises
        ParserUnavailableError early."""
        return check_parser(self.parser) if self.needs_parser else None

    @property
    def needs_parser(self) -> bool:
        return "extract" in self.stages or (self.faithfulness.check and self.writes_summaries)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit() \
            or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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
    """Run the configured job into `run_dir`, resuming it if it holds an interrupted run of the same job.

    Config errors (bad settings, missing input, unavailable model, a run dir that cannot be resumed) raise
    before any input is processed. `backend`, when given, is used instead of loading `cfg["model"]`.
    """
    settings = RunSettings.from_config(cfg)
    check_input(settings.input)  # a missing input fails before the model is resolved
    prompts = load_prompts(settings.model.prompts, settings.prompt_version)
    parser_id = settings.check_parser()  # a missing parser pipeline fails before any work, like a missing model
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    revision = None
    if settings.needs_model:
        # Resolving (not loading) the model fails fast when it is unavailable, and gives the revision that
        # keys the cache and the resume check.
        revision = backend.revision if backend is not None else _resolve_revision(settings.model)
    code = code_fingerprint()
    cache = _result_cache(settings, prompts, revision, code, parser_id)
    provenance = Provenance(model_revision=revision, backend=settings.model.backend, prompt_version=prompts.id,
                            decoding=settings.decoding.model_dump())
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with RunDirLock(run_dir):
        checkpoint, resumed = open_run_dir(run_dir, job_key(cfg, revision, code), settings.resume)
        checkpoint.started_at = checkpoint.started_at or started.isoformat()
        previous_total = checkpoint.timings_s.pop("total", 0.0)
        timings: dict[str, float] = defaultdict(float, checkpoint.timings_s)
        for name in ("ingest", *settings.stages):
            timings[name] += 0.0  # every stage is listed, also when the cache made it unnecessary
        models = _LazyBackend(backend, settings, timings)
        max_report = int(settings.report.get("max_articles", 500))
        report_items: list[tuple[Article, FactsRecord]] = []
        skipped = checkpoint.consumed
        base_hits = checkpoint.cache_hits
        with RunWriter(run_dir, written=checkpoint.written, failed=checkpoint.failed) as writer, \
                _progress(skipped, settings.input) as bar:
            items = _timed(read_articles(settings.input), timings, "ingest")
            if skipped:
                report_items = _replay_committed(items, checkpoint, run_dir, settings)
                log.info("resuming %s after %d inputs already done", run_dir, skipped)
            for step in _batched(items, settings.batch_articles):
                outcomes = _process_step(step, models, prompts, settings, provenance, timings, cache)
                t0 = time.perf_counter()
                for outcome in outcomes:
                    if isinstance(outcome, FactsRecord):
                        writer.write_record(outcome)
                    else:
                        writer.write_error(outcome)
                writer.flush()
                timings["write"] += time.perf_counter() - t0
                if settings.report.get("enabled"):
                    articles = {a.id: a for a in step if isinstance(a, Article)}
                    report_items += [(articles[r.id], r) for r in outcomes
                                     if isinstance(r, FactsRecord)][: max(0, max_report - len(report_items))]
                _commit(checkpoint, step, writer, timings, previous_total + time.perf_counter() - clock,
                        base_hits + (cache.hits if cache else 0))
                checkpoint.save(run_dir)
                bar.update(len(step))
        checkpoint.complete = True
        checkpoint.timings_s = {**timings, "total": previous_total + time.perf_counter() - clock}
        checkpoint.save(run_dir)
        manifest = _manifest(settings, cfg, revision, prompts, checkpoint, timings, started, run_dir, parser_id,
                             model_loaded=models.loaded, cache=cache, resumed_after=skipped if resumed else None)
        write_manifest(run_dir, manifest)
        if settings.report.get("enabled"):
            from pipeline.report import write_report

            write_report(run_dir, report_items, manifest, max_articles=max_report)
    log.info("read %d, written %d, failed %d -> %s", checkpoint.consumed, writer.written, writer.failed, run_dir)
    log.info("timings (s): %s", ", ".join(f"{k}={v:.2f}" for k, v in manifest["timings_s"].items()))
    return RunResult(run_dir=run_dir, read=checkpoint.consumed, written=writer.written, failed=writer.failed,
                     manifest=manifest)


class _LazyBackend:
    """The model backend, loaded on first use: a run whose inputs are all cached (or all bad) never loads it."""

    def __init__(self, backend: ModelBackend | None, settings: RunSettings, timings: dict[str, float]) -> None:
        self._backend, self._settings, self._timings = backend, settings, timings
        self.loaded = backend is not None

    def get(self) -> ModelBackend | None:
        if self._backend is None and self._settings.needs_model:
            from pipeline.backends.loading import load_backend

            t0 = time.perf_counter()
            self._backend = load_backend(self._settings.model, self._settings.runtime)
            self._timings["load_model"] += time.perf_counter() - t0
            self.loaded = True
        return self._backend


def _resolve_revision(spec: ModelSpec) -> str | None:
    from pipeline.backends.loading import _resolve

    return _resolve(spec)[1]


def _result_cache(settings: RunSettings, prompts: PromptSet, revision: str | None, code: str,
                  parser_id: str | None) -> ResultCache | None:
    if not (settings.cache.enabled and settings.needs_model):
        return None
    model = settings.model.model_dump()
    model.pop("prompts")  # the prompt family is keyed below, with the templates' text
    context = {
        "model": {**model, "revision": revision},
        "prompts": {"id": prompts.id, "templates_sha256": stable_hash(prompts.templates)},
        "decoding": settings.decoding.model_dump(),
        "extract": settings.extract.model_dump(),
        "faithfulness": settings.faithfulness.model_dump(),
        "summary": settings.summary.model_dump(),
        "stages": settings.stages,
        "device": settings.runtime.device,
        "code": code,
        "parser": parser_id,
    }
    return ResultCache(settings.cache.root(), context)


def _process_step(step: list[Article | ErrorRecord], models: _LazyBackend, prompts: PromptSet,
                  settings: RunSettings, provenance: Provenance, timings: dict[str, float],
                  cache: ResultCache | None) -> list[FactsRecord | ErrorRecord]:
    """One outcome per input of the step, in input order: ingest errors as they are, cached records from
    the cache, the rest computed together as one batch."""
    outcomes: list[FactsRecord | ErrorRecord | None] = [None] * len(step)
    todo: list[int] = []
    for i, item in enumerate(step):
        if isinstance(item, ErrorRecord):
            outcomes[i] = item
        elif cache is not None and (hit := cache.get(item)) is not None:
            outcomes[i] = hit
        else:
            todo.append(i)
    if todo:
        articles = [step[i] for i in todo]
        backend = models.get()
        done = process_articles(articles, backend, prompts, settings, provenance, timings)  # type: ignore[arg-type]
        for i, article, outcome in zip(todo, articles, done, strict=True):
            outcomes[i] = outcome
            if cache is not None and isinstance(outcome, FactsRecord):
                cache.put(article, outcome)  # type: ignore[arg-type]
    return outcomes  # type: ignore[return-value]


def _replay_committed(items: Iterator[Article | ErrorRecord], checkpoint: Checkpoint, run_dir: Path,
                      settings: RunSettings) -> list[tuple[Article, FactsRecord]]:
    """Consume the inputs a previous segment finished, check they are the same inputs, and rebuild the
    report's first articles from facts.jsonl (the report needs each record's article text)."""
    max_report = int(settings.report.get("max_articles", 500)) if settings.report.get("enabled") else 0
    records = _first_records(run_dir / "facts.jsonl", max_report)
    wanted = {r.id for r in records}
    articles: dict[str, Article] = {}
    digest, seen = "", 0
    for item in itertools.islice(items, checkpoint.consumed):
        digest = chain_digest(digest, item)
        seen += 1
        if isinstance(item, Article) and item.id in wanted:
            articles[item.id] = item
    if seen < checkpoint.consumed or digest != checkpoint.inputs_digest:
        raise ResumeError(f"the input changed since the interrupted run in {run_dir} (its first {checkpoint.consumed} "
                          "records differ); use resume=false to start this run dir over, or a new hydra.run.dir")
    return [(articles[r.id], r) for r in records if r.id in articles]


def _first_records(path: Path, n: int) -> list[FactsRecord]:
    out: list[FactsRecord] = []
    if n <= 0 or not path.is_file():
        return out
    with path.open("rb") as fh:
        for line in fh:
            if len(out) >= n:
                break
            out.append(FactsRecord.model_validate_json(line))
    return out


def _commit(checkpoint: Checkpoint, step: list[Article | ErrorRecord], writer: RunWriter,
            timings: dict[str, float], total_s: float, cache_hits: int) -> None:
    for item in step:
        checkpoint.inputs_digest = chain_digest(checkpoint.inputs_digest, item)
    checkpoint.consumed += len(step)
    checkpoint.facts_bytes, checkpoint.errors_bytes = writer.offsets()
    checkpoint.written, checkpoint.failed = writer.written, writer.failed
    checkpoint.timings_s = {**timings, "total": total_s}
    checkpoint.cache_hits = cache_hits


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
    summary_prompts: list[str | None] = [None] * len(articles)
    summary_origin = None
    extractions: list[Extraction | None] = [None] * len(articles)
    revised: list[Revised | None] = [None] * len(articles)
    # extraction first: the summary prompt may name who disputes what (prompts v4's $plan)
    if "extract" in settings.stages:
        with _stage("extract", timings):
            nlp = load_parser(settings.parser.pipeline)
            extractions = list(extract(articles, backend, prompts, settings.extract, settings.decoding, nlp))
    if settings.writes_summaries:
        with _stage("summarize", timings):
            claims = [e.claims if e is not None else [] for e in extractions]
            summaries, summary_prompts = summarize_with_prompts(articles, backend, prompts,  # type: ignore[assignment]
                                                                settings.decoding.max_summary_tokens, claims)
            summary_origin = "generated"
    elif "summarize" in settings.stages:
        with _stage("summarize", timings):
            summaries, summary_origin = extractive_summaries(articles), "extractive"
    if settings.faithfulness.check and settings.needs_parser:
        with _stage("faithfulness", timings):
            summary_texts, claim_texts = stage_texts(summaries, summary_prompts, extractions, summary_origin)
            revised = list(revise(articles, summary_texts, claim_texts, backend, settings.faithfulness,
                                  load_parser(settings.parser.pipeline), settings.decoding.max_summary_tokens,
                                  settings.decoding.max_claim_tokens))
    with _stage("validate", timings):
        # (a run that asks the model nothing says so, rather than naming the configured model it never used)
        model = settings.model.name if settings.needs_model else NO_MODEL
        return [build_record(a, s, e, model=model, provenance=provenance, revised=r,
                             summary_origin=summary_origin if s else None)
                for a, s, e, r in zip(articles, summaries, extractions, revised)]


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


def _progress(done: int = 0, source: dict[str, Any] | None = None):
    from tqdm import tqdm

    # Shown on stderr only when it is a terminal: logs and CI output stay clean. The total (for done/total
    # and the ETA) costs a pass over the input, so it is counted only when the bar is shown.
    shown = sys.stderr.isatty()
    total = count_inputs(source) if shown and source is not None else None
    return tqdm(unit="article", desc="newsfacts", file=sys.stderr, disable=not shown, dynamic_ncols=True,
                initial=done, total=total)


def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _manifest(settings: RunSettings, cfg: dict[str, Any], revision: str | None, prompts: PromptSet,
              checkpoint: Checkpoint, timings: dict[str, float], started: datetime, run_dir: Path,
              parser_id: str | None, *,
              model_loaded: bool, cache: ResultCache | None, resumed_after: int | None) -> dict[str, Any]:
    finished = datetime.now(timezone.utc)
    timings_s = {k: round(v, 4) for k, v in checkpoint.timings_s.items()}
    read = checkpoint.consumed
    return {
        "counts": {"read": read, "written": checkpoint.written, "failed": checkpoint.failed},
        "model": {"name": settings.model.name, "path": settings.model.path, "source": settings.model.source,
                  "backend": settings.model.backend, "revision": revision, "loaded": model_loaded,
                  "used": settings.needs_model},
        "prompt_versions": {"prompts": prompts.id, "templates": sorted(prompts.templates)},
        "parser": parser_id,
        "stages": settings.stages,
        "timings_s": timings_s,
        "docs_per_s": round(read / timings_s["total"], 4) if timings_s.get("total") else None,
        # Summed over every segment of a resumed run; hits are records this run took from the cache.
        "cache": {**(cache.summary() if cache else {"enabled": False}), "hits": checkpoint.cache_hits},
        # where the records' summaries and claims come from (generated / regenerated / extractive), from facts.jsonl
        "faithfulness": {**settings.faithfulness.model_dump(), **faithfulness_counts(run_dir / "facts.jsonl")},
        "resume": {"segments": checkpoint.segments, "resumed_after_inputs": resumed_after},
        "packages": _package_versions(),
        "python": sys.version.split()[0],
        "config": cfg,
        "run_dir": str(run_dir),
        "started_at": checkpoint.started_at or started.isoformat(),
        "finished_at": finished.isoformat(),
    }
