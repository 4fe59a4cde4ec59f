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
    r"noted|explained|wrote|tweeted|posted|defended|denounced|denounces|"
    r"dismissed|dismisses|disputed|disputes|refuted|refutes|contradicted|contradicts|called|hastened)\b")
# A reporting word right after these is a noun ("these reports", "the claims") or passive/infinitive
# ("is expected to be announced", "were found guilty"): nobody is speaking there. ("have been refusing"
# is progressive: an -ing form after them still speaks.)
_NOT_VERB_BEFORE = re.compile(r"\b(?:(?:to|be|been|being|is|are|was|were)(?:\s+\w+ly)?|the|a|an|these|those|this|such|"
                              r"its|his|her|their|our|my|your)\s+$|\bso-$", re.I)
_ACCORDING_TO = re.compile(r"\baccording to\b", re.I)


def reporting_verbs(window: str, pattern: re.Pattern[str] | None = None) -> list[re.Match[str]]:
    """Matches of a reporting (or denial) verb in `window` used as a verb of somebody speaking."""
    return [m for m in (pattern or _REPORTING_VERB).finditer(window)
            if not (_NOT_VERB_BEFORE.search(window[: m.start()]) and not m.group().endswith("ing"))]


_INVERTED = re.compile(r"\b(?:said|says|told|added|[Aa]ccording to|wrote|claimed|stated|warned|insisted)\s+"
                       r"(?P<who>(?:the\s+|a\s+|an\s+)?[\w’'\-. ]{2,80}?)"
                       r"(?=[,.;:\n]|\s+(?:on|in|at|who|adding|that|as|after|while|when|because|but|and)\b|$)")
_CLAUSE_BREAK = re.compile(r"(?:^|[,;:“”\"(]|\b(?:that|but|and|while|as|when|after|because|although|where|who|which)\b)\s*")
_SUBJECT_CUT = re.compile(r"\s+(?:in|on|at|during|after|before|last|this|on\s+\w+day|earlier|later|also|has|had|have|"
                          r"was|were|is|are|had|would|will|then|who|which)\b.*$", re.S)
_LEADING_DET = re.compile(r"^(?:moreover|however|meanwhile|but|and|also|yet|still|so|then|although|though|whereas|"
                          r"because|since|if|when|while)\s+", re.I)
_NOT_NAMES = {
    "he", "she", "it", "they", "we", "i", "you", "this", "that", "these", "those", "there", "the", "a", "an",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "moreover", "however", "meanwhile", "but", "and", "in", "on", "at", "since", "despite", "after", "before",
    "when", "while", "if", "as", "for", "mr", "mrs", "ms", "dr", "source", "update", "read", "more",
    "earlier", "later", "separately", "previously", "instead", "today", "yesterday", "overall", "now",
    "recently", "still", "also", "then", "last", "next", "first",
}
# Words that cannot open a speaker phrase (titles and determiners can: "Mr Ebbers", "the president").
_NOT_OPENING = _NOT_NAMES - {"the", "a", "an", "mr", "mrs", "ms", "dr"}
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
    for m in reporting_verbs(window):
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
    # "US Central Command ... had strongly disputed": auxiliaries and adverbs are not part of the subject
    verb_start = _AUX_TAIL.search(window[:verb_start]).start()
    clause_start = 0
    for m in _CLAUSE_BREAK.finditer(window, 0, verb_start):
        if m.end() <= verb_start:
            clause_start = m.end()
    # a sentence break the splitter missed ("... a Boston nightclub. Prosecutors say") starts a clause
    breaks = [m for m in _SENTENCE_BREAK.finditer(window, clause_start, verb_start) if not _ABBREVIATION.search(window[: m.end()])]
    if breaks:
        clause_start = breaks[-1].end()
    phrase = window[clause_start:verb_start]
    # "Merkel, Germany's Chancellor, rejected", "US Central Command, which oversees forces, had disputed":
    # the subject is the name before the appositive or relative clause
    if not phrase.strip():
        appositive = _APPOSITIVE.search(window[:verb_start])
        return _trimmed(window, appositive.start(1), appositive.end(1)) if appositive else None
    stripped = _LEADING_DET.sub("", phrase.lstrip())
    offset = clause_start + (len(phrase) - len(stripped))
    stripped = stripped.rstrip()
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
    if not stripped.strip() or len(stripped.split()) > MAX_WORDS or stripped.strip().lower() in _NOT_NAMES:
        return None
    return _trimmed(window, offset, offset + len(stripped))


