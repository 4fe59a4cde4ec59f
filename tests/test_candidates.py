from __future__ import annotations

import pytest
from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

from pipeline.backends.tiny import ensure_tiny_model
from pipeline.candidates import rule_speaker, speaker_candidates
from pipeline.grounding import SpanConstraint, generate_spans
from pipeline.sentences import split_sentences


def _cands(text: str) -> list[str]:
    return [c.text for c in speaker_candidates(text, 0, len(text))]


def test_proper_names_possessives_and_roles(seed_text):
    sentence = next(s for s in split_sentences(seed_text) if "Tokyo Shimbun" in s.text)
    found = [c.text for c in speaker_candidates(seed_text, sentence.start, sentence.end)]
    assert "North Korea’s foreign ministry" in found and "Japan’s Tokyo Shimbun" in found
    assert "Tokyo Shimbun" in found
    for c in speaker_candidates(seed_text, sentence.start, sentence.end):
        assert seed_text[c.start : c.end] == c.text


@pytest.mark.parametrize("text, expected", [
    ("A senior US military official said the raid killed 14 fighters.", "A senior US military official"),
    ("Prosecutors alleged that he had lied.", "Prosecutors"),
    ("The plan will fail, said Home Secretary Charles Clarke.", "Home Secretary Charles Clarke"),
    ("Growth will slow, according to analysts at the bank.", "analysts"),
])
def test_speaker_phrases(text, expected):
    assert expected in _cands(text)


def test_pronouns_days_and_sentence_adverbs_are_not_names():
    found = _cands("Moreover, on Thursday he said it was true. However They disagreed.")
    assert not {"He", "he", "Thursday", "Moreover", "However", "They"} & set(found)


def test_rule_speaker_subject_of_denial(seed_text):
    sentence = next(s for s in split_sentences(seed_text) if "Prigozhin" in s.text)
    found = rule_speaker(seed_text, sentence.start, sentence.end, denial=True)
    assert found is not None and "Yevgeny Prigozhin" in found.text
    assert rule_speaker("It rained all day.", 0, 11, denial=True) is None


@pytest.mark.parametrize("kind, model_cls", [("t5", AutoModelForSeq2SeqLM), ("causal", AutoModelForCausalLM)])
def test_decoding_restricted_to_candidates(kind, model_cls, seed_text):
    """Whatever the (random) weights, an answer is exactly one of the offered phrases, or None."""
    path = ensure_tiny_model(kind)
    tokenizer, model = AutoTokenizer.from_pretrained(path), model_cls.from_pretrained(path)
    sentences = split_sentences(seed_text)[:8]
    prompts, sources, bases, cands, allowed_texts = [], [], [], [], []
    for s in sentences:
        found = speaker_candidates(seed_text, s.start, s.end)
        prompts.append(f"Who? {s.text}")
        sources.append(s.text)
        bases.append(s.start)
        cands.append([(c.start - s.start, c.end - s.start) for c in found])
        allowed_texts.append({(c.start, c.end) for c in found})
    spans = generate_spans(model, tokenizer, prompts, sources, bases, max_new_tokens=12,
                           is_encoder_decoder=kind == "t5", candidates=cands)
    answered = 0
    for span, allowed in zip(spans, allowed_texts):
        if span is not None:
            answered += 1
            assert seed_text[span.start : span.end] == span.text
            assert any(s <= span.start and span.end <= e for s, e in allowed), span
    assert len(spans) == len(sentences)


def test_constraint_allows_only_candidate_starts_and_ends(seed_text):
    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model("t5"))
    text = "The White House said North Korea denied it."
    c = SpanConstraint(tokenizer, text, candidates=[(4, 15)])  # "White House"
    first = set(c.allowed([])) - {c.eos_token_id} - {seq[0] for seq in c.null_sequences}
    piece = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    starts = {tid for tid, (s, e) in zip(piece["input_ids"], piece["offset_mapping"]) if s <= 4 < e or s == 4}
    assert first and first <= starts | set(c._first_positions)
    # walk the only path and check EOS comes exactly at the candidate's end
    path: list[int] = []
    while True:
        options = [t for t in c.allowed(path) if t != c.eos_token_id and t not in {s[0] for s in c.null_sequences}]
        if not options or c.eos_token_id in c.allowed(path) and path:
            break
        path.append(options[0])
    span = c.to_span(path)
    assert span is not None and span.text == "White House"


@pytest.mark.parametrize("text, denial, expected", [
    ("Merkel, Germany's Chancellor, rejected Erdogan's claims.", True, "Merkel"),
    ("Mr Brown vigorously denied Conservative claims.", True, "Mr Brown"),
    ("During his time on the stand Mr Sullivan repeatedly told jurors they met.", False, "Mr Sullivan"),
    ("McDonald's announced it would scrap the meals, but denied the film was the reason.", True, "McDonald's"),
    ('"That is not true," said Tim Ellsmore, managing director of 3ami.', True, "Tim Ellsmore"),
    ("He said the plan would fail.", False, None),  # pronouns are resolved by the caller
])
def test_rule_speaker_cases(text, denial, expected):
    found = rule_speaker(text, 0, len(text), denial=denial)
    assert (found.text if found else None) == expected
    if found:
        assert text[found.start : found.end] == found.text


