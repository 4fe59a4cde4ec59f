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
])
def test_no_agency(text):
    assert find_source_agency(text) is None


def test_seed_article(seed_text):
    span = find_source_agency(seed_text)
    assert span.text == "AFP" and seed_text[span.start : span.end] == "AFP"
