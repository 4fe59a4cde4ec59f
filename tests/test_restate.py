"""Checks on a model's restatement of a claim: attribution left in, or drifting away from the article."""
from __future__ import annotations

import pytest

from pipeline.linguistics.restate import attribution_left, restatement_problem


@pytest.mark.parametrize("text, expected", [
    ("The minister denied that the army shelled the village.", True),
    ("Japan's Tokyo Shimbun reported that arms were sent by train.", True),
    ("According to the police, the driver was drunk.", True),
    ("Mr Lee rejected the allegations.", True),
    ("The army shelled the village.", False),
    ("Arms were sent to Russia by train, with more shipments expected.", False),
    ("The claims were denied by the ministry.", False),  # passive: the claims are the subject
])
def test_attribution_left(nlp, text, expected):
    assert attribution_left(nlp(text)) is expected


def test_restatement_problems(nlp):
    proposition = "he knew accountants were doctoring the books"
    sentence = "Bernie Ebbers denied claims that he knew accountants were doctoring the books."
    assert restatement_problem(nlp("Bernie Ebbers knew accountants were doctoring the books."), proposition,
                               sentence) is None
    assert restatement_problem(nlp("Bernie Ebbers denied knowing about the books."), proposition,
                               sentence) == "attribution left"
    assert restatement_problem(nlp("The weather in Paris was sunny and mild all week."), proposition,
                               sentence) == "drifts from the article"
    assert restatement_problem(nlp("Yes."), proposition, sentence) == "too short"


@pytest.mark.parametrize("text", [
    "But it may have come from the gun. Rewrite the statement as one standalone sentence.",
    "Sentence: Spurlock was given his award on the same day.",
    "The statement is: the leaflet was true.",
    "The statement was made by the Speaker, who denied it.",
])
def test_prompt_echoes_and_talk_about_the_statement(nlp, text):
    sentence = "Spurlock was given his award on the same day as the leaflet was found true by the Speaker."
    assert restatement_problem(nlp(text), "the leaflet was true", sentence) in {"echoes the prompt",
                                                                                  "attribution left"}
