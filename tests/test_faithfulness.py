"""The faithfulness check on sentences written for these tests: numbers in several forms, a one-letter name change,
a title its holder does not have, a date."""
from __future__ import annotations

import pytest

from pipeline.faithfulness import constraint_words, normalise, related, support_for, unsupported
from pipeline.numbers import number_mentions, number_values

ARTICLE = (
    "Japan's Tokyo Shimbun reported on Tuesday that North Korea had shipped shells worth 2.4bn dollars to Russia. "
    "Health Minister Jane Doe met Governor Bill Smith in Osaka on 15 March 2009. "
    "About 43 per cent of the forty-three delegates backed US President Joe Biden, the paper said. "
    "Kim Jong-un's government called the report groundless."
)
TITLE = "North Korea denies shipping shells"


@pytest.fixture(scope="module")
def support(nlp):
    return support_for(nlp, ARTICLE, TITLE)


def problems(nlp, support, sentence: str) -> list[str]:
    return [str(u) for u in unsupported(nlp(sentence), support)]


@pytest.mark.parametrize("sentence", [
    "North Korea shipped shells worth $2.4 billion to Russia.",        # "2.4bn" = "2.4 billion"
    "North Korea shipped shells worth 2,400 million dollars.",         # = "2,400 million"
    "About 43% of 43 delegates backed President Biden.",               # "43 per cent", "forty-three", a title it has
    "Forty-three delegates met in Osaka.",                             # number words = digits
    "Doe met Smith on March 15, 2009.",                                # a date written another way
    "The Tokyo Shimbun's report was called groundless by Kim Jong Un's government.",  # possessives, hyphen
    "North Korean officials denied the report.",                       # a nationality of a place it names
    "Kim Jong Un's government called it groundless.",                 # the noun a name qualifies goes with it
    "The health minister met the governor on Tuesday.",
])
def test_supported_sentences_pass(nlp, support, sentence):
    assert problems(nlp, support, sentence) == []


@pytest.mark.parametrize("sentence, expected", [
    ("The Tokyo Shinbun said North Korea shipped shells.", ["name 'The Tokyo Shinbun'"]),      # one letter changed
    ("Governor Jane Doe met Bill Smith.", ["name 'Governor Jane Doe'"]),  # a title she does not hold
    ("Prime Minister Jane Doe met Smith.", ["name 'Prime Minister Jane Doe'"]),
    ("In 2024, Doe met Smith.", ["number '2024'"]),                                           # a year never stated
    ("Doe met Smith on 16 March 2009.", ["number '16'"]),                                     # a wrong day
    ("North Korea shipped shells worth 2.4 million dollars.", ["number '2.4 million'"]),      # the wrong scale
    ("About 44 per cent backed Biden.", ["number '44'"]),
    ("Officials in Pyongyang denied it on Wednesday.", ["name 'Pyongyang'", "name 'Wednesday'"]),
    ("The Japanese government called the report groundless.", ["name 'Japanese government'"]),  # whose government
])
def test_unsupported_names_and_numbers_are_found(nlp, support, sentence, expected):
    assert problems(nlp, support, sentence) == expected


def test_the_title_supports_names_and_numbers(nlp):
    support = support_for(nlp, "The ministry said the plan would cost more.", "Ruritania plans 7 new dams")
    assert problems(nlp, support, "Ruritania plans 7 new dams, the ministry said.") == []
    assert problems(nlp, support, "Ruritania plans 8 new dams.") == ["number '8'"]


@pytest.mark.parametrize("text, values", [
    ("43%", {43.0}),
    ("43 per cent", {43.0}),
    ("forty-three", {43.0}),
    ("$2.4bn", {2.4e9, 2.4}),          # the article side also keeps the unscaled number
    ("2.4 billion", {2.4e9, 2.4}),
    ("2,400 million", {2.4e9, 2400.0}),
    ("two thousand and nine", {2009.0}),
    ("on 15 March 2009 at 10:30", {15.0, 2009.0, 10.0, 30.0}),
    ("the 1990s", {1990.0}),
    ("hundreds of people, for the first time, one of two sides", set()),  # no figure is stated
    ("COVID-19", {19.0}),
])
def test_number_values(text, values):
    assert number_values(text) == values


def test_a_scaled_mention_stands_for_its_scaled_value_only():
    assert [m.values for m in number_mentions("2.4 million and 5m")] == [(2.4e6,), (5e6, 5.0)]  # "5m": maybe metres


@pytest.mark.parametrize("a, b, same", [
    ("korean", "korea", True), ("chinese", "china", True), ("russians", "russia", True),
    ("iraqi", "iraq", True), ("smiths", "smith", True),
    ("shinbun", "shimbun", False), ("smit", "smith", False), ("smyth", "smith", False),
])
def test_related_words(a, b, same):
    assert related(a, b) is same


def test_normalise():
    assert normalise("Kim Jong-un’s U.S. visit") == "kim jong un us visit"


def test_constraint_words():
    words = constraint_words("Tokyo Shimbun said 2.4bn was paid in 2009 by the ministry.")
    assert {"Tokyo", "Shimbun", "2", "4bn", "4", "bn", "billion", "2009", "Ministry", "The"} <= words
    assert "Shinbun" not in words and "2024" not in words and "million" not in words
