import pytest

from pipeline.agency import find_source_agency


@pytest.mark.parametrize("text, expected", [
    ("Story text.\nSource: AFP", "AFP"),
    ("WASHINGTON (Reuters) - The Senate voted.", "Reuters"),
    ("KIEV, March 19. /TASS/. Officials said.", "TASS"),
    ("Body of the story. es/sms (AFP, dpa)", "AFP, dpa"),
    ("Body. The Associated Press contributed to this report.", "Associated Press"),
    ("Body text.\n— Xinhua", "Xinhua"),
    # agencies joined by hyphens, and a credit line followed by a dash
    ("Body text.\nAFP-Reuters", None),  # a bare name line is not a credit form
    ("Body text.\n- AFP-Reuters", "AFP-Reuters"),
    ("Body text.\nReuters – AFP –", "Reuters – AFP"),
    ("Body text.\n(AFP) -", "AFP"),
    # credit forms as whole pages carry them on one line: editors' initials before share buttons, a trailing
    # dash, "Source:-X news agency" closing the text, contributor notes, TASS press reviews, "with dpa"
    ("Body. uhe/sri (Reuters, dpa) -", "Reuters, dpa"),
    ("Body. dm/rc-(Reuters, AFP, dpa) Send Facebook Twitter Permalink http://dw.com/p/16oQn", "Reuters, AFP, dpa"),
    ("Body. jr/gsw (Sueddeutsche Zeitung,-AFP, Reuters) Send Facebook", "AFP, Reuters"),
    ("Body. sri/uhe (AFP, Federal Ministry of Transport) -", "AFP"),
    ("Body, the report said.  Source:-AP news agency", "AP"),
    ('Body. "Associated Press writer Saleh Mwanamilongo in Kinshasa, Congo contributed.', "Associated Press"),
    ("Body. - TASS is not responsible for the material quoted in the press reviews", "TASS"),
    ('The report was published in the journal "Child Development." with dpa', "dpa"),
])
def test_credit_forms(text, expected):
    span = find_source_agency(text)
    if expected is None:
        assert span is None
        return
    assert span is not None and span.text == expected
    assert text[span.start : span.end] == expected


@pytest.mark.parametrize("text", [
    # an agency quoted inside the story is not the article's source
    "The ministry said so, as cited by the official KCNA news agency.",
    "Reuters reported earlier that talks had stalled.",
    # outlets and generic credits are not agencies
    "Body.\nSource:-Al Jazeera and news agencies",
    "Body.\nSource:-News agencies",
    "No credit at all.",
    "The talks with AP ended.",  # an agency named at the end is no credit line
    "A ratio of 1/2 (AFP) is fine, he said.",
])
def test_no_agency(text):
    assert find_source_agency(text) is None


def test_seed_article(seed_text):
    span = find_source_agency(seed_text)
    assert span.text == "AFP" and seed_text[span.start : span.end] == "AFP"
