"""The result cache: a rerun in a new run dir skips finished work without loading the model; changing any
part of the key redoes it. Real tiny model, real files; nothing about generation is mocked."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import pipeline.backends.loading as loading
from pipeline.api import compose_config
from pipeline.cache import ResultCache, code_fingerprint
from pipeline.records import Article, FactsRecord, Provenance
from pipeline.runner import NO_MODEL, run_pipeline
from tests.conftest import write_jsonl

FAST = ["decoding.max_summary_tokens=4", "decoding.max_claim_tokens=4", "decoding.max_span_tokens=4",
        "runtime.threads=1", "report.enabled=false"]
ARTICLES = [
    {"id": f"a{i}", "text": f"The mayor said on Monday that {i + 2} bridges would reopen. Officials denied the report. "
                            f"Critics said the plan would fail."}
    for i in range(4)
]


def job_config(source: Path, cache_dir: Path, *extra: str) -> dict:
    return compose_config("tiny_t5", [f"input.path={source}", f"cache.dir={cache_dir}", *FAST, *extra])


class _NoLoading(AssertionError):
    pass


def _forbid_model_loading(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise _NoLoading("the model was loaded although every input was cached")

    monkeypatch.setattr(loading, "load_backend", refuse)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A run that computes every record (the model is loaded: backend=None) and fills a fresh cache."""
    tmp = tmp_path_factory.mktemp("cache")
    source = write_jsonl(tmp / "in.jsonl", ARTICLES + ["{not json"])
    result = run_pipeline(job_config(source, tmp / "cache"), tmp / "run1")
    return tmp, source, result


def test_first_run_computes_and_fills_the_cache(first_run):
    tmp, _, result = first_run
    assert result.manifest["model"]["loaded"] is True and result.manifest["cache"]["hits"] == 0
    assert len(list((tmp / "cache").rglob("*.json"))) == len(ARTICLES)  # records only, errors are not cached


def test_rerun_in_a_new_run_dir_needs_no_model_and_gives_identical_files(first_run, monkeypatch):
    tmp, source, _ = first_run
    _forbid_model_loading(monkeypatch)
    result = run_pipeline(job_config(source, tmp / "cache"), tmp / "run2")
    assert result.manifest["model"]["loaded"] is False
    assert result.manifest["cache"]["hits"] == len(ARTICLES)
    assert (tmp / "run2" / "facts.jsonl").read_bytes() == (tmp / "run1" / "facts.jsonl").read_bytes()
    assert (tmp / "run2" / "errors.jsonl").read_bytes() == (tmp / "run1" / "errors.jsonl").read_bytes()
    assert result.manifest["counts"] == {"read": 5, "written": 4, "failed": 1}
    assert {"summarize", "extract", "validate"} <= set(result.manifest["timings_s"])


