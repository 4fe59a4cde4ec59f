"""Property-based tests (hypothesis) for the id-to-file-name function and the span/offset helpers."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from pipeline.output import safe_filename
from pipeline.records import Span
from pipeline.spans import _EDGE, dedupe, find_all, is_grounded, locate, make_span

RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
# Ids users really send, and the hostile ones the issue names, mixed into hypothesis' own text.
ids = st.one_of(
    st.text(max_size=400),
    st.from_regex(r"[a-z0-9][a-z0-9._-]{0,120}", fullmatch=True),
    st.sampled_from(["../../etc/passwd", "CON", "con", "con.txt", "Nul", "lpt1", "com9.json", ".", "..", "",
                     "a/b", "a\\b", "x--y", "seed-1", "😀" * 300, "\x00", "ab.", " a", "a ", "\ud800"]),
)
TEXT = st.text(alphabet=st.sampled_from("ab Ab.,;\"'“”\n—xé"), max_size=60)


@st.composite
def text_and_piece(draw) -> tuple[str, int, int]:
    """An article text and a non-empty [start, end) inside it."""
    text = draw(TEXT.filter(bool))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@settings(max_examples=200, deadline=None)
@given(ids)
def test_file_name_stays_inside_its_folder(article_id):
    name = safe_filename(article_id)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in {".", ".."} and not name.startswith(".")
    folder = Path("/run/facts")
    assert (folder / name).parent == folder and len(Path(name).parts) == 1


@settings(max_examples=200, deadline=None)
@given(ids)
def test_file_name_is_portable_bounded_and_not_reserved(article_id):
    name = safe_filename(article_id)
    # Lower-case ASCII only: the same name on case-insensitive and normalising file systems (macOS, Windows).
    assert re.fullmatch(r"[a-z0-9._-]+\.json", name), name
    assert len(name) <= 105
    assert name.split(".")[0] not in RESERVED
    assert not name[:-len(".json")].endswith((".", " "))  # Windows strips these, which could merge names


@settings(max_examples=200, deadline=None)
@given(ids, ids)
@example("A", "a")
@example("CON", "con")
@example("😀" * 300, "😀" * 299)
@example("a/b", "a-b")
@example("x--y", "x-y")
def test_distinct_ids_get_distinct_file_names(first, second):
    assume(first != second)
    assert safe_filename(first) != safe_filename(second)


@settings(max_examples=200, deadline=None)
@given(ids)
def test_file_name_is_a_function_of_the_id(article_id):
    assert safe_filename(article_id) == safe_filename(str(article_id))


@given(st.from_regex(r"[a-z0-9](?:[a-z0-9_]|-(?!-)){0,40}", fullmatch=True))
def test_plain_ids_keep_their_name(article_id):
    assume(article_id.split(".")[0] not in RESERVED)
    assert safe_filename(article_id) == f"{article_id}.json"


# --- spans -------------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(-5, 70), st.integers(-5, 70), st.booleans())
def test_make_span_is_grounded_inside_the_request_and_trimmed(text, start, end, trim):
    span = make_span(text, start, end, trim=trim)
    if span is None:
        lo, hi = max(0, start), min(len(text), end)
        assert hi <= lo or (trim and all(c in _EDGE for c in text[lo:hi]))
        return
    assert is_grounded(span, text)
    assert max(0, start) <= span.start < span.end <= min(len(text), end)
    if trim:
        assert span.text[0] not in _EDGE and span.text[-1] not in _EDGE


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT)
def test_find_all_finds_exactly_the_occurrences(text, needle):
    expected = [i for i in range(len(text)) if needle and text.startswith(needle, i)]
    assert find_all(text, needle) == expected


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT, st.integers(0, 60))
def test_locate_returns_grounded_text_or_nothing(text, needle, near):
    span = locate(text, needle, near=near)
    if span is None:
        return
    assert is_grounded(span, text)
    assert span.text.lower() == needle.strip().strip(_EDGE).lower()


@settings(max_examples=150, deadline=None)
@given(text_and_piece(), st.integers(0, 60))
def test_locate_finds_every_piece_of_the_article(piece, near):
    text, start, end = piece
    needle = text[start:end].strip().strip(_EDGE)
    assume(needle)
    span = locate(text, needle, near=near)
    assert span is not None and span.text == needle and is_grounded(span, text)
    # Of all the places the needle occurs, the one nearest the hint is chosen.
    assert abs(span.start - near) == min(abs(i - near) for i in find_all(text, needle))


@settings(max_examples=100, deadline=None)
@given(TEXT, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8))
def test_dedupe_keeps_order_and_drops_repeats(text, bounds):
    spans = [make_span(text, s, e) for s, e in bounds]
    kept = dedupe(spans)
    assert all(s is not None for s in kept)
    positions = [spans.index(s) for s in kept]
    assert positions == sorted(positions)
    keys = [re.sub(r"\W+", " ", s.text.lower()).strip() for s in kept]
    assert len(keys) == len(set(keys))


@settings(max_examples=200, deadline=None)
@given(text_and_piece(), st.integers(-3, 3))
def test_is_grounded_rejects_any_shifted_span(piece, shift):
    text, start, end = piece
    span = Span(text=text[start:end], start=start, end=end)
    assert is_grounded(span, text)
    moved = Span(text=span.text, start=max(0, start + shift), end=max(0, end + shift))
    assert is_grounded(moved, text) == (text[moved.start:moved.end] == span.text)


# -- the linguistic layer: whatever the text, every span it outputs is verbatim article text ------------------
_NAMES = ["Mr Lee", "the ministry", "Acme Corp", "She", "They", "Japan’s Tokyo Shimbun", "THE DEFENSE Ann Roe",
          "US President Jo Kim", "the firm", "It", "Officials", "Smith & Co", "the 71-year-old former star"]
_VERBS = ["said", "denied", "rejected the report", "called the claims false", "insisted", "pleaded not guilty",
          "told reporters", "claimed", "dismissed the allegations as rubbish", "has denied"]
_CLAUSES = ["that the army shelled the village", "the figures were wrong", "“we broke no rules”", "", "it",
            "that he had met the envoy on Tuesday", "having paid £3.4bn", "the charges of fraud"]
_GLUE = [". ", ", ", " and ", "; ", "\n", ". But ", " — ", "\" ", ". According to police, "]


@st.composite
def _articles(draw):
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        parts += [draw(st.sampled_from(_NAMES)), " ", draw(st.sampled_from(_VERBS)), " ",
                  draw(st.sampled_from(_CLAUSES)), draw(st.sampled_from(_GLUE))]
        if draw(st.booleans()):
            parts.append(draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=12)))
    return "".join(parts)


@settings(max_examples=60, deadline=None)
@given(text=_articles())
def test_claims_spans_are_always_grounded(nlp, text):
    from pipeline.linguistics.claims import draft_claims
    from pipeline.linguistics.parse import parse_articles

    (parsed,) = parse_articles(nlp, [(text, None)])
    drafts = draft_claims(parsed, 5)
    assert len(drafts) <= 5
    for draft in drafts:
        for span in draft.claimants + draft.deniers + draft.evidence:
            assert text[span.start : span.end] == span.text and span.text.strip()
        assert not {(c.start, c.end) for c in draft.claimants} & {(d.start, d.end) for d in draft.deniers}
        assert draft.rule_text.strip()