@pytest.mark.parametrize("text, expected", [
    ("The ministry denied the claim made by Japan’s Tokyo Shimbun that arms were sent.", "Japan’s Tokyo Shimbun"),
    ("Mr Brown denied Conservative claims that he fiddled the figures.", "Conservative"),
    ("The judge rejected Uber's claim.", "Uber's"),
    ("He denied it.", None),
])
def test_claim_source(text, expected):
    from pipeline.candidates import claim_source

    found = claim_source(text, 0, len(text))
    assert (found.text if found else None) == expected


# -- rule speakers: constructions of news prose (sentences written for the tests) ------------------------
@pytest.mark.parametrize("sentence, denial, expected", [
    # auxiliaries and adverbs between subject and verb; a relative clause between them
    ("But Central Command, which oversees forces in the region, had strongly disputed that he was there.",
     True, ["Central Command"]),
    # leading adverbials and day names are not part of the name; titles are
    ("However during the hearing on Tuesday Mr Ebbers denied the allegations.", True, ["Mr Ebbers"]),
    # a coordinated denial takes the subject that opens the sentence
    ("Hernandez has pleaded not guilty and denied any role in the shootings.", True, ["Hernandez"]),
    ("However Hernandez has pleaded not guilty and denied any role.", True, ["Hernandez"]),
    # passives and infinitives are not somebody speaking: the inverted "the officials said" is
    ("The appointment is expected to be announced on Friday, the officials said.", False, ["the officials"]),
    # "according to X" names the source even when another reporting word comes first
    ("According to the Succession Act of 1947, the so-called survivor is kept secret.", False,
     ["the Succession Act of 1947"]),
    # a sentence adverb before the subject
    ("Moreover, the White House claimed on Thursday that the delivery was complete.", False, ["the White House"]),
    # several speakers: a list joined by "and"
    ("Despite the vote, Ukraine, the United States and the European Union have been refusing to recognize it.",
     True, ["Ukraine", "the United States", "the European Union"]),
    ("John Smith and Mary Jones said the plan had failed.", False, ["John Smith", "Mary Jones"]),
    # a comma after an opening phrase is not a list, a place after a preposition is not a speaker
    ("Speaking in London, Johnson said it was fine.", False, ["Johnson"]),
    ("A law on calls to prayer in Haifa and East Jerusalem passed a vote where Arab legislators denounced it.",
     False, ["Arab legislators"]),
    # a sentence break the splitter missed does not glue two sentences into one name
    ("They were shot leaving a nightclub. Prosecutors say Hernandez shot them.", False, ["Prosecutors"]),
])
def test_rule_speakers(sentence, denial, expected):
    from pipeline.candidates import rule_speakers

    found = rule_speakers(sentence, 0, len(sentence), denial=denial)
    assert [c.text for c in found] == expected
    assert all(sentence[c.start : c.end] == c.text for c in found)


@pytest.mark.parametrize("sentence", [
    "They can store it and retrieve disputed files within minutes.",  # an adjective, and no speaker
    "It had wanting to do with it, he said later.",
])
def test_rule_speaker_refuses_non_names(sentence):
    found = rule_speaker(sentence, 0, len(sentence), denial=True)
    assert found is None or found.text[0].isupper() or found.text.split()[0].lower() in {"the", "a", "an"}


@pytest.mark.parametrize("sentence, expected", [
    ("The minister denied the report.", True),
    ("The amendment was narrowly rejected by the Commons.", False),  # passive: a vote, not a dispute
    ("He has complained of being denied his legal rights.", False),
    ("The governments have been refusing to recognize the result.", True),
    ("The ministry called the report groundless.", True),
])
def test_denial_cues(sentence, expected):
    from pipeline.attribution import is_denial

    assert is_denial(sentence) is expected


@pytest.mark.parametrize("text, expected", [
    ("US President Donald Trump's administration dropped it. Vice President Mike Pence spoke. The president denied it.",
     "US President Donald Trump"),
    ("Vice President Mike Pence spoke. The president denied it.", "The president"),  # another office
    ("The chancellor denied it.", "The chancellor"),  # nothing more specific to find
    ("Mr Lee met the minister. The spokesperson denied it.", "The spokesperson"),
])
def test_most_specific_mention(text, expected):
    from pipeline.candidates import Candidate, most_specific_mention

    start = text.rindex("The ")
    end = text.rindex(" denied")
    found = most_specific_mention(text, Candidate(start, end, text[start:end], "subject"))
    assert found.text == expected and text[found.start : found.end] == found.text