def test_same_text_under_another_id_is_a_hit_with_its_own_id_and_warnings(first_run, monkeypatch):
    tmp, _, _ = first_run
    _forbid_model_loading(monkeypatch)
    renamed = write_jsonl(tmp / "renamed.jsonl", [{"id": "other", "text": ARTICLES[0]["text"]},
                                                  {"text": ARTICLES[1]["text"]}])
    run_pipeline(job_config(renamed, tmp / "cache"), tmp / "run-renamed")
    records = [json.loads(line) for line in (tmp / "run-renamed" / "facts.jsonl").read_text().splitlines()]
    originals = [json.loads(line) for line in (tmp / "run1" / "facts.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["other", "line-2"]
    assert records[1]["warnings"] == ["input has no 'id'; using 'line-2'", *originals[1]["warnings"]]
    for record, original in zip(records, originals):
        assert {**record, "id": None, "warnings": None} == {**original, "id": None, "warnings": None}


@pytest.mark.parametrize("override", ["decoding.max_summary_tokens=5", "extract.max_claims=1",
                                      "extract.rewrite_claims=false", "stages=[ingest,extract,validate,write]",
                                      "summary.mode=extractive", "faithfulness.on_violation=fallback"])
def test_changing_a_key_part_recomputes(first_run, override):
    tmp, source, _ = first_run
    result = run_pipeline(job_config(source, tmp / "cache", override), tmp / f"run-{override.split('=')[0]}")
    assert result.manifest["model"]["loaded"] is True and result.manifest["cache"]["hits"] == 0


def test_a_changed_article_is_recomputed_alone(first_run):
    tmp, _, _ = first_run
    edited = [dict(a) for a in ARTICLES]
    edited[2]["text"] += " The council agreed."
    source = write_jsonl(tmp / "edited.jsonl", edited)
    result = run_pipeline(job_config(source, tmp / "cache"), tmp / "run-edited")
    assert result.manifest["cache"]["hits"] == len(ARTICLES) - 1 and result.manifest["model"]["loaded"] is True


def test_disabled_cache_reads_and_writes_nothing(first_run, tmp_path):
    _, source, _ = first_run
    result = run_pipeline(job_config(source, tmp_path / "cache", "cache.enabled=false"), tmp_path / "run")
    assert result.manifest["cache"] == {"enabled": False, "hits": 0} and result.manifest["model"]["loaded"] is True
    assert not (tmp_path / "cache").exists()


# --- the key, unit by unit ---------------------------------------------------------------------------

CONTEXT = {"model": {"name": "m", "path": "p", "revision": "r1"},
           "prompts": {"id": "t5/v1", "templates_sha256": "t1"},
           "decoding": {"max_summary_tokens": 64}, "extract": {"max_claims": 5},
           "stages": ["ingest", "summarize", "extract", "validate", "write"], "device": "cpu", "code": "c1"}
ARTICLE = Article(id="x", text="The minister said the bridge would reopen.", title="T", line=1)


def _record(article: Article, warnings=()) -> FactsRecord:
    return FactsRecord(id=article.id, title=article.title, summary="s", model="m",
                       warnings=[*article.warnings, *warnings],
                       provenance=Provenance(backend="seq2seq", prompt_version="t5/v1"))


@pytest.mark.parametrize("part, value", [
    (("model", "revision"), "r2"), (("model", "name"), "other"), (("prompts", "id"), "t5/v2"),
    (("prompts", "templates_sha256"), "t2"), (("decoding", "max_summary_tokens"), 32),
    (("extract", "max_claims"), 3), (("device",), "cuda"), (("code",), "c2"),
])
def test_every_context_part_is_in_the_key(tmp_path, part, value):
    changed = json.loads(json.dumps(CONTEXT))
    target = changed
    for key in part[:-1]:
        target = target[key]
    target[part[-1]] = value
    base, other = ResultCache(tmp_path, CONTEXT), ResultCache(tmp_path, changed)
    assert base.key(ARTICLE) != other.key(ARTICLE)
    base.put(ARTICLE, _record(ARTICLE))
    assert base.get(ARTICLE) is not None and other.get(ARTICLE) is None


def test_text_and_title_are_in_the_key_and_the_id_is_not(tmp_path):
    cache = ResultCache(tmp_path, CONTEXT)
    assert cache.key(ARTICLE) == ResultCache(tmp_path, dict(CONTEXT)).key(ARTICLE)  # stable
    assert cache.key(ARTICLE) != cache.key(ARTICLE.model_copy(update={"text": ARTICLE.text + " "}))
    assert cache.key(ARTICLE) != cache.key(ARTICLE.model_copy(update={"title": None}))
    assert cache.key(ARTICLE) == cache.key(ARTICLE.model_copy(update={"id": "y", "line": 9}))


def test_code_fingerprint_is_stable_within_a_process():
    assert code_fingerprint() == code_fingerprint() and len(code_fingerprint()) == 24


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path):
    cache = ResultCache(tmp_path, CONTEXT)
    cache.put(ARTICLE, _record(ARTICLE, ["dropped a span"]))
    path = cache.path(ARTICLE)
    path.write_text('{"format": 1, "record": {"summ', encoding="utf-8")  # as if cut short
    assert cache.get(ARTICLE) is None
    cache.put(ARTICLE, _record(ARTICLE, ["dropped a span"]))
    hit = cache.get(ARTICLE)
    assert hit is not None and hit.warnings == ["dropped a span"]


def test_concurrent_writers_and_readers_never_see_half_an_entry(tmp_path):
    cache = ResultCache(tmp_path, CONTEXT)
    big = _record(ARTICLE).model_copy(update={"summary": "word " * 20000})
    seen: list[object] = []
    errors: list[BaseException] = []

    def writer():
        for _ in range(30):
            ResultCache(tmp_path, CONTEXT).put(ARTICLE, big)

    def reader():
        reader_cache = ResultCache(tmp_path, CONTEXT)
        while any(w.is_alive() for w in writers) or not seen:
            try:
                seen.append(reader_cache.get(ARTICLE))
            except BaseException as exc:  # noqa: BLE001 - any exception is a failure here
                errors.append(exc)
                return

    writers = [threading.Thread(target=writer) for _ in range(3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers + readers:
        t.join()
    assert not errors
    assert all(r is None or r == big for r in seen) and any(r == big for r in seen)
    assert cache.get(ARTICLE) == big
    leftovers = [p for p in cache.path(ARTICLE).parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def test_a_run_that_asks_no_model_names_none_in_its_records(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    result = run_pipeline(compose_config("tiny_t5", [f"input.path={source}", "cache.enabled=false", *FAST,
                                                     "summary.mode=extractive", "extract.rewrite_claims=false",
                                                     "extract.ask_speakers=false"]), tmp_path / "run")
    records = [json.loads(line) for line in (tmp_path / "run" / "facts.jsonl").read_text().splitlines()]
    assert [r["model"] for r in records] == [NO_MODEL, NO_MODEL]
    assert result.manifest["model"]["used"] is False and result.manifest["model"]["loaded"] is False
