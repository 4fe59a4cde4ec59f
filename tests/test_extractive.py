"""Extractive summaries: central sentences, verbatim, in article order, within the word budget."""
from __future__ import annotations

from pipeline.extractive import central_sentences, extractive_summary, sentence_scores
from pipeline.sentences import split_sentences

TEXT = (
    "The port of Haldor reopened on Monday after a strike by dock workers over pay. "
    "Dock workers at the port of Haldor had stopped work for three weeks over pay. "
    "The weather was mild. "
    "The port authority said the strike cost the port of Haldor 40 million euros in lost trade. "
    "A local bakery sold bread as usual. "
    "Union leaders said dock workers would strike again if the pay deal was not honoured."
)


def test_central_sentences_are_verbatim_in_article_order():
    summary = extractive_summary(TEXT, min_words=25, max_words=40)
    sentences = [s.text for s in split_sentences(TEXT)]
    chosen = [s for s in sentences if s in summary]
    assert " ".join(chosen) == summary  # whole sentences, nothing else, in the article's order
    assert "The weather was mild." not in summary and "bakery" not in summary  # off-topic sentences rank last
    assert 25 <= len(summary.split()) <= 40


def test_lead_and_centrality_rank_first():
    scores = sentence_scores([s.text for s in split_sentences(TEXT)])
    assert scores.index(max(scores)) in (0, 1)
    assert scores[2] < min(scores[0], scores[1], scores[3]) and scores[4] < scores[3]


def test_budget_and_exclusions():
    sentences = split_sentences(TEXT)
    assert central_sentences(sentences, None, 1, 30, set()) == [0]  # the first pick already has the words
    assert 0 not in central_sentences(sentences, None, 1, 30, {0})
    assert extractive_summary("Only one sentence here, and it is long enough to pass.", min_words=55) == \
        "Only one sentence here, and it is long enough to pass."
    assert extractive_summary("") == ""
