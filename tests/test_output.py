import json
from pathlib import Path

from pipeline.output import RunWriter, atomic_write_text, safe_filename, write_manifest
from pipeline.records import ErrorRecord, FactsRecord


def test_clean_ids_are_kept():
    assert safe_filename("seed-dprk-wagner") == "seed-dprk-wagner.json"
    assert safe_filename("tmt-1193") == "tmt-1193.json"


def test_hostile_ids_stay_inside_and_are_unique():
    ids = ["../../etc/passwd", "CON", "con", "a/b", "A", "a", "😀" * 300, "😀" * 299, "", ".hidden", "x--y"]
    names = [safe_filename(i) for i in ids]
    assert len(set(names)) == len(ids)
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert name.endswith(".json") and len(name) <= 120
        assert Path(name).stem.split(".")[0].lower() not in {"con", "prn", "aux", "nul"}


def test_writer_appends_whole_lines_and_per_article_files(tmp_path):
    rec = FactsRecord(id="../x", summary="s", model="m")
    with RunWriter(tmp_path) as writer:
        writer.write_record(rec)
        writer.write_error(ErrorRecord(id="y", line=2, stage="ingest", error="bad"))
    assert json.loads((tmp_path / "facts.jsonl").read_text())["id"] == "../x"
    assert json.loads((tmp_path / "errors.jsonl").read_text()) == {"id": "y", "line": 2, "stage": "ingest", "error": "bad"}
    files = list((tmp_path / "facts").iterdir())
    assert len(files) == 1 and json.loads(files[0].read_text())["id"] == "../x"
    assert not (tmp_path.parent / "x.json").exists()


def test_atomic_write_leaves_no_temp_files(tmp_path):
    atomic_write_text(tmp_path / "a.json", "{}")
    write_manifest(tmp_path, {"counts": {"read": 0}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "manifest.json"]
