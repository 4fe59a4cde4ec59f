"""The faithfulness stage: a text with an unsupported name or number is regenerated under the article's names and
numbers, or falls back to article text, with a warning; what each text became lands in the record and the
manifest."""
from __future__ import annotations

import json

import pytest
import torch

from pipeline.backends.loading import load_backend
from pipeline.config import ModelSpec
from pipeline.extractive import extractive_summary
from pipeline.records import Article
from pipeline.revise import FaithfulnessSpec, Text, faithfulness_counts, revise

TEXT = (
    "North Korea's foreign ministry on Friday denied a report by Japan's Tokyo Shimbun that it had sent shells to "
    "Russia. The newspaper said 300 shells were sent by train last month. The ministry called the report "
    "groundless and said it had never sent arms. South Korea said it was monitoring the situation closely."
)
ARTICLE = Article(id="a", text=TEXT, line=1)
PROPOSITION = "North Korea had sent shells to Russia."
SENTENCE = TEXT.split(". ")[0] + "."


def _texts(summary: str, claim: str, prompted: bool = True) -> tuple[list[Text], list[list[Text]]]:
    prompt = "Summarize: " + TEXT if prompted else None
    claim_prompt = f"Statement: {PROPOSITION}\nRewrite it." if prompted else None
    return ([Text(summary, "generated", "summary", prompt=prompt)],
            [[Text(claim, "generated", "claim 1", prompt=claim_prompt, fallbacks=[PROPOSITION, SENTENCE],
                   restates=(PROPOSITION, SENTENCE))]])


def test_supported_texts_stay_generated(nlp):
    summaries, claims = _texts("North Korea's foreign ministry denied the Tokyo Shimbun report about 300 shells.",
                               "North Korea sent 300 shells to Russia by train.")
    (out,) = revise([ARTICLE], summaries, claims, None, FaithfulnessSpec(), nlp, 40, 20)
    assert out.summary_origin == "generated" and out.claims[0][1] == "generated" and out.warnings == []


def test_fallback_path_without_a_constraining_backend(nlp):
    # No model to regenerate with (as a backend that raises ConstrainedDecodingUnavailable): straight to fallback.
    summaries, claims = _texts("The Japanese foreign ministry denied it in 2024.", "Pyongyang sent 400 shells.")
    (out,) = revise([ARTICLE], summaries, claims, None, FaithfulnessSpec(), nlp, 40, 20)
    assert out.summary == extractive_summary(TEXT) and out.summary_origin == "extractive"
    assert out.claims == [(PROPOSITION, "extractive")]
    assert out.warnings == [
        "summary: unsupported name 'Japanese foreign ministry', number '2024' (replaced by an extractive summary)",
        "claim 1: unsupported name 'Pyongyang', number '400' (replaced by the proposition copied from the article)",
    ]


def test_on_violation_keep_only_warns(nlp):
    summaries, claims = _texts("Pyongyang denied it.", "North Korea sent shells.")
    (out,) = revise([ARTICLE], summaries, claims, None, FaithfulnessSpec(on_violation="keep"), nlp, 40, 20)
    assert out.summary == "Pyongyang denied it." and out.summary_origin == "generated"
    assert out.warnings == ["summary: unsupported name 'Pyongyang' (kept: faithfulness.on_violation=keep)"]


def test_check_off_changes_nothing(nlp):
    summaries, claims = _texts("Pyongyang denied it.", "Pyongyang sent shells.")
    (out,) = revise([ARTICLE], summaries, claims, None, FaithfulnessSpec(check=False), nlp, 40, 20)
    assert out.summary == "Pyongyang denied it." and out.claims == [("Pyongyang sent shells.", "generated")]


def test_only_generated_texts_are_checked(nlp):
    """Article text (an extractive summary, a copied proposition) is not the model's: it is left as it is, even
    where the small parser would read a word as an unsupported name."""
    summary = [Text("Pyongyang denied it.", "extractive", "summary")]
    claim = [[Text("Pyongyang sent shells.", "extractive", "claim 1")]]
    (out,) = revise([ARTICLE], summary, claim, None, FaithfulnessSpec(), nlp, 40, 20)
    assert (out.summary, out.summary_origin, out.warnings) == ("Pyongyang denied it.", "extractive", [])
    assert out.claims == [("Pyongyang sent shells.", "extractive")]


@pytest.fixture(scope="module")
def favouring_backend():
    """A tiny T5 whose output head prefers "Russia" over "Korea" over "shells"."""
    backend = load_backend(ModelSpec(name="tiny", backend="seq2seq", source="tiny", path="t5", prompts="t5"))
    ids = backend.tokenizer.convert_tokens_to_ids(["▁Japan", "▁Korea", "▁sent"])
    head = torch.nn.Linear(backend.model.lm_head.in_features, backend.model.lm_head.out_features, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-10.0)
        head.bias[ids] = torch.tensor([3.0, 2.0, 1.0])
    backend.model.lm_head = head
    return backend


def test_regeneration_under_the_constraint(nlp, favouring_backend):
    summary = favouring_backend.generate(["Summarize: " + TEXT], 4)[0]
    assert "Japan" in summary.split()  # "Japan" alone is a word of the article; as the model writes it ...
    summaries, claims = _texts("Officials in Pyongyang denied it.", "Pyongyang sent shells.")
    (out,) = revise([ARTICLE], summaries, claims, favouring_backend, FaithfulnessSpec(), nlp, 4, 2)
    # ... but the first answers named Pyongyang: regenerated under the article's names, they pass the check
    assert (out.summary, out.summary_origin) == ("Japan Japan Japan Japan", "regenerated")
    # the claim's regeneration ("Japan Japan", 2 tokens) is too short to restate the proposition: it falls back
    assert out.claims == [(PROPOSITION, "extractive")]
    assert out.warnings == [
        "summary: unsupported name 'Pyongyang' (regenerated under the article's names and numbers)",
        "claim 1: unsupported name 'Pyongyang' (replaced by the proposition copied from the article)"]


def test_faithfulness_counts(tmp_path):
    records = [
        {"summary": "s", "summary_origin": "generated", "claims": [{"claim_origin": "regenerated"}], "warnings": []},
        {"summary": "s", "summary_origin": "extractive", "claims": [{"claim_origin": "extractive"}],
         "warnings": ["claim 1: unsupported name 'X' (kept: faithfulness.on_violation=keep)"]},
        {"summary": "", "summary_origin": None, "claims": [], "warnings": []},
    ]
    (tmp_path / "facts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert faithfulness_counts(tmp_path / "facts.jsonl") == {
        "summaries": {"extractive": 1, "generated": 1}, "claims": {"extractive": 1, "regenerated": 1},
        "records_with_unsupported_left": 1}
