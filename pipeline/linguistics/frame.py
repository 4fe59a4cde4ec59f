"""One attribution frame: who asserts or disputes what, in one sentence (read off the parse by `frames`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token


@dataclass
class Frame:
    sentence: int
    cue: Token
    denial: bool
    speakers: list[Token] = field(default_factory=list)  # heads of speaker phrases, coordinated ones included
    content: list[Token] = field(default_factory=list)  # the proposition's tokens, in order
    clausal: bool = False  # content is a clause (has a verb), not a bare noun phrase
    sources: list[Token] = field(default_factory=list)  # who made the disputed claim (denials)
    back_reference: bool = False  # "denied the report": disputes a claim stated elsewhere
    counter: bool = False  # "critics say ...": the content is a counter-claim to a claim stated elsewhere
    #: what the speaker says in their own words, when that is not `content` ("there is no evidence that P"
    #: disputes P): the claim a counter-frame makes when it answers no claim of the article
    statement: list[Token] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.cue.i
