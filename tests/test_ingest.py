import json
import os

import pytest

from pipeline.api import compose_config
from pipeline.ingest import InputConfigError, article_from_mapping, check_input, read_articles
from pipeline.records import Article, ErrorRecord
from pipeline.runner import run_pipeline
from tests.conftest import read_jsonl, write_jsonl


def _read(path):
    return list(read_articles({"kind": "jsonl", "path": str(path)}))


def test_default_input_is_the_bundled_example(seed_text):
    items = list(read_articles({"kind": "jsonl", "path": None}))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].id == "dprk-wagner" and items[0].text == seed_text


def test_each_bad_line_is_one_error_and_good_lines_survive(tmp_path):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, [
        {"id": "ok", "text": "A sentence."},
        "{not json",
        "[1, 2]",
        {"id": "no-text"},
        {"id": "num-text", "text": 5},
        {"id": "blank", "text": "   \n"},
        {"text": "No id here."},
        {"id": "ok", "text": "Duplicate id."},
        {"id": 7, "title": "T", "text": "Integer id."},
    ])
    items = _read(path)
    assert len(items) == 9  # one outcome per input line
    kinds = [(type(i).__name__, i.id, i.line) for i in items]
    assert kinds == [
        ("Article", "ok", 1), ("ErrorRecord", None, 2), ("ErrorRecord", None, 3),
        ("ErrorRecord", "no-text", 4), ("ErrorRecord", "num-text", 5), ("ErrorRecord", "blank", 6),
        ("Article", "line-7", 7), ("ErrorRecord", "ok", 8), ("Article", "7", 9),
    ]
    errors = {i.line: i.error for i in items if isinstance(i, ErrorRecord)}
    assert "malformed JSON" in errors[2]
    assert "expected a JSON object, got list" in errors[3]
    assert "no 'text'" in errors[4]
    assert "must be a string, got int" in errors[5]
    assert "empty" in errors[6]
    assert "duplicate id 'ok' (first seen at line 1)" in errors[8]
    assert "no 'id'" in items[6].warnings[0]


def test_non_utf8_line_is_an_error(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "a", "text": "fine"}\n{"id": "b", "text": "caf\xe9"}\n')
    items = _read(path)
    assert isinstance(items[0], Article)
    assert isinstance(items[1], ErrorRecord) and "not valid UTF-8" in items[1].error and items[1].line == 2
    assert items[1].id == "b"


def test_html_text_is_processed_with_warning():
    item = article_from_mapping({"id": "h", "text": "<p>The minister said <b>no</b>.</p>"}, 1)
    assert isinstance(item, Article) and any("HTML" in w for w in item.warnings)


def test_text_dir(tmp_path):
    (tmp_path / "b.txt").write_text("Second article.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First article.", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"\xff\xfe bad")
    items = list(read_articles({"kind": "text_dir", "path": str(tmp_path), "glob": "*.txt"}))
    assert [(type(i).__name__, i.id) for i in items] == [("Article", "a"), ("Article", "b"), ("ErrorRecord", "c")]


def test_hf_dataset_local_json(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"doc": "x1", "body": "Text one."}, {"doc": "x2", "body": "Text two."}])
    cfg = {"kind": "hf_dataset", "path": "json", "data_files": str(path), "split": "train", "streaming": False,
           "id_column": "doc", "title_column": "title", "text_column": "body"}
    items = list(read_articles(cfg))
    assert [(i.id, i.text) for i in items] == [("x1", "Text one."), ("x2", "Text two.")]


@pytest.mark.parametrize("cfg, message", [
    ({"kind": "jsonl", "path": "/nonexistent/in.jsonl"}, "input file not found"),
    ({"kind": "text_dir", "path": "/nonexistent"}, "input directory not found"),
    ({"kind": "xml", "path": "x"}, "unknown input kind"),
])
def test_config_errors(cfg, message):
    with pytest.raises(InputConfigError, match=message):
        check_input(cfg)


# --- an error line carries its input's id wherever it can be read: errors.jsonl of a real run ---------------

def _run_errors(tmp_path, *overrides: str) -> list[dict]:
    """errors.jsonl of an ingest-only run (no model is loaded)."""
    cfg = compose_config("tiny_t5", [*overrides, "stages=[ingest,validate,write]", "cache.enabled=false",
                                     "report.enabled=false"])
    run_pipeline(cfg, tmp_path / "run")
    return read_jsonl(tmp_path / "run" / "errors.jsonl")


