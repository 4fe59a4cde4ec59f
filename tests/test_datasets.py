"""`input=hf_dataset`: local json / csv / parquet files through `datasets.load_dataset`, with `split` and
`streaming`. Files are built in tmp_path; the datasets cache goes to tmp_path too (never ~/.cache)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

from pipeline.ingest import InputConfigError, read_articles  # noqa: E402
from pipeline.records import Article, ErrorRecord  # noqa: E402
from tests.conftest import SEED_TEXT, read_jsonl, run_cli, write_jsonl  # noqa: E402

ROWS = [
    {"id": "a-1", "title": "Bridge to reopen", "text": "Officials said the bridge would reopen, the mayor said."},
    {"id": "b-2", "title": None, "text": "The minister denied the report.\nCritics said the plan would fail."},
    {"id": "c-3", "title": "Quotes", "text": 'He said "no comment", according to Reuters.'},
]


@pytest.fixture(autouse=True)
def datasets_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "hf-datasets-cache"
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    return cache


def hf_input(path: str, data_files, **extra) -> dict:
    return {"kind": "hf_dataset", "path": path, "data_files": data_files, "name": None, "split": "train",
            "streaming": False, "id_column": "id", "title_column": "title", "text_column": "text", **extra}


def as_tuples(items) -> list[tuple]:
    return [(i.id, i.title, i.text, i.line) if isinstance(i, Article) else ("ERROR", i.id, i.line, i.error)
            for i in items]


def expected(rows=ROWS, first_line: int = 1) -> list[tuple]:
    return [(r["id"], r["title"], r["text"], n) for n, r in enumerate(rows, start=first_line)]


def test_json_lines_file(tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    assert as_tuples(read_articles(hf_input("json", str(path)))) == expected()


def test_csv_file_with_renamed_columns_and_embedded_newlines(tmp_path):
    path = tmp_path / "news.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["doc_id", "headline", "body"])
        writer.writeheader()
        for r in ROWS:
            writer.writerow({"doc_id": r["id"], "headline": r["title"] or "", "body": r["text"]})
    cfg = hf_input("csv", str(path), id_column="doc_id", title_column="headline", text_column="body")
    items = list(read_articles(cfg))
    # Commas, quotes and a newline inside a quoted field survive; csv has no null, so no title is "" / None.
    assert [(i.id, i.text) for i in items] == [(r["id"], r["text"]) for r in ROWS]
    assert items[0].title == "Bridge to reopen" and items[1].title in (None, "")


def test_parquet_file_with_integer_ids_and_a_bad_row(tmp_path):
    rows = [{"id": 7, "title": "t", "text": "Police said the road was closed."},
            {"id": 8, "title": "t", "text": "   "},
            {"id": 9, "title": None, "text": "The company denied the claim."}]
    path = tmp_path / "news.parquet"
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    items = list(read_articles(hf_input("parquet", str(path))))
    assert as_tuples(items) == [("7", "t", rows[0]["text"], 1), ("ERROR", "8", 2, "'text' is empty"),
                                ("9", None, rows[2]["text"], 3)]


def test_split_slice_selects_rows(tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    items = list(read_articles(hf_input("json", str(path), split="train[1:]")))
    assert [i.id for i in items] == ["b-2", "c-3"]


def test_named_split_from_data_files_mapping(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", ROWS[:2])
    test = write_jsonl(tmp_path / "test.jsonl", ROWS[2:])
    cfg = hf_input("json", {"train": str(train), "test": str(test)}, split="test")
    assert as_tuples(read_articles(cfg)) == expected(ROWS[2:])


def test_unknown_split_is_a_config_error(tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    with pytest.raises(InputConfigError, match="validation|split"):
        list(read_articles(hf_input("json", str(path), split="validation")))


def test_streaming_reads_the_same_articles_without_an_arrow_cache(tmp_path, datasets_cache):
    path = tmp_path / "news.parquet"
    datasets.Dataset.from_list(ROWS).to_parquet(str(path))
    streamed = as_tuples(read_articles(hf_input("parquet", str(path), streaming=True)))
    assert streamed == expected()
    # Streaming reads the file as it goes: nothing is converted into the Arrow cache...
    assert not list(datasets_cache.rglob("*.arrow"))
    # ...whereas a regular load does, which shows the flag really reached load_dataset.
    assert as_tuples(read_articles(hf_input("parquet", str(path)))) == streamed
    assert list(datasets_cache.rglob("*.arrow"))


def test_missing_data_file_is_a_config_error(tmp_path):
    with pytest.raises(InputConfigError, match="cannot load dataset"):
        list(read_articles(hf_input("json", str(tmp_path / "nope.jsonl"))))


def test_cli_parquet_named_split_end_to_end(tmp_path, monkeypatch):
    rows = [{"id": "seed", "title": None, "text": SEED_TEXT}, {"id": "empty", "title": None, "text": ""}, ROWS[1]]
    test_file, train_file = tmp_path / "test.parquet", tmp_path / "train.parquet"
    datasets.Dataset.from_list(rows).to_parquet(str(test_file))
    datasets.Dataset.from_list(ROWS).to_parquet(str(train_file))
    run_dir = tmp_path / "run"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))  # run_cli passes os.environ on
    proc = run_cli("model=tiny_t5", "input=hf_dataset", "input.path=parquet",
                   f"input.data_files={{train:{train_file},test:{test_file}}}", "input.split=test",
                   f"hydra.run.dir={run_dir}", "fail_on_errors=false")
    assert proc.returncode == 0, proc.stderr
    records = read_jsonl(run_dir / "facts.jsonl")
    assert [r["id"] for r in records] == ["seed", "b-2"]  # the test split only, in order
    texts = {r["id"]: r["text"] for r in rows}
    for record in records:
        spans = [record["source_agency"]] if record["source_agency"] else []
        spans += [s for c in record["claims"] for s in c["claimants"] + c["deniers"] + c["evidence"]]
        assert all(texts[record["id"]][s["start"]:s["end"]] == s["text"] for s in spans)
    assert records[0]["source_agency"]["text"] == "AFP"
    assert read_jsonl(run_dir / "errors.jsonl") == [{"id": "empty", "line": 2, "stage": "ingest",
                                                     "error": "'text' is empty"}]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["input"]["data_files"] == {"train": str(train_file), "test": str(test_file)}
    assert manifest["counts"] == {"read": 3, "written": 2, "failed": 1}
    # stderr is not a terminal here: no progress bars, neither ours nor datasets' "Generating test split".
    assert "Generating" not in proc.stderr and "\r" not in proc.stderr
