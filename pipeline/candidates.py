"""Candidate names for claimants and deniers: the article phrases a model may choose from.

Small models asked "who said it?" and allowed to copy *any* run of text tend to copy whole clauses.
We instead offer the phrases that can be a speaker — proper-name runs ("Japan’s Tokyo Shimbun"),
role phrases ("a senior US military official", "prosecutors") and the subject of a reporting verb
("the private company’s owner Yevgeny Prigozhin denied") — and the grounded decoder lets the model
write only one of them (or "none"). The phrases are character ranges of the article, so whatever the
model picks is verbatim text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.spans import make_span

_APOS = "'’"
_CAP_WORD = rf"(?:[A-Z][\w\-.]*(?:[{_APOS}]s)?|[A-Z]{{2,}})"
_CONNECT = r"(?:of|for|de|la|le|du|da|van|von|der|al|bin|el|the|and)"
_NAME_RUN = re.compile(rf"{_CAP_WORD}(?:\s+(?:{_CONNECT}\s+)?{_CAP_WORD})*(?:\s+\([A-Z][\w]*\))?")

# Nouns that name who speaks: people by role, institutions, groups.
ROLE_NOUNS = (
    "official", "officials", "spokesperson", "spokesman", "spokeswoman", "spokespeople", "minister", "ministry",
    "government", "authorities", "police", "prosecutor", "prosecutors", "prosecution", "defence", "defense",
    "lawyer", "lawyers", "attorney", "attorneys", "judge", "court", "panel", "jury", "analyst", "analysts",
    "expert", "experts", "historian", "historians", "critic", "critics", "opponents", "supporters",
    "campaigners", "activists", "advocates", "residents", "witnesses", "witness", "sources", "source",
    "investigators", "researchers", "scientists", "economists", "doctors", "officers", "officer",
    "loyalist", "loyalists", "legislators", "lawmakers", "senators", "MPs", "organisers", "organizers",
    "developers", "company", "firm", "agency", "department", "office", "committee", "council", "union",
    "report", "study", "survey", "newspaper", "daily", "media", "owner", "chief", "head",
    "president", "chairman", "executive", "leader", "leaders", "administration", "regulator", "regulators",
    "watchdog", "group", "party", "army", "military", "commander", "community", "worker", "workers",
    "secretary", "director", "manager", "observers", "diplomats", "diplomat", "people", "family",
)
_ROLE = re.compile(rf"\b(?:{'|'.join(ROLE_NOUNS)})\b")
_REPORTING_VERB = re.compile(
    r"\b(said|says|say|told|tells|claimed|claims|claim|alleged|alleges|accused|accuses|reported|reports|"
    r"stated|states|announced|announces|insisted|insists|argued|argues|warned|warns|added|believes|believe|"
    r"suggested|suggests|confirmed|confirms|acknowledged|admitted|maintained|maintains|testified|charged|"
    r"contended|asserted|predicted|estimated|revealed|concluded|found|denied|denies|deny|rejected|rejects|"
    r"condemned|mocked|blasted|slammed|criticised|criticized|praised|described|urged|vowed|pledged|promised|"
    r"noted|explained|wrote|tweeted|posted|defended|dismissed|"
    r"dismissed|dismisses|disputed|disputes|refuted|refutes|contradicted|contradicts|called|calls|hastened)\b")
_INVERTED = re.compile(r"\b(?:said|says|told|added|according to|wrote|claimed|stated|warned|insisted)\s+"
                       r"(?P<who>(?:the\s+|a\s+|an\s+)?[\w’'\-. ]{2,80}?)"
                       r"(?=[,.;:\n]|\s+(?:on|in|at|who|adding|that|as|after|while|when|because|but|and)\b|$)")
_CLAUSE_BREAK = re.compile(r"(?:^|[,;:“”\"(]|\b(?:that|but|and|while|as|when|after|because|although)\b)\s*")
_SUBJECT_CUT = re.compile(r"\s+(?:in|on|at|during|after|before|last|this|on\s+\w+day|earlier|later|also|has|had|have|"
                          r"was|were|is|are|had|would|will|then|who|which)\b.*$", re.S)
_LEADING_DET = re.compile(r"^(?:moreover|however|meanwhile|but|and|also|yet|still|so|then)\s+", re.I)
_NOT_NAMES = {
    "he", "she", "it", "they", "we", "i", "you", "this", "that", "these", "those", "there", "the", "a", "an",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "moreover", "however", "meanwhile", "but", "and", "in", "on", "at", "since", "despite", "after", "before",
    "when", "while", "if", "as", "for", "mr", "mrs", "ms", "dr", "source", "update", "read", "more",
}
MAX_WORDS = 9


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    text: str
    kind: str  # "name", "role", "subject", "inverted"


def speaker_candidates(text: str, start: int, end: int) -> list[Candidate]:
    """Phrases of text[start:end] that could name who asserts or denies something, in text order.

    Offsets are article offsets; each candidate's text is trimmed of edge punctuation and grounded.
    """
    window = text[start:end]
    found: dict[tuple[int, int], Candidate] = {}

    def add(s: int, e: int, kind: str) -> None:
        span = make_span(text, start + s, start + e)
        if span is None:
            return
        words = span.text.split()
        if not words or len(words) > MAX_WORDS or span.text.lower() in _NOT_NAMES:
            return
        if all(w.lower().strip(_APOS + ".,") in _NOT_NAMES for w in words):
            return
        found.setdefault((span.start, span.end), Candidate(span.start, span.end, span.text, kind))

    for m in _NAME_RUN.finditer(window):
        s, e = m.start(), m.end()
        # a sentence-initial function word ("Moreover Japan") is not part of a name
        lead = _LEADING_DET.match(window[s:e])
        if lead:
            s += lead.end()
        add(s, e, "name")
        phrase = window[s:e]
        # "North Korea’s foreign ministry": a possessive name with its role noun
        tail = None if not re.search(rf"[{_APOS}]s$", window[s:e]) else re.match(rf"\s+((?:[a-z][\w\-]*\s+){{0,3}}?(?:{'|'.join(ROLE_NOUNS)}))\b", window[e:])
        if tail:
            add(s, e + tail.end(), "name")
        # "Japan’s" alone and "Tokyo Shimbun" alone are also names someone may mean
        for part in re.finditer(rf"[^{_APOS}]+?(?:[{_APOS}]s\b|$)", phrase):
            piece = part.group().strip()
            if piece and piece != phrase:
                add(s + part.start() + (len(part.group()) - len(part.group().lstrip())), s + part.end(), "name")
    for m in _ROLE.finditer(window):
        s = _extend_left(window, m.start())
        add(s, m.end(), "role")
        behind = re.match(r"\s+(?:of|for|at|behind|from)\s+(?:the\s+)?(?:[A-Z][\w\-]*\s*){1,4}", window[m.end():])
        if behind:
            add(s, m.end() + behind.end(), "role")
    for m in _REPORTING_VERB.finditer(window):
        subject = _subject_before(window, m.start())
        if subject:
            add(*subject, "subject")
    for m in _INVERTED.finditer(window):
        if _inverted_ok(window, m):
            add(m.start("who"), m.end("who"), "inverted")
    return sorted(found.values(), key=lambda c: (c.start, c.end))


def _inverted_ok(window: str, m: re.Match[str]) -> bool:
    """An inverted attribution follows a quote or a comma ('"...," said the minister'), or is
    "according to X"; and names somebody (a capital or a determiner), not a clause ("said it was")."""
    who = m.group("who")
    if not (who[:1].isupper() or who.split()[0].lower() in {"the", "a", "an"}):
        return False
    return m.group().startswith("according") or bool(re.search(r"[,\"”’]\s*$", window[: m.start()]))


def _extend_left(window: str, index: int, max_words: int = 4) -> int:
    """Start of a role phrase: up to `max_words` modifier words before the role noun, stopping at
    punctuation, verbs and clause words ("said", "that")."""
    start = index
    for _ in range(max_words):
        m = re.search(r"([\w\-’'.]+)\s+$", window[:start])
        if not m:
            break
        word = m.group(1).lower()
        if word in _STOP_LEFT or _REPORTING_VERB.fullmatch(word):
            break
        start = m.start(1)
        if word in {"the", "a", "an", "one", "two", "three", "some", "several", "many", "its", "his", "her", "their"}:
            break
    return start


_STOP_LEFT = {"that", "and", "but", "or", "by", "to", "of", "with", "said", "says", "as", "while", "when",
              "is", "are", "was", "were", "has", "have", "had", "be", "been", "not", "if", "from", "for", "in", "on"}


def _subject_before(window: str, verb_start: int) -> tuple[int, int] | None:
    """The noun phrase before a reporting verb within its clause ("the private company’s owner Yevgeny
    Prigozhin" in "..., but the private company’s owner Yevgeny Prigozhin denied ..."). None for a
    pronoun subject ("He said"): the caller resolves those from earlier sentences."""
    clause_start = 0
    for m in _CLAUSE_BREAK.finditer(window, 0, verb_start):
        if m.end() <= verb_start:
            clause_start = m.end()
    phrase = window[clause_start:verb_start]
    # "Merkel, Germany's Chancellor, rejected": the subject is the name before the appositive
    appositive = re.search(rf"({_CAP_WORD}(?:\s+{_CAP_WORD})*),\s*[^,;.]{{1,60}},\s*$", window[:verb_start])
    if appositive and not phrase.strip():
        return appositive.start(1), appositive.end(1)
    stripped = _LEADING_DET.sub("", phrase.lstrip())
    offset = clause_start + (len(phrase) - len(stripped))
    # "Mr Brown vigorously denied": adverbs are not part of the subject
    stripped = re.sub(r"(?:\s+\w+ly)+\s*$", "", stripped.rstrip())
    # "During his time on the stand Mr Sullivan told": a leading adverbial phrase ends before the name
    if re.match(r"(?i)(?:during|in|on|at|after|before|speaking|asked|since|despite|under|with|for|from)\b", stripped):
        names = list(_NAME_RUN.finditer(stripped))
        if not names:
            return None
        offset += names[-1].start()
        stripped = stripped[names[-1].start():]
    cut = _SUBJECT_CUT.search(stripped)
    if cut and cut.start() > 0:
        stripped = stripped[: cut.start()]
    # "Ahmed Tibi, a Palestinian lawmaker, told": prefer the name before the appositive
    if re.match(r"(?i)(?:a|an|the)\s", stripped):
        before = re.search(rf"({_CAP_WORD}(?:\s+{_CAP_WORD})*),\s*$", window[:offset])
        if before:
            return before.start(1), before.end(1)
    if not stripped.strip() or len(stripped.split()) > MAX_WORDS or stripped.strip().lower() in _NOT_NAMES:
        return None
    return offset, offset + len(stripped)


_DENIAL_VERB = re.compile(r"\b(denied|denies|deny|rejected|rejects|dismissed|dismisses|disputed|disputes|refuted|"
                          r"refutes|contradicted|contradicts|called)\b")


def rule_speaker(text: str, start: int, end: int, *, denial: bool) -> Candidate | None:
    """The subject of the sentence's first reporting (or, with `denial`, denying) verb: the fallback when a
    model declines to answer. Inverted attributions ("..., said the minister") count too; a coordinated
    verb without its own subject ("X announced ..., but denied ...") takes the sentence's first subject."""
    window = text[start:end]
    verbs = [_DENIAL_VERB.search(window)] if denial else []
    verbs.append(_REPORTING_VERB.search(window))
    by_start = {(c.start, c.end): c for c in speaker_candidates(text, start, end)}

    def known(s: int, e: int) -> Candidate | None:
        span = make_span(text, start + s, start + e)
        if span is None:
            return None
        return by_start.get((span.start, span.end)) or Candidate(span.start, span.end, span.text, "subject")

    for verb in verbs:
        if verb is None:
            continue
        if re.search(r"\b(?:but|and)\s+(?:\w+ly\s+)?$", window[: verb.start()]):
            first = _REPORTING_VERB.search(window)
            if first is not None and first.start() < verb.start():
                verb = first
        subject = _subject_before(window, verb.start())
        if subject:
            return known(*subject)
        for m in _INVERTED.finditer(window, verb.start()):
            if _inverted_ok(window, m):
                return known(m.start("who"), m.end("who"))
    return None


_CLAIM_SOURCE = re.compile(
    rf"\b(?:claims?|reports?|allegations?|accusations?|suggestions?|assertions?|statement)\s+(?:made\s+)?by\s+"
    rf"(?P<by>(?:the\s+)?{_CAP_WORD}(?:\s+{_CAP_WORD})*)"
    rf"|(?P<owner>{_CAP_WORD}(?:\s+{_CAP_WORD})*)(?:[{_APOS}]s?)?\s+(?:claims?|reports?|allegations?|accusations?)\b")


def claim_source(text: str, start: int, end: int) -> Candidate | None:
    """Who made the claim a denial sentence disputes: "denied the claim made by Japan’s Tokyo Shimbun",
    "denied Conservative claims", "rejected Uber's claim"."""
    for m in _CLAIM_SOURCE.finditer(text, start, end):
        group = "by" if m.group("by") else "owner"
        span = make_span(text, m.start(group), m.end(group))
        if span is not None and span.text.lower() not in _NOT_NAMES:
            return Candidate(span.start, span.end, span.text, "source")
    return None