def _error(line: int, error_id: str | None, error: str) -> dict:
    return {"id": error_id, "line": line, "stage": "ingest", "error": error}


@pytest.mark.parametrize("raw, error_id, error", [
    pytest.param(b'{"id": "latin1", "text": "caf\xe9 au lait"}', "latin1",
                 "line is not valid UTF-8 (byte 29: b'\\xe9')", id="not-utf8-text"),
    pytest.param(b'{"id": "caf\xe9", "text": "Fine."}', None,
                 "line is not valid UTF-8 (byte 11: b'\\xe9')", id="not-utf8-in-the-id"),
    pytest.param(b'{"id": "broken", "text": "no closing brace"', "broken",
                 "malformed JSON: Expecting ',' delimiter at column 44", id="malformed-after-the-id"),
    pytest.param(b'{"id": 7, "text": "trailing comma",}', "7",
                 "malformed JSON: Expecting property name enclosed in double quotes at column 36",
                 id="malformed-integer-id"),
    pytest.param(b'{"text": "x", oops, "id": "late"}', None,
                 "malformed JSON: Expecting property name enclosed in double quotes at column 15",
                 id="malformed-before-the-id"),
    pytest.param(b'{"id": "cut", "text": "' + b"x" * 1_000_000, "cut",
                 "malformed JSON: Unterminated string starting at column 23",
                 id="over-long-line-cut-off"),
    pytest.param(b'{"id": "huge-int", "text": "x", "n": ' + b"9" * 5000 + b"}", "huge-int",
                 "unreadable JSON: Exceeds the limit (4300 digits) for integer string conversion: "
                 "value has 5000 digits",
                 id="over-long-number"),
    pytest.param(b'{"id": "deep", "text": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "deep",
                 "unreadable JSON: nested too deeply", id="nested-too-deeply"),
    pytest.param(b'{"id": "number-text", "text": 42}', "number-text", "'text' must be a string, got int",
                 id="non-string-text"),
    pytest.param(b'{"id": 3.5, "text": "Fine."}', None, "'id' must be a string or an integer, got float",
                 id="wrong-type-id"),
    pytest.param(b'{"id": true, "text": "x"', None, "malformed JSON: Expecting ',' delimiter at column 25",
                 id="malformed-with-wrong-type-id"),
])
def test_jsonl_error_line_keeps_the_id(tmp_path, raw, error_id, error):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "fine", "text": "A sentence."}\n' + raw + b"\n")
    assert _run_errors(tmp_path, f"input.path={path}") == [_error(2, error_id, error)]


def test_text_dir_error_line_keeps_the_file_stem(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Fine text.", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"Caf\xe9 owners said prices rose.")
    assert _run_errors(tmp_path, "input=text_dir", f"input.path={folder}") == [
        _error(2, "b", "b.txt is not valid UTF-8 (byte 3)")]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads any file; no chmod 000 on Windows")
def test_text_dir_unreadable_file_keeps_the_file_stem(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "locked.txt").write_text("Fine text.", encoding="utf-8")
    (folder / "locked.txt").chmod(0)
    assert _run_errors(tmp_path, "input=text_dir", f"input.path={folder}") == [
        _error(1, "locked", "cannot read locked.txt: Permission denied")]


def test_text_dir_file_name_that_is_not_utf8_gives_no_id(tmp_path):
    # Such a name's stem holds lone surrogates, which errors.jsonl (UTF-8) cannot hold: no id, the name shown
    # with a replacement character, and the run goes on.
    folder = tmp_path / "articles"
    folder.mkdir()
    try:
        (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Caf\xe9 owners said prices rose.")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    assert _run_errors(tmp_path, "input=text_dir", f"input.path={folder}") == [
        _error(1, None, "caf\ufffd.txt is not valid UTF-8 (byte 3)")]


def test_hf_dataset_error_line_keeps_the_id_column(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"doc": "x1", "body": "Text one."}, {"doc": "x2", "body": None}])
    errors = _run_errors(tmp_path, "input=hf_dataset", f"input.data_files={path}", "input.id_column=doc",
                         "input.text_column=body")
    assert errors == [_error(2, "x2", "'body' must be a string, got NoneType")]
