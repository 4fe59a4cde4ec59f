"""Attribution cues: which sentences report somebody's claim, and which dispute one.

These rules choose *where* to ask the model (candidate claim sentences and their context windows); the
model then answers who claims and who denies, under grounded decoding. Rules are generic English
reporting-verb patterns, not tuned to particular articles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.records import Span

_CLAIM_CUES = re.compile(
    r"\b(said|says|say|saying|told|tells|claimed|claims?|claiming|alleged|alleges?|allegations?|accused|accuses|"
    r"reported|reports?|according to|stated|states|announced|announces|insisted|insists|argued|argues|"
    r"warned|warns|added|believes?|denounced|denounces|suggested|suggests?|confirmed|confirms|acknowledged|admitted|maintained|"
    r"maintains|testified|charged|contended|asserted|predicted|estimated|revealed|concluded|found|"
    r"condemned|blasted|slammed|criticised|criticized|described|urged|noted|wrote|tweeted)\b", re.I)
_DENIAL_CUES = re.compile(
    r"\b(denied|denies|deny|denying|denial|rejected|rejects|reject|rejecting|dismissed|dismisses|dismiss|"
    r"disputed|disputes|dispute|refuted|refutes|contradicted|contradicts|rebuffed|repudiated|"
    r"groundless|baseless|unfounded|false report|not true|untrue|fake news|pleaded not guilty|"
    r"not the case|played down|plays down|nonsense|rubbish|fabricated|fabrication|misleading|categorically|"
    r"called (?:it|the \w+) (?:\w+ )?(?:lies|false|nonsense|absurd)|"
    r"refus(?:e|es|ed|ing) to (?:recogni[sz]e|accept|acknowledge))\b", re.I)
# A denial verb after a form of "be" is passive ("the amendment was rejected by the Commons", "being denied
# his rights"): something was turned down, nobody disputes a claim.
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)(?:\s+\w+ly)?\s+$", re.I)
_DENIAL_VERB_FORM = re.compile(r"(?:denied|rejected|dismissed|disputed|refuted|contradicted|rebuffed|repudiated)$", re.I)
# A denial whose object is a back-reference ("denied the report") disputes a claim made earlier.
_BACK_REFERENCE = re.compile(
    r"\b(?:denied|denies|deny|rejected|rejects|dismissed|dismisses|disputed|disputes|refuted)\s+"
    r"(?:the|this|that|these|those|such|it|them)\b(?:\s+\w+){0,2}?\s*(?:report|reports|claim|claims|"
    r"allegation|allegations|accusation|accusations|story|charges?|suggestion|it|them)?\b", re.I)
_QUOTE = re.compile(r"[\"“”]")


@dataclass
class ClaimSite:
    """Where a claim is reported: its sentence, and sentences that dispute it."""

    sentence: Span
    index: int
    score: float
    denial_sentences: list[Span] = field(default_factory=list)
    denial_indices: list[int] = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        return bool(self.denial_sentences)


def is_denial(sentence: str) -> bool:
    return any(not (_DENIAL_VERB_FORM.match(m.group()) and _PASSIVE.search(sentence[: m.start()]))
               for m in _DENIAL_CUES.finditer(sentence))


def is_attributed(sentence: str) -> bool:
    return bool(_CLAIM_CUES.search(sentence) or _DENIAL_CUES.search(sentence))


def refers_back(sentence: str) -> bool:
    """A denial of something named elsewhere ("... denied the report as gossip")."""
    match = _BACK_REFERENCE.search(sentence)
    return bool(match) and len(sentence) - match.end() < 80


def find_claim_sites(sentences: list[Span], title: str | None, max_claims: int) -> list[ClaimSite]:
    """Pick up to `max_claims` attributed sentences: disputed ones and those in the lead first.

    A denial sentence that only refers back ("X denied the report") is attached to the closest earlier
    claim sentence instead of becoming a claim of its own.
    """
    if max_claims <= 0:
        return []
    title_words = _content_words(title or "")
    sites: list[ClaimSite] = []
    seen: list[set[str]] = []
    for index, sentence in enumerate(sentences):
        text = sentence.text
        if not is_attributed(text) or len(text) < 25:
            continue
        words = set(re.findall(r"\w+", text.lower()))
        # the same claim repeated later (long articles, wire copy pasted twice) is one claim
        if any(len(words & other) / max(1, len(words | other)) >= 0.8 for other in seen):
            continue
        seen.append(words)
        if is_denial(text) and refers_back(text) and sites and index - sites[-1].index <= 3:
            sites[-1].denial_sentences.append(sentence)
            sites[-1].denial_indices.append(index)
            continue
        score = 1.0
        if is_denial(text):
            score += 2.0
        if index < 3:
            score += 1.5 - 0.4 * index
        if title_words:
            overlap = len(title_words & _content_words(text)) / len(title_words)
            score += 1.5 * overlap
        if _QUOTE.search(text):
            score += 0.3
        site = ClaimSite(sentence=sentence, index=index, score=score)
        if is_denial(text):
            site.denial_sentences.append(sentence)
            site.denial_indices.append(index)
        sites.append(site)
    for site in sites:  # a claim somebody disputes is central by the guideline's definition
        if site.disputed:
            site.score += 1.0
    chosen = sorted(sites, key=lambda s: (-s.score, s.index))[:max_claims]
    return sorted(chosen, key=lambda s: s.index)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())} - _STOP


_STOP = {"that", "this", "with", "from", "have", "were", "been", "said", "says", "will", "would", "their",
         "they", "there", "about", "after", "over", "into", "than", "them", "what", "when", "which", "while"}
