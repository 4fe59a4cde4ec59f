"""Numbers in English text as values, so that "43%" == "43 per cent", "2.4bn" == "2.4 billion" == "2,400 million"
and "forty-three" == "43".

Number words become digits with `text2num` (`alpha2digit`: "two thousand and nine" -> "2009"); a number
followed by a scale ("2.4bn", "1.5 million", "$3 billion") counts as its scaled value. What we leave out on
purpose, because a summary writes them without stating a figure: vague plurals ("hundreds of", "dozens"),
"one"/"two" written as words (`alpha2digit` leaves isolated small numbers alone: "one of the", "the two
sides"), and ordinals written as words ("for the first time"). A percent sign or currency is not part of the
value: "43%" and "43" are the same number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
          "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
#: abbreviations that also read as units ("5m" may be five metres): such a number also stands for itself
_AMBIGUOUS_SCALES = frozenset({"m", "b", "k"})
#: the spellings of one scale, so a decoder allowed to write "2.4bn" may also write "2.4 billion"
SCALE_SPELLINGS = (frozenset({"thousand", "k"}), frozenset({"million", "mn", "mln", "m"}),
                   frozenset({"billion", "bn", "b"}), frozenset({"trillion", "tn"}))
#: number words a decoder may write only when its source has them ("one" and "two" stay free, as above)
NUMBER_WORDS = frozenset("""three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion
trillion""".split())
# Words `alpha2digit` would turn into numbers although no figure is stated.
_VAGUE = re.compile(r"\b(?:hundreds|thousands|millions|billions|trillions|dozens|tens|scores)\b", re.IGNORECASE)
_DIGITS = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
_SCALED = re.compile(_DIGITS + r"\s*(" + "|".join(sorted(SCALES, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_PLAIN = re.compile(_DIGITS + r"(st|nd|rd|th)?(?![\d.,]\d)", re.IGNORECASE)


@dataclass(frozen=True)
class NumberMention:
    text: str
    #: the values this mention may stand for (a scaled number: its scaled value, and itself when the scale is ambiguous)
    values: tuple[float, ...]


def value_key(value: float) -> float:
    """Values compared at 9 significant digits: 2.4 * 1e9 and 2400 * 1e6 are one number."""
    return float(f"{value:.9g}")


def number_mentions(text: str) -> list[NumberMention]:
    """Every number stated in `text`, in digits or words, with the values it stands for."""
    mentions: list[NumberMention] = []

    def scaled(match: re.Match) -> str:
        base = _base(match)
        scale = match.group(3).lower()
        values = [value_key(base * SCALES[scale])]
        if scale in _AMBIGUOUS_SCALES:
            values.append(value_key(base))
        mentions.append(NumberMention(match.group(0), tuple(values)))
        return " ; "  # consumed: alpha2digit must not read the scale word as a number of its own

    rest = _SCALED.sub(scaled, text)
    rest = _VAGUE.sub(" ; ", rest)
    converted = _words_to_digits(rest)
    for match in _PLAIN.finditer(converted):
        if match.group(3) and match.group(0) not in rest:
            continue  # an ordinal written as a word ("first" -> "1st"): not a stated figure
        mentions.append(NumberMention(match.group(0), (value_key(_base(match)),)))
    return mentions


def number_values(text: str) -> frozenset[float]:
    """The values stated in `text`: every mention's values, and each scaled number also unscaled (a text saying
    "2.4bn" supports a later "2.4")."""
    values: set[float] = set()
    for mention in number_mentions(text):
        values.update(mention.values)
    values.update(value_key(_base(m)) for m in _SCALED.finditer(text))
    return frozenset(values)


def _base(match: re.Match) -> float:
    return float(match.group(1).replace(",", "") + (match.group(2) or ""))


@lru_cache(maxsize=4096)
def _words_to_digits(text: str) -> str:
    from text_to_num import alpha2digit  # imported late: only the faithfulness check needs it

    return alpha2digit(text, "en")
