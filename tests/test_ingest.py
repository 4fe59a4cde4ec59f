import json

import pytest

from pipeline.ingest import InputConfigError, article_from_mapping, check_input, read_articles
from pipeline.records import Article, ErrorRecord
from tests.conftest import write_jsonl


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
