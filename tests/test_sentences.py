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
