"""The extract stage over a real (random-weight) tiny T5: which questions reach the model, and what the
rules answer without it. A spy records the span questions on their way to the real backend."""
from __future__ import annotations

import pytest

from pipeline.backends.loading import load_backend
from pipeline.config import DecodingSpec, ExtractSpec, ModelSpec, RuntimeSpec
from pipeline.extract import extract
from pipeline.linguistics.restate import attribution_left, restatement_problem
from pipeline.prompts import load_prompts
from pipeline.records import Article


@pytest.fixture(scope="module")
def backend():
    spec = ModelSpec(name="tiny-t5", backend="seq2seq", source="tiny", path="t5", prompts="t5", dtype="float32")
    real = load_backend(spec, RuntimeSpec(batch_size=4, threads=1))
    real.questions = []
    answer = real.generate_spans

    def recording(questions, max_new_tokens):
        real.questions.extend(questions)
        return answer(questions, max_new_tokens)

    real.generate_spans = recording
    return real


def _run(backend, nlp, text: str, **spec):
    backend.questions.clear()
    (result,) = extract([Article(id="a", text=text, title=None, line=1)], backend, load_prompts("t5", "v3"),
                        ExtractSpec(**{"rewrite_claims": False, **spec}), DecodingSpec(), nlp)
    return result


def test_rule_speakers_need_no_model_question(backend, nlp):
    text = ("Regulators said the company hid losses of $2 billion. The company and its auditor Smith & Co denied the "
            "report on Monday.")
    result = _run(backend, nlp, text)
    (claim,) = result.claims
    assert [d.text for d in claim.deniers] == ["The company", "its auditor Smith & Co"]
    assert [c.text for c in claim.claimants] == ["Regulators"]
    assert claim.claim == "The company hid losses of $2 billion."
    assert backend.questions == []
    for span in claim.deniers + claim.claimants + claim.evidence:
        assert text[span.start : span.end] == span.text


def test_unresolvable_pronoun_speaker_goes_to_the_model_with_grounded_options(backend, nlp):
    text = "The report by Acme Corp was published on Monday. He said the plan would fail."
    result = _run(backend, nlp, text)
    (question,) = backend.questions
    offered = [question.source[s:e] for s, e in question.candidates]
    assert "Acme Corp" in offered
    (claim,) = result.claims
    for span in claim.claimants:  # whatever the random model picks is one of the offered phrases
        assert text[span.start : span.end] == span.text
        assert any(question.base_offset + s == span.start and span.end == question.base_offset + e
                   for s, e in question.candidates)


def test_no_model_question_when_asking_is_off(backend, nlp):
    _run(backend, nlp, "The report by Acme Corp was published on Monday. He said the plan would fail.",
         ask_speakers=False)
    assert backend.questions == []


def test_restated_claims_never_keep_the_attribution(backend, nlp):
    text = ("The minister denied that the army shelled the village. Officials told reporters that the dam "
            "would hold.")
    result = _run(backend, nlp, text, rewrite_claims=True)
    assert len(result.claims) == 2
    rule_texts = {"The army shelled the village.", "The dam would hold."}
    for claim, sentence in zip(result.claims, ["The minister denied", "Officials told"]):
        doc = nlp(claim.claim)
        assert not attribution_left(doc)
        # a random model's text survives only if it passes the checks; else the article's proposition stands
        assert claim.claim in rule_texts or restatement_problem(doc, claim.claim, text) is None
    assert len(result.replaced) == sum(c.claim in rule_texts for c in result.claims)
