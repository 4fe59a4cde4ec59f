from pipeline.records import Span
from pipeline.spans import dedupe, find_all, is_grounded, locate, make_span

TEXT = "The White House said on Thursday that the White House would “respond”."


def test_make_span_trims_edges_and_keeps_offsets():
    span = make_span(TEXT, 3, 17)  # " White House s" minus trailing chars
    assert span is not None and TEXT[span.start : span.end] == span.text
    quoted = make_span(TEXT, TEXT.index("“"), TEXT.index("”") + 1)
    assert quoted.text == "respond"


def test_make_span_empty_after_trim_is_none():
    assert make_span(TEXT, 0, 0) is None
    assert make_span("  , ", 0, 4) is None


def test_locate_picks_occurrence_nearest_hint():
    far = locate(TEXT, "White House", near=len(TEXT))
    near = locate(TEXT, "White House", near=0)
    assert near.start == 4 and far.start == TEXT.rindex("White House")
    assert is_grounded(far, TEXT) and is_grounded(near, TEXT)


def test_locate_case_insensitive_returns_article_casing():
    span = locate(TEXT, "white house")
    assert span.text == "White House"


def test_locate_refuses_text_not_in_article():
    assert locate(TEXT, "Kremlin") is None


def test_find_all_overlapping():
    assert find_all("aaa", "aa") == [0, 1]


def test_is_grounded_rejects_wrong_offsets():
    assert not is_grounded(Span(text="White", start=0, end=5), TEXT)


def test_dedupe_by_normalised_text():
    a = Span(text="White House", start=4, end=15)
    b = Span(text="White House", start=38, end=49)
    assert dedupe([a, None, b]) == [a]
