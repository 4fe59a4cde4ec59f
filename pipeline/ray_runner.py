"""The Ray Data runner (`runner=ray`): the local runner's stages on a pool of Ray actors.

    python -m pipeline runner=ray runner.num_workers=4 input.path=articles.jsonl

Division of work, chosen so the output files are exactly the local runner's:
- driver: ingest (`pipeline.ingest.read_articles`, so line numbers, per-line errors and the duplicate-id
  rule are the same), staging of articles into Ray's object store, writing (`pipeline.output.RunWriter`) in
  input order, manifest and report;
- actors (`ray.data.Dataset.map_batches` with an actor pool): one model each, loaded once per pass in
  `__init__`, then `pipeline.runner.process_articles` on each batch (summarize, extract, validate).

Input is taken in windows of `runner.window_articles`, one Ray Data pass each, so the driver's memory and the
object store stay bounded however long the input; actors (and their models) are re-created per window.
Timings of model stages in the manifest are summed over actors (worker-seconds), not wall time.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.ingest import check_input, read_articles
from pipeline.output import RunWriter, write_manifest
from pipeline.prompts import load_prompts
from pipeline.records import Article, ErrorRecord, FactsRecord
from pipeline.revise import faithfulness_counts
from pipeline.runner import PACKAGES, RunResult, RunSettings

log = logging.getLogger("newsfacts")

# Environment that decides where models come from: a worker must see what the driver sees.
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "NEWSFACTS_CACHE",
                 "TOKENIZERS_PARALLELISM")


@dataclass
class RaySettings:
    """`conf/runner/ray.yaml`, checked."""

    address: str | None = None
    local_num_cpus: int | None = None
    num_workers: int = 1
    num_cpus_per_worker: float = 1
    num_gpus: float = 0
    batch_size: int = 16
    window_articles: int = 100_000
    check_model: bool = True
    runtime_env: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> RaySettings:
        runner = dict(cfg.get("runner") or {})
        runner.pop("kind", None)
        unknown = set(runner) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown runner.* keys for runner=ray: {', '.join(sorted(unknown))}")
        settings = cls(**{k: v for k, v in runner.items() if v is not None or k in ("address", "local_num_cpus")})
        for name in ("num_workers", "batch_size", "window_articles"):
            if int(getattr(settings, name)) < 1:
                raise ValueError(f"runner.{name} must be >= 1")
        if settings.num_cpus_per_worker < 0 or settings.num_gpus < 0:
            raise ValueError("runner.num_cpus_per_worker and runner.num_gpus must be >= 0")
        settings.runtime_env = dict(settings.runtime_env or {})
        return settings


class ArticleProcessor:
    """Ray Data actor: loads the model once, then turns batches of staged articles into outcomes.

    A batch is a pyarrow table with columns `index` (position in the window) and `article` (Article JSON);
    the result has one row per input row: `index`, `kind` ("record" | "error"), `outcome` (record JSON),
    `article` (the article JSON again, only for the first `report_rows` of a window, for the HTML report)
    and `meta` (stage timings and model revision as JSON, on a batch's first row only, else "").
    """

    def __init__(self, cfg: dict[str, Any], report_rows: int) -> None:
        from pipeline.records import Provenance

        t0 = time.perf_counter()
        self.settings = RunSettings.from_config(cfg)
        self.prompts = load_prompts(self.settings.model.prompts, self.settings.prompt_version)
        self.backend = None
        if {"summarize", "extract"} & set(self.settings.stages):
            from pipeline.backends.loading import load_backend

            self.backend = load_backend(self.settings.model, self.settings.runtime)
        self.revision = getattr(self.backend, "revision", None)
        self.provenance = Provenance(model_revision=self.revision, backend=self.settings.model.backend,
                                     prompt_version=self.prompts.id, decoding=self.settings.decoding.model_dump())
        self.report_rows = report_rows
        # Reported once per actor, with its first batch.
        self.pending_timings: dict[str, float] = {"load_model": time.perf_counter() - t0}
        self.model_loads = 1

    def __call__(self, batch):
        import pyarrow as pa

        from pipeline.runner import process_articles

        indices = batch.column("index").to_pylist()
        articles = [Article.model_validate_json(a) for a in batch.column("article").to_pylist()]
        timings: dict[str, float] = defaultdict(float, self.pending_timings)
        self.pending_timings = {}
        outcomes = process_articles(articles, self.backend, self.prompts, self.settings, self.provenance, timings)
        meta = json.dumps({"timings": dict(timings), "revision": self.revision, "model_loads": self.model_loads})
        self.model_loads = 0
        return pa.table({
            "index": pa.array(indices, pa.int64()),
            "kind": ["record" if isinstance(o, FactsRecord) else "error" for o in outcomes],
            "outcome": [o.model_dump_json() for o in outcomes],
            "article": [a.model_dump_json() if i < self.report_rows else "" for i, a in zip(indices, articles)],
            "meta": [meta if n == 0 else "" for n in range(len(outcomes))],
        })


def run_pipeline_ray(cfg: dict[str, Any], run_dir: Path) -> RunResult:
    """Same contract as `pipeline.runner.run_pipeline`: the same files in `run_dir`, the same counts.

    Unlike the local runner it neither resumes an interrupted run nor uses the result cache: give each run
    a fresh run dir (one that already holds output is refused).
    """
    settings = RunSettings.from_config(cfg)
    ray_settings = RaySettings.from_config(cfg)
    check_input(settings.input)  # config errors fail before a Ray instance is started
    if ray_settings.num_gpus and settings.runtime.device == "cpu":
        log.warning("runner.num_gpus=%s reserves GPUs but runtime.device=cpu runs on CPU; "
                    "set runtime.device=cuda (or auto)", ray_settings.num_gpus)
    prompts = load_prompts(settings.model.prompts, settings.prompt_version)
    revision: list[str | None] = [None]
    if ray_settings.check_model and {"summarize", "extract"} & set(settings.stages):
        # Resolving (not loading) the model here makes an unavailable model a config error in seconds,
        # instead of a dead actor after a Ray start; the workers resolve the same spec the same way.
        from pipeline.backends.loading import _resolve

        revision[0] = _resolve(settings.model)[1]
    run_dir = Path(run_dir)
    if any((run_dir / name).is_file() and (run_dir / name).stat().st_size for name in ("facts.jsonl", "errors.jsonl")):
        raise ValueError(f"{run_dir} already holds a run's output and runner=ray does not resume; "
                         "use a new hydra.run.dir")
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ValueError('runner=ray needs Ray Data: pip install "ray[data]"') from exc

    timings: dict[str, float] = defaultdict(float)
    for name in ("ingest", *settings.stages):
        timings[name] += 0.0  # every stage is listed, as in the local runner's manifest
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    started_ray = _init_ray(ray, ray_settings)
    timings["ray_init"] = time.perf_counter() - clock
    report_enabled = bool(settings.report.get("enabled"))
    max_report = int(settings.report.get("max_articles", 500))
    report_items: list[tuple[Article, FactsRecord]] = []
    counters: dict[str, int] = {"batches": 0, "model_loads": 0}  # loads once per actor, not per batch
    read = 0
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        with RunWriter(run_dir) as writer, _progress_bar() as bar:
            ingested = _timed(read_articles(settings.input), timings, "ingest")
            while window := list(itertools.islice(ingested, ray_settings.window_articles)):
                read += len(window)
                if len(window) < ray_settings.window_articles and bar.total is None:
                    bar.total = read  # the input ended inside this window: now the total is known
                articles = [a for a in window if isinstance(a, Article)]
                report_rows = max(0, max_report - len(report_items)) if report_enabled else 0
                results = _run_window(ray, cfg, ray_settings, articles, report_rows, timings, revision, counters)
                # Outcomes go out in input order, ingest errors in their place among them.
                for n, item in enumerate(window, start=1):
                    if isinstance(item, ErrorRecord):
                        writer.write_error(item)
                    else:
                        row = next(results, None)
                        if row is None:
                            raise RuntimeError(f"ray returned fewer results than the {len(articles)} articles sent")
                        kind, outcome, article_json = row
                        w0 = time.perf_counter()
                        if kind == "record":
                            record = FactsRecord.model_validate_json(outcome)
                            writer.write_record(record)
                            if article_json and len(report_items) < max_report:
                                report_items.append((Article.model_validate_json(article_json), record))
                        else:
                            writer.write_error(ErrorRecord.model_validate_json(outcome))
                        timings["write"] += time.perf_counter() - w0
                    if n % settings.batch_articles == 0:
                        writer.flush()  # durable in steps of batch_articles, as with the local runner
                    bar.update(1)
                if next(results, None) is not None:
                    raise RuntimeError("ray returned more results than articles in the window")
                writer.flush()
    finally:
        if started_ray:
            ray.shutdown()
    timings["total"] = time.perf_counter() - clock
    manifest = _manifest(settings, ray_settings, cfg, revision[0], prompts, read, writer, timings, started, run_dir,
                         counters)
    write_manifest(run_dir, manifest)
    if report_enabled:
        from pipeline.report import write_report

        write_report(run_dir, report_items, manifest, max_articles=max_report)
    log.info("read %d, written %d, failed %d -> %s", read, writer.written, writer.failed, run_dir)
    log.info("timings (s): %s", ", ".join(f"{k}={v:.2f}" for k, v in manifest["timings_s"].items()))
    return RunResult(run_dir=run_dir, read=read, written=writer.written, failed=writer.failed, manifest=manifest)


def _timed(items: Iterator[Any], timings: dict[str, float], name: str) -> Iterator[Any]:
    """`items`, adding the time spent producing each one to timings[name]."""
    while True:
        t0 = time.perf_counter()
        item = next(items, _END)
        timings[name] += time.perf_counter() - t0
        if item is _END:
            return
        yield item


_END = object()


def _progress_bar():
    from tqdm import tqdm

    # On stderr, and only when it is a terminal: logs and CI output stay clean.
    return tqdm(unit="article", desc="newsfacts", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)


def _manifest(settings: RunSettings, ray_settings: RaySettings, cfg: dict[str, Any], revision: str | None,
              prompts, read: int, writer: RunWriter, timings: dict[str, float], started: datetime,
              run_dir: Path, counters: dict[str, int]) -> dict[str, Any]:
    """The local runner's manifest fields, plus `runner` (how the work was spread)."""
    import ray

    timings_s = {k: round(v, 4) for k, v in timings.items()}
    versions = {}
    for name in (*PACKAGES, "ray"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "counts": {"read": read, "written": writer.written, "failed": writer.failed},
        "model": {"name": settings.model.name, "path": settings.model.path, "source": settings.model.source,
                  "backend": settings.model.backend, "revision": revision, "loaded": counters["model_loads"] > 0,
                  "used": settings.needs_model},
        "prompt_versions": {"prompts": prompts.id, "templates": sorted(prompts.templates)},
        "stages": settings.stages,
        "timings_s": timings_s,
        "docs_per_s": round(read / timings_s["total"], 4) if timings_s.get("total") else None,
        "cache": {"enabled": False, "hits": 0},
        "faithfulness": {**settings.faithfulness.model_dump(), **faithfulness_counts(run_dir / "facts.jsonl")},
        "resume": {"segments": 1, "resumed_after_inputs": None},
        "runner": {"kind": "ray", "ray_version": ray.__version__, "address": ray_settings.address,
                   "num_workers": ray_settings.num_workers, "num_cpus_per_worker": ray_settings.num_cpus_per_worker,
                   "num_gpus": ray_settings.num_gpus, "batch_size": ray_settings.batch_size,
                   "window_articles": ray_settings.window_articles, **counters,
                   "timings_note": "load_model, summarize, extract and validate are summed over workers"},
        "packages": versions,
        "python": sys.version.split()[0],
        "config": cfg,
        "run_dir": str(run_dir),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(timezone.utc).isoformat(),
    }


def _init_ray(ray, settings: RaySettings) -> bool:
    """Connect to (or start) Ray; True when this call started it, so the run shuts it down again."""
    if ray.is_initialized():
        return False
    env_vars = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    runtime_env = dict(settings.runtime_env)
    runtime_env["env_vars"] = {**env_vars, **dict(runtime_env.get("env_vars") or {})}
    kwargs: dict[str, Any] = {"address": settings.address, "runtime_env": runtime_env,
                              "include_dashboard": False, "log_to_driver": True}
    if settings.address is None and settings.local_num_cpus:
        kwargs["num_cpus"] = settings.local_num_cpus
    ray.init(**kwargs)
    return True


def _run_window(ray, cfg: dict[str, Any], settings: RaySettings, articles: list[Article], report_rows: int,
                timings: dict[str, float], revision: list[str | None],
                counters: dict[str, int]) -> Iterator[tuple[str, str, str]]:
    """(kind, outcome JSON, article JSON or "") per article of the window, in window order."""
    import pyarrow as pa

    if not articles:
        return iter(())
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # facts.jsonl keeps input order
    context.enable_progress_bars = False  # ours (done/total, docs/s) is the one on stderr
    context.print_on_execution_start = False
    # Stage the window in blocks of batch_size rows so map_batches gets whole batches.
    refs = []
    for start in range(0, len(articles), settings.batch_size):
        chunk = articles[start : start + settings.batch_size]
        refs.append(ray.put(pa.table({"index": pa.array(range(start, start + len(chunk)), pa.int64()),
                                      "article": [a.model_dump_json() for a in chunk]})))
    dataset = ray.data.from_arrow_refs(refs).map_batches(
        ArticleProcessor,
        batch_size=settings.batch_size,
        batch_format="pyarrow",
        fn_constructor_kwargs={"cfg": cfg, "report_rows": report_rows},
        compute=ray.data.ActorPoolStrategy(size=min(settings.num_workers, len(refs))),
        num_cpus=settings.num_cpus_per_worker,
        num_gpus=settings.num_gpus or None,
    )
    return _ordered_rows(dataset, timings, revision, counters)


def _ordered_rows(dataset, timings: dict[str, float], revision: list[str | None],
                  counters: dict[str, int]) -> Iterator[tuple[str, str, str]]:
    # preserve_order already yields rows in order; the heap is a cheap guard should a Ray version not.
    pending: list[tuple[int, str, str, str]] = []
    expected = 0
    for batch in dataset.iter_batches(batch_format="pyarrow", batch_size=None):
        columns = [batch.column(name).to_pylist() for name in ("index", "kind", "outcome", "article", "meta")]
        for index, kind, outcome, article, meta in zip(*columns):
            if meta:
                data = json.loads(meta)
                for stage, seconds in data["timings"].items():
                    timings[stage] += seconds
                revision[0] = revision[0] or data["revision"]
                counters["batches"] += 1
                counters["model_loads"] += data["model_loads"]
            heapq.heappush(pending, (index, kind, outcome, article))
        while pending and pending[0][0] == expected:
            yield heapq.heappop(pending)[1:]
            expected += 1
    if pending:
        raise RuntimeError(f"ray results incomplete: missing article {expected} of the window")