# "NAME, a city with ..., where most residents are Russians, refused": a name opening its clause, then one or
# two comma-delimited descriptions.
_APPOSITIVE = re.compile(rf"(?:^|[,;:]\s*|\b(?:and|but)\s+)\W*(?:the\s+)?({_CAP_WORD}(?:\s+(?:{_CONNECT}\s+)?{_CAP_WORD})*)"
                         rf"(?:,\s*[^,;.]{{1,80}}){{1,2}},\s*$")
# Auxiliaries and adverbs between a subject and its verb ("has denied", "had strongly disputed").
_AUX_TAIL = re.compile(r"(?:\s+(?:has|have|had|also|would|will|could|did|does|do|not|\w+ly))*\s*$")
# What a phrase must hold to name a speaker: a capital, a role noun or a determiner ("the official");
# a lone verb or clause piece ("had", "wanting to") is a parsing slip, not a name.
_NAMEY = re.compile(rf"[A-Z]|\b(?:{'|'.join(ROLE_NOUNS)})\b|^(?:the|a|an|some|several|many|one|two|three)\s")


_SENTENCE_BREAK = re.compile(r"[.!?][\"”’]?\s+(?=[A-Z])")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Col|Gen|Lt|Sgt|Rev|Jr|Sr|[A-Z])\.[\"”’]?\s+$")


def _trimmed(window: str, s: int, e: int) -> tuple[int, int] | None:
    """(s, e) without what cannot open a name: text before a sentence break that pysbd missed ("... a
    Boston nightclub. Prosecutors"), URL pieces, and leading day and month names ("Tuesday Mr Ebbers")."""
    broken = [m for m in _SENTENCE_BREAK.finditer(window, s, e) if not _ABBREVIATION.search(window[: m.end()])]
    if broken:
        s = broken[-1].end()
    while True:
        first = re.match(r"(\S+)\s+", window[s:e])
        if not first or not ("/" in first.group(1) or first.group(1).lower().strip(",.") in _NOT_OPENING):
            break
        s += first.end()
    phrase = window[s:e]
    if not phrase.strip() or phrase.strip().lower() in _NOT_NAMES or not _NAMEY.search(phrase):
        return None
    return s, e


_DENIAL_VERB = re.compile(r"\b(denied|denies|deny|rejected|rejects|dismissed|dismisses|disputed|disputes|refuted|"
                          r"refutes|contradicted|contradicts|called|refused|refuses|refuse|refusing)\b")
# "Hernandez has pleaded not guilty and denied ...": the subject that opens the sentence, before its first verb
# (used with .match at the position after a leading sentence adverb)
_OPENING_SUBJECT = re.compile(rf"(?:\W*[A-Z]{{2,}}(?:\s+[A-Z]{{2,}})*\s+)?(?P<who>{_NAME_RUN.pattern})"
                              rf"(?=(?:\s+\w+ly)?\s+(?:has|have|had|was|is|were|are|will|would|\w+ed)\b)")


def rule_speaker(text: str, start: int, end: int, *, denial: bool) -> Candidate | None:
    """Who speaks in text[start:end], by syntax, or None: "according to X"; else the subject of the first
    denying (with `denial`) or reporting verb, or an inverted attribution ("..., said the minister"); a
    coordinated verb without its own subject ("X announced ..., but denied ...") takes the sentence's
    subject. None for a pronoun subject (the caller looks at earlier sentences)."""
    window = text[start:end]
    by_start = {(c.start, c.end): c for c in speaker_candidates(text, start, end)}

    def known(s: int, e: int) -> Candidate | None:
        span = make_span(text, start + s, start + e)
        if span is None:
            return None
        return by_start.get((span.start, span.end)) or Candidate(span.start, span.end, span.text, "subject")

    if not denial:
        for m in _INVERTED.finditer(window):
            if _ACCORDING_TO.match(m.group()):
                trimmed = _trimmed(window, m.start("who"), m.end("who"))
                if trimmed:
                    return known(*trimmed)
    verbs = reporting_verbs(window, _DENIAL_VERB)[:1] if denial else []
    verbs += reporting_verbs(window)[:1]
    for verb in verbs:
        if re.search(r"\b(?:but|and)\s+(?:\w+ly\s+)?$", window[: verb.start()]):
            earlier = [v for v in reporting_verbs(window) if v.start() < verb.start()]
            lead = _LEADING_DET.match(window)
            skip = lead.end() if lead else 0
            opening = _OPENING_SUBJECT.match(window, skip)
            if earlier:
                verb = earlier[0]
            elif opening:
                trimmed = _trimmed(window, opening.start("who"), opening.end("who"))
                if trimmed:
                    return known(*trimmed)
        subject = _subject_before(window, verb.start())
        if subject:
            return known(*subject)
        for m in _INVERTED.finditer(window, verb.start()):
            if _inverted_ok(window, m):
                trimmed = _trimmed(window, m.start("who"), m.end("who"))
                if trimmed:
                    return known(*trimmed)
    return None


