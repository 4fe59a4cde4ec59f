import pytest

from pipeline.sentences import split_sentences


def test_sentence_offsets_are_exact(seed_text):
    sentences = split_sentences(seed_text)
    assert len(sentences) >= 12
    for s in sentences:
        assert seed_text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert sentences[-1].text == "Source: AFP"


def test_paragraph_lines_never_merge():
    text = "Headline without stop\nFirst sentence here. Second one.\n\nSource: AFP"
    texts = [s.text for s in split_sentences(text)]
    assert texts == ["Headline without stop", "First sentence here.", "Second one.", "Source: AFP"]


def test_abbreviations_do_not_split():
    text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They talked."
    assert len(split_sentences(text)) == 2


def test_one_huge_paragraph_is_split_exactly():
    # ~130k characters on one line: cut into pieces before pysbd (which is quadratic in paragraph length)
    text = " ".join(f"Officials said on day {i} that the plan was working." for i in range(2500))
    sentences = split_sentences(text)
    assert len(sentences) == 2500
    assert all(text[s.start : s.end] == s.text for s in sentences)


@pytest.mark.parametrize("text, expected", [
    # a "?" glued between a closing quote and the next word is a mangled quote, not a question's end
    ('"The market is weak,"?Dan Bucks said. He left.', ['"The market is weak,"?Dan Bucks said.', "He left."]),
    ('He called it "absurd"?and complained. Fine.', ['He called it "absurd"?and complained.', "Fine."]),
    ('It was an attack."?Not much else is known.', ['It was an attack."?', "Not much else is known."]),
    # real questions still end their sentence
    ('Was it "fake"? He did not say.', ['Was it "fake"?', "He did not say."]),
    ("Is it over?Yes it is.", ["Is it over?", "Yes it is."]),
])
def test_a_mangled_closing_quote_does_not_end_a_sentence(text, expected):
    spans = split_sentences(text)
    assert [s.text for s in spans] == expected
    assert all(text[s.start:s.end] == s.text for s in spans)


@pytest.mark.parametrize("text, expected", [
    # a link to another story, its headline glued to the next sentence: cut before a capitalised function word ...
    ("He left. READ MORE: US slaps new sanctions on Iran over missile test In a post, Trump said so. Fine.",
     ["He left.", "READ MORE: US slaps new sanctions on Iran over missile test", "In a post, Trump said so.", "Fine."]),
    # ... else before an opening quote, else before a capital
    ('READ MORE: Hundreds killed in Myanmar crackdown "We want them gone," a monk said.',
     ["READ MORE: Hundreds killed in Myanmar crackdown", '"We want them gone," a monk said.']),
    ("READ MORE: Palestinians changed by torture in jails Rachel Stroumsa said the report was true.",
     ["READ MORE: Palestinians changed by torture in jails", "Rachel Stroumsa said the report was true."]),
    # a headline ending its own piece has nothing glued to it
    ("READ MORE: Who is paying for Trump's wall? Rebekah Hinojosa is a Tejana.",
     ["READ MORE: Who is paying for Trump's wall?", "Rebekah Hinojosa is a Tejana."]),
    # share buttons are a piece of their own
    ("It ended. Send Facebook Twitter Google+ Whatsapp Tumblr linkedin stumble Digg reddit Newsvine Permalink "
     "http://dw.com/p/1JMFf Asked whether he agreed, he said no.",
     ["It ended.", "Send Facebook Twitter Google+ Whatsapp Tumblr linkedin stumble Digg reddit Newsvine Permalink "
      "http://dw.com/p/1JMFf", "Asked whether he agreed, he said no."]),
])
def test_page_furniture_is_a_sentence_of_its_own(text, expected):
    spans = split_sentences(text)
    assert [s.text for s in spans] == expected
    assert all(text[s.start:s.end] == s.text for s in spans)
