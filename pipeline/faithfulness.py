"""The faithfulness check: every name and number a generated text (summary, claim) contains must be supported
by its article (title included).

Names are read off spaCy's parse of the generated text (the parser pipeline of `pipeline.linguistics`): a
name is a run of tokens that are in a named entity (person, organisation, place, nationality, ...), are proper
nouns, or are capitalised nouns inside a sentence ("Health Minister Jane Doe" is one name: a title given to
someone goes with the name). A name is supported when

- its words occur in the article in that order (case, punctuation and a possessive "'s" aside): "Jong-un" is
  "Jong Un", "the foreign ministry" supports "Foreign Ministry"; or
- every word of it belongs to one name of the article, a nationality standing for its country ("North Korean"
  in "North Korea's"): "President Biden" is supported by "US President Joe Biden", not by "Biden, the
  president" nor by "Governor Bill Smith ... Jane Doe" for "Governor Jane Doe".

Numbers are compared as values (`pipeline.numbers`): "43%" = "43 per cent", "2.4bn" = "2.4 billion", dates by
their day and year (the month is a name). A surname with one letter changed, a year the article never
states, a title its holder does not have: each is an unsupported name or number.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.numbers import SCALE_SPELLINGS, number_mentions, number_values

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

    from pipeline.linguistics.parse import ParsedArticle

NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                         "LANGUAGE"})
# Suffixes that turn a place into its people or language ("Korea" -> "Korean", "China" -> "Chinese").
_DEMONYM_SUFFIXES = ("n", "an", "ian", "ese", "i", "ns", "ans", "ians", "is")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_INWORD = re.compile(r"(?<=\w)['.](?=\w)")  # U.S. -> US, O'Brien -> OBrien
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_NOT_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Lower case words separated by single spaces: punctuation, possessives and dotted abbreviations aside."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = _INWORD.sub("", _POSSESSIVE.sub("", text))
    return " ".join(_NOT_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class ArticleSupport:
    """What an article (with its title) states: its words, names and numbers."""

    #: the normalised article and title, " " at both ends
    text: str
    #: the normalised words of each name in the article
    names: tuple[frozenset[str], ...]
    numbers: frozenset[float]
    #: common nouns the article qualifies by a name ("ministry" in "North Korea's foreign ministry")
    qualified: frozenset[str]
    #: the words a constrained decoder may write that carry a name or number (see `constraint_words`)
    words: frozenset[str]


@dataclass(frozen=True)
class Unsupported:
    kind: str  # "name" or "number"
    text: str

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"{self.kind} {text!r}"


def article_support(parsed: ParsedArticle) -> ArticleSupport:
    """The support of an article parsed by `pipeline.linguistics.parse.parse_articles`."""
    docs = [*parsed.docs, *([parsed.title_doc] if parsed.title_doc is not None else [])]
    full = f"{parsed.title}\n{parsed.text}" if parsed.title else parsed.text
    units = [u for doc in docs for u in name_units(doc)]
    names = {frozenset(words) for words in map(_unit_words, units) if words}
    qualified = {u[-1].lower_ for u in units if u[-1].text.islower()}
    return ArticleSupport(text=f" {normalise(full)} ", names=tuple(names), numbers=number_values(full),
                          qualified=frozenset(qualified), words=constraint_words(full))


def support_for(nlp: Language, text: str, title: str | None = None) -> ArticleSupport:
    from pipeline.linguistics.parse import parse_articles

    return article_support(parse_articles(nlp, [(text, title)])[0])


def unsupported(doc: Doc, support: ArticleSupport) -> list[Unsupported]:
    """The names and numbers of the generated text `doc` that its article does not support, in text order."""
    found = [Unsupported("name", _unit_text(unit)) for unit in name_units(doc, support.qualified)
             if not _name_supported(unit, support)]
    found += [Unsupported("number", m.text) for m in number_mentions(doc.text)
              if not any(v in support.numbers for v in m.values)]
    return found


def check_texts(nlp: Language, texts: list[str], supports: list[ArticleSupport]) -> list[list[Unsupported]]:
    """`unsupported` for many texts at once (one `nlp.pipe` stream); empty texts have nothing unsupported."""
    docs = nlp.pipe(texts)
    return [unsupported(doc, support) if text.strip() else [] for text, doc, support in zip(texts, docs, supports)]


# ----------------------------------------------------------------------------------------------------- names

def name_units(doc: Doc, qualified: frozenset[str] | None = None) -> list[list[Token]]:
    """Runs of name tokens: a named entity with the proper nouns and titles around it ("US President Joe Biden"),
    and the common noun it qualifies ("the Japanese foreign ministry", "North Korea's foreign ministry"): whose
    ministry it is matters as much as the name. In a generated text only the nouns the article itself qualifies
    by a name (`qualified`) are taken: the article's "North Korea's foreign ministry" makes "the Japanese foreign
    ministry" a name to check, while "the Tokyo Shimbun's report" for "the Tokyo Shimbun reported" stays a
    paraphrase."""
    units: list[list[Token]] = []
    i = 0
    while i < len(doc):
        if not _is_name_token(doc[i]):
            i += 1
            continue
        end = i
        while end < len(doc) and _is_name_token(doc[end]):
            end += 1
        unit = _with_qualified_noun(list(doc[i:end]), qualified)
        units.append(unit)
        i = unit[-1].i + 1
    return [u for u in units if any(t.is_alpha for t in u)]


def _with_qualified_noun(unit: list[Token], qualified: frozenset[str] | None) -> list[Token]:
    """The unit up to the common noun its last word qualifies, when that noun closely follows (and is one of
    `qualified`, when given)."""
    last = unit[-1]
    head = last.head
    if last.dep_ in {"amod", "compound", "poss", "nmod"} and head.pos_ in {"NOUN", "PROPN"} and head.text.islower() \
            and 0 < head.i - last.i <= 3 and \
            (qualified is None or head.lower_ in qualified):
        return [*unit, *last.doc[last.i + 1: head.i + 1]]
    return unit


def _is_name_token(token: Token) -> bool:
    if token.is_space or token.like_num or token.tag_ == "POS":
        return False
    if token.ent_type_ in NAME_LABELS:
        return not (token.is_punct and (token.ent_iob_ == "B" or token.i + 1 >= len(token.doc)
                                        or token.doc[token.i + 1].ent_iob_ != "I"))
    if token.is_punct:
        return False
    if token.pos_ == "PROPN":
        return not token.text.islower()  # a lower-case "proper noun" is the small parser's mistake ("ministry")
    # a capitalised noun or adjective inside a sentence is a title or part of a name ("Health Minister")
    return token.text[:1].isupper() and not token.is_sent_start and token.pos_ in {"NOUN", "ADJ"}


def _unit_words(unit: list[Token]) -> list[str]:
    words = normalise(" ".join(t.text for t in unit)).split()
    return words[1:] if words[:1] == ["the"] else words


def _unit_text(unit: list[Token]) -> str:
    return unit[0].doc[unit[0].i: unit[-1].i + 1].text


def _name_supported(unit: list[Token], support: ArticleSupport) -> bool:
    words = _unit_words(unit)
    if not words or f" {' '.join(words)} " in support.text:
        return True
    content = [w for w in words if not unit[0].vocab[w].is_stop] or words
    return any(all(any(related(w, n) for n in name) for w in content) for name in support.names)


def related(word: str, other: str) -> bool:
    """The same word, a plural of it, or a nationality and its place ("koreans" / "korea", "chinese" / "china")."""
    if word == other:
        return True
    short, long_ = sorted((word, other), key=len)
    if len(short) < 3:
        return False
    stems = {short, short[:-1]} if short[-1] in "aeiouy" else {short}
    return any(long_ == stem + suffix for stem in stems for suffix in ("s", *_DEMONYM_SUFFIXES))


# ----------------------------------------------------------------------------------------- decoding constraint

def constraint_words(text: str) -> frozenset[str]:
    """The words carrying a name or number that a decoder constrained to `text` may write: every word of it with a
    capital or a digit as written, the digit runs inside words ("2.4bn" -> "4"), the other spellings of a scale
    it uses ("bn" -> "billion"), and every lower-case word also capitalised (a sentence may start with it).
    Words that are neither (lower-case, no digit) are always allowed; so is any stop word capitalised."""
    words = set(_WORD.findall(text))
    words |= {run for w in words for run in re.findall(r"\d+", w)}
    words |= {run for w in words for run in re.findall(r"[^\W\d_]+", w) if any(c.isdigit() for c in w)}
    lowered = {w.lower() for w in words}
    for spellings in SCALE_SPELLINGS:
        if spellings & lowered:
            words |= spellings
    from spacy.lang.en.stop_words import STOP_WORDS

    words |= {w[:1].upper() + w[1:] for w in [*words, *STOP_WORDS] if w.islower()}
    return frozenset(words)