# "Ukraine, the United States and the European Union refuse ...", "X and Y said": the conjuncts before
# the subject the clause rule found (which stops at "and" and commas).
_CONJUNCT = re.compile(rf"(?:(?P<who>(?:the\s+)?{_NAME_RUN.pattern}|(?:[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+"
                       rf"(?:[\w\-]+\s+){{0,2}}?(?:{'|'.join(ROLE_NOUNS)}))\s*(?P<sep>,\s*(?:and\s+)?|\s+and\s+))$")


def rule_speakers(text: str, start: int, end: int, *, denial: bool) -> list[Candidate]:
    """`rule_speaker` and the names coordinated with it ("X, Y and Z denied"): everyone the syntax names."""
    first = rule_speaker(text, start, end, denial=denial)
    if first is None:
        return []
    found = [first]
    cursor = first.start
    for step in range(8):
        m = _CONJUNCT.search(text, start, cursor)
        # a list is only a list if its last link is "and": "In London, Johnson said" is not "London and Johnson"
        if m is None or (step == 0 and "and" not in m.group("sep")):
            break
        # "calls to prayer in Israel and occupied East Jerusalem": a conjunct after a preposition is a place
        if re.search(r"\b(?:in|of|to|from|at|on|for|with|by|between|into|over|across)\s+$", text[start : m.start()]):
            break
        span = make_span(text, m.start(), m.end("who"))
        if span is None or span.text.lower() in _NOT_NAMES or not _NAMEY.search(span.text):
            break
        found.insert(0, Candidate(span.start, span.end, span.text, "subject"))
        cursor = m.start()
    return found


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


_BARE_ROLE = re.compile(r"(?i)^the\s+(?P<role>[a-z]+)$")


def most_specific_mention(text: str, span: Candidate) -> Candidate:
    """For a bare title ("the president"), the article's first earlier mention of that title with a name
    ("US President Donald Trump"); the guideline asks for the most specific mention, and news prose
    introduces the full name first. Anything else, or no such mention, is returned unchanged. A different
    office that contains the title ("Vice President Mike Pence", "former President Obama") is not it."""
    bare = _BARE_ROLE.match(span.text)
    if bare is None or bare.group("role").lower() not in ROLE_NOUNS:
        return span
    title = bare.group("role").capitalize()
    # lowercase qualifiers sit outside the capitalised name run, capitalised ones open it
    titled = re.compile(rf"(?<![A-Za-z-])(?<!former )(?<!ex-){title}\s+{_CAP_WORD}")
    for m in titled.finditer(text, 0, span.start):
        run = next((r for r in _NAME_RUN.finditer(text, max(0, m.start() - 40), span.start)
                    if r.start() <= m.start() < r.end()), None)
        if run is None or re.match(r"(?:Vice|Deputy|Former|Ex)\b", run.group()):
            continue
        end = run.end() - (2 if re.search(rf"[{_APOS}]s$", run.group()) else 0)  # "Donald Trump's administration"
        found = make_span(text, run.start(), end)
        if found is not None:
            return Candidate(found.start, found.end, found.text, "name")
    return span


_PRONOUN_DENIAL = re.compile(r"(?i)\b(?:he|she|they|it|we)\s+(?:\w+ly\s+)?(?:has\s+|have\s+|had\s+)?(?:also\s+)?"
                             r"(?:denied|denies|deny|rejected|rejects|dismissed|dismisses|disputed|disputes|refuted|"
                             r"refutes)\b")


def pronoun_denies(sentence: str) -> bool:
    """A denial verb whose subject is a pronoun ("But he denied that ..."): who it is lies in earlier text."""
    return bool(_PRONOUN_DENIAL.search(sentence))
