"""A claim being drafted from attribution frames, and the comparisons that gather frames into one claim: the
same proposition (content words in common), the same speaker named two ways."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.linguistics.frame import Frame
from pipeline.linguistics.mentions import Mention
from pipeline.records import Span

if TYPE_CHECKING:
    from spacy.tokens import Token

_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"}
SAME_CLAIM_OVERLAP = 0.5


@dataclass
class ClaimDraft:
    """A claim before the model restates it: article spans for everything, the proposition as tokens."""

    frames: list[Frame]
    sentence: int  # the main evidence sentence
    proposition: list[Token]
    clausal: bool
    claimants: list[Span] = field(default_factory=list)
    deniers: list[Span] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    score: float = 0.0
    #: roles ("claimant"/"denier") given only by a pronoun the rules could not resolve (the model may be asked)
    unresolved: list[str] = field(default_factory=list)
    #: each frame's speakers as resolved mentions, by id(frame) (antecedents for the proposition's pronouns)
    speaker_mentions: dict[int, list[Mention]] = field(default_factory=dict)
    #: speakers that are only a claim noun ("reports suggest ..."): dropped when the claim has a named one
    generic: list[Span] = field(default_factory=list)
    #: the proposition as a sentence copied from the article (`claim_text`)
    rule_text: str = ""

    @property
    def disputed(self) -> bool:
        return bool(self.deniers) or any(f.denial for f in self.frames)

    @property
    def denial_sentences(self) -> list[int]:
        return sorted({f.sentence for f in self.frames if f.denial})


def content_words(tokens: list[Token]) -> set[str]:
    return {t.lemma_.lower() for t in tokens if t.pos_ in _CONTENT_POS and not t.is_stop and len(t.text) > 1}


def same_claim(drafts: list[ClaimDraft], words: set[str], *, denial: bool) -> ClaimDraft | None:
    """The earlier claim `words` restate, if any: the one sharing most content words, when they share at least
    half of the shorter one's and three words (two for a denial, which names its claim briefly)."""
    best, best_common = None, 0
    for draft in drafts:
        common = len(draft.words & words)
        enough = 2 if denial or any(f.denial for f in draft.frames) else 3
        if common >= enough and common / max(1, min(len(draft.words), len(words))) >= SAME_CLAIM_OVERLAP \
                and common >= best_common:
            best, best_common = draft, common
    return best


def overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def same_speaker(a: Span, b: Span) -> bool:
    """One speaker named two ways: the same name, or one name inside the other ("Uber", "Uber's lawyers")."""
    x, y = a.text.lower().removeprefix("the "), b.text.lower().removeprefix("the ")
    return x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} "


def same_name(a: Span, b: Span) -> bool:
    return a.text.lower().removeprefix("the ") == b.text.lower().removeprefix("the ")
