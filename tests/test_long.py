"""Long articles: sentence windows, map-reduce summaries, claims merged, offsets relative to the whole text."""
from __future__ import annotations

import pytest

from pipeline.chunking import sentence_windows
from pipeline.sentences import split_sentences
from tests.conftest import SEED_TEXT, read_jsonl, run_cli, write_jsonl


def _words(text: str) -> int:
    return len(text.split())


def test_windows_fit_budget_overlap_and_cover_everything():
    text = " ".join(f"Sentence number {i} says something." for i in range(200))
    sentences = split_sentences(text)
    windows = sentence_windows(text, sentences, _words, budget=40, overlap=1)
    assert len(windows) > 5
    for w in windows:
        assert text[w.start : w.end] == w.text
        assert sum(_words(s.text) + 1 for s in sentences if w.start <= s.start and s.end <= w.end) <= 40
    covered = {s.start for s in sentences for w in windows if w.start <= s.start and s.end <= w.end}
    assert covered == {s.start for s in sentences}
    for a, b in zip(windows, windows[1:]):  # neighbours share exactly one sentence
        assert b.start < a.end


def test_one_overlong_sentence_is_its_own_window():
    text = "Short one. " + "word " * 100 + "end. Tail sentence."
    sentences = split_sentences(text)
    windows = sentence_windows(text, sentences, _words, budget=20, overlap=0)
    assert [w.text for w in windows][1].startswith("word")
    assert windows[-1].text == "Tail sentence."


@pytest.mark.slow
def test_20000_word_article_end_to_end(tmp_path):
    paragraphs = (SEED_TEXT.rsplit("Source:", 1)[0]).split("\n")
    body = []
    i = 0
    while sum(len(p.split()) for p in body) < 20000:
        body.append(paragraphs[i % len(paragraphs)].replace("Thursday", f"day {i}").replace("Friday", f"week {i}"))
        i += 1
    text = "\n".join(body) + "\nSource: AFP"
    write_jsonl(tmp_path / "in.jsonl", [{"id": "long", "text": text}])
    proc = run_cli(f"input.path={tmp_path / 'in.jsonl'}", "model=tiny_t5", f"hydra.run.dir={tmp_path / 'run'}",
                   "report.enabled=false", "decoding.max_summary_tokens=8", "decoding.max_claim_tokens=8")
    assert proc.returncode == 0, proc.stderr
    (record,) = read_jsonl(tmp_path / "run" / "facts.jsonl")
    assert record["source_agency"]["start"] == len(text) - 3  # offsets relative to the whole text
    assert 1 <= len(record["claims"]) <= 5
    for claim in record["claims"]:
        for span in claim["claimants"] + claim["deniers"] + claim["evidence"]:
            assert text[span["start"] : span["end"]] == span["text"]
    assert record["summary"]


def test_summary_keeps_complete_sentences_only():
    from pipeline.summarize import complete_sentences

    assert complete_sentences("One fact here. Two facts here. Three facts. And a cut-off fra") == \
        "One fact here. Two facts here. Three facts."
    assert complete_sentences("One. Two here. Three here. Four here.") == "One. Two here. Three here."
    assert complete_sentences("No full stop at all") == "No full stop at all"
    assert complete_sentences("He said “it is over.” Then he left") == "He said “it is over.”"
