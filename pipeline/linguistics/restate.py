"""Checks on a model's restatement of a claim, read off its parse.

GUIDE.md wants a claim "without the attribution" ("X did Y", not "Z said X did Y"). Small models often keep
it ("The minister denied that ..."), or drift away from the proposition. A restatement that still carries an
attribution, or shares too little with the proposition it restates, is replaced by the proposition copied
from the article.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pipeline.linguistics import lexicon as lx

if TYPE_CHECKING:
    from spacy.tokens import Doc

_REPORTING = lx.REPORTING_VERBS
_DISPUTING = lx.DENYING_VERBS | lx.REJECTING_VERBS | {"plead", "refuse"}
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
# Share of the restatement's content words that must come from the proposition or its sentence.
MIN_SUPPORT = 0.5


# Words of our own prompt templates a restatement must not contain ("Statement: ...", "Rewrite the ...").
_ECHO = re.compile(r"\b(?:Statement|Sentence|Claim)\s*:|\bRewrite the\b|\bstandalone\b|\bReply with\b", re.I)


def _about_the_statement(doc: Doc) -> bool:
    """A text about the statement instead of restating it: "The statement is: ...", "The claim was made by X"."""
    first = next(iter(doc.sents)).root
    subject = next((c for c in first.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    return subject is not None and subject.lemma_.lower() in {"statement", "claim", "sentence", "quote"} and \
        (first.lemma_ == "be" or any(c.dep_ == "agent" for c in first.children))


def attribution_left(doc: Doc) -> bool:
    """The sentence is an attribution: its main verb reports or disputes ("X said that ...", "X denied ..."),
    or it opens with "according to"."""
    for sentence in doc.sents:
        root = sentence.root
        lemma = root.lemma_.lower()
        deps = {c.dep_ for c in root.children}
        if root.pos_ in {"VERB", "AUX"} and not deps & {"nsubjpass", "auxpass"} and "nsubj" in deps and (
                lemma in _REPORTING and deps & {"ccomp", "parataxis"} or
                lemma in _DISPUTING and deps & {"ccomp", "dobj", "xcomp"}):
            return True  # "X said that ...", "X denied the report" (not "the dam would hold")
        if any(t.lower_ == "according" and t.nbor(1).lower_ == "to" for t in sentence[:-1]):
            return True
    return False


def restatement_context(sentence: str, speakers: Iterable[Any]) -> str:
    """What a restatement may take its names from (the `sentence` of `restatement_problem`): the claim's sentence
    and the names of its resolved speakers (spans), which may stand for a pronoun of the sentence."""
    return " ".join([sentence, *(s.text for s in speakers)])


def restatement_problem(doc: Doc, proposition: str, sentence: str) -> str | None:
    """Why the restatement `doc` cannot stand for the proposition, or None when it can."""
    if len(doc) < 3:
        return "too short"
    if _ECHO.search(doc.text) and not _ECHO.search(sentence):
        return "echoes the prompt"
    if attribution_left(doc) or _about_the_statement(doc):
        return "attribution left"
    source = {w.lower() for w in (proposition + " " + sentence).replace("’", "'").split()}
    source |= {w.strip(".,;:!?\"'“”()") for w in source}
    words = [t for t in doc if t.pos_ in _CONTENT_POS and not t.is_stop]
    if words:
        supported = sum(1 for t in words if t.lower_ in source or t.lemma_.lower() in source or
                        any(w.startswith(t.lemma_.lower()[:5]) for w in source if len(t.lemma_) >= 5))
        if supported / len(words) < MIN_SUPPORT:
            return "drifts from the article"
    return None
