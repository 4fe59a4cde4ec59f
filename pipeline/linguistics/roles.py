"""Who speaks, read off a parse: the speaker of a verb (its subject, passive agent, or the subject it
shares through coordination or subordination), the author of a claim noun, and whether somebody can speak
at all. Shared by the attribution frames (`frames`, `denials`) and `content`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics import lexicon as lx
from pipeline.linguistics.mentions import (DOCUMENT_NOUNS, ORG_NOUNS, PERSON_NOUNS, SPEAKER_ENTITIES,
                                          one_name)

if TYPE_CHECKING:
    from spacy.tokens import Token

SUBJECTS = {"nsubj", "nsubjpass", "csubj"}

BACK_DETERMINERS = {"the", "this", "that", "these", "those", "such", "its", "his", "her", "their", "our", "my",
                     "your", "any", "all", "both", "either"}


def speakers_of(verb: Token) -> list[Token]:
    """The subject of `verb`; a verb without one takes the subject of the verb it is coordinated with or
    subordinated to ("X announced ... but denied ...", "..., saying ...", "X, who denied ..."). A demonstrative
    is nobody ("this contradicts the principles of democracy")."""
    return [s for s in _subject_of(verb)  # ("those who oppose the bill" is a description of people)
            if not (s.pos_ == "PRON" and s.lower_ in _DEMONSTRATIVES and not any(s.children))]


_DEMONSTRATIVES = {"this", "that", "these", "those"}


def _subject_of(verb: Token) -> list[Token]:
    inverted = inverted_speaker(verb)
    if inverted is not None:
        return with_conjuncts(inverted)
    current, came_from = verb, None
    for _ in range(4):
        # (a verb is never somebody: a "subject" tagged VERB is the parser misreading run-on text)
        subject = next((c for c in current.children if c.dep_ in SUBJECTS and c.pos_ not in {"VERB", "AUX"}), None)
        if subject is not None and came_from is not None and hung_on_reported_clause(came_from, current):
            current, came_from = current.head, None
            continue
        if subject is not None:
            if subject.dep_ == "csubj" or subject.lower_ in {"that", "which", "who"} and current.dep_ == "relcl":
                return _relative_speaker(current) if current.dep_ == "relcl" else []
            return with_conjuncts(subject)
        if current.dep_ == "relcl":
            return _relative_speaker(current)
        relative = relative_above(current)
        if relative is not None:
            # "X denied reports that suggest P, calling the allegations groundless": a participle set off by a
            # comma after a relative clause speaks of the main clause's subject, not of the relative's noun
            current = relative.head.head
            continue
        if current.dep_ in {"conj", "advcl", "xcomp"} and current.head.pos_ in {"VERB", "AUX"}:
            current, came_from = current.head, current
            continue
        if current.dep_ == "xcomp" and current.head.pos_ == "ADJ" and current.head.head.pos_ in {"VERB", "AUX"}:
            current = current.head.head  # "officials were quick to deny ...": the adjective's subject
            continue
        if current.dep_ == "pcomp" and current.head.dep_ == "prep" and current.head.head.pos_ in {"VERB", "AUX"}:
            current = current.head.head  # "X said ..., before suggesting P", "won over critics by announcing P"
            continue
        if current.dep_ == "acl" and current.head.pos_ in {"NOUN", "PROPN"}:
            return owner_of(current.head)
        if current.dep_ == "ROOT":
            return _stranded_subject(current)
        return []
    return []


def hung_on_reported_clause(verb: Token, host: Token) -> bool:
    """Whether `verb`, which the parser hung on `host`, the clause another verb reports, belongs with that
    reporting verb instead: a participle of saying ("X said P, adding Q": X adds, not P's subject), or a verb
    coordinated across a change of tense ("I admit that the meeting took place, but deny Q": who admits denies,
    not the meeting; coordinated verbs share their subject and so their form, "X resigned but insisted ...")."""
    if host.dep_ != "ccomp" or host.head.pos_ not in {"VERB", "AUX"} or host.head.lemma_.lower() not in lx.REPORTING_VERBS:
        return False
    if verb.dep_ == "advcl":
        return verb.tag_ == "VBG" and verb.lemma_.lower() in lx.REPORTING_VERBS | lx.DENYING_VERBS
    tenses = {"VBD": "past", "VBZ": "present", "VBP": "present", "VB": "present"}
    return verb.dep_ == "conj" and host.tag_ in tenses and verb.tag_ in tenses and \
        tenses[verb.tag_] != tenses[host.tag_] and not any(c.dep_ in {"aux", "auxpass"} for c in host.children)


def _relative_speaker(relative: Token) -> list[Token]:
    """Who a relative clause ("X, who said P", "a statement which claims P") speaks for: the noun it modifies.
    A relative pronoun follows its noun phrase, so when the parser hung the clause elsewhere ("a look at the
    NSC's statement on firearms policy which claims P", "a parody of Westerners who think P"), it is the noun
    right before the pronoun, taken out through the prepositional phrases that modify a noun that can state
    something ("policy" -> "the NSC's statement"); "who" says that noun is somebody. Nobody when it is not
    and cannot state anything."""
    head = relative.head
    if _can_state(head):
        return with_conjuncts(head)
    pronoun = relative.left_edge
    before = [t for t in relative.doc[head.i : pronoun.i] if not t.is_punct]
    noun = before[-1] if before and before[-1].pos_ in {"NOUN", "PROPN"} else None
    if noun is None:
        return with_conjuncts(head)
    while noun.dep_ == "pobj" and noun.head.dep_ == "prep" and _can_state(noun.head.head) and \
            noun.head.head.pos_ in {"NOUN", "PROPN"}:
        noun = noun.head.head
    if noun.i == head.i:
        return with_conjuncts(head)  # ("restaurateurs who announced P": the parse stands)
    personal = pronoun.lower_ in {"who", "whom", "whose"}
    return with_conjuncts(noun) if personal or _can_state(noun) else []


def _can_state(token: Token) -> bool:
    """Somebody, or a document or claim noun that states something ("a statement which claims ...")."""
    return can_speak(token) or token.lemma_.lower() in lx.CLAIM_NOUNS | DOCUMENT_NOUNS


def relative_above(verb: Token) -> Token | None:
    """The relative clause a comma-set participle at the sentence end was hung in, when the noun it modifies
    is a verb's argument (so the participle can speak of that verb's subject)."""
    if verb.dep_ != "advcl" or verb.tag_ != "VBG" or not comma_between(verb.head, verb):
        return None
    for ancestor in verb.ancestors:
        if ancestor.dep_ == "relcl":
            return ancestor if ancestor.head.head.pos_ in {"VERB", "AUX"} and ancestor.head.dep_ in {
                "dobj", "obj", "nsubj"} else None
    return None


def inverted_speaker(verb: Token) -> Token | None:
    """"P, reported Tass": a reporting verb after the clause it reports, its speaker parsed as its object."""
    if verb.lemma_.lower() not in lx.REPORTING_VERBS - ADDRESSING_VERBS or \
            verb.dep_ not in {"ccomp", "parataxis", "conj"} or verb.i < verb.head.i or \
            not comma_between(verb.head, verb) or \
            any(c.dep_ in SUBJECTS or c.dep_ in {"ccomp", "xcomp"} for c in verb.children):
        return None
    if verb.dep_ == "conj" and any(c.dep_ == "cc" and c.i < verb.i for c in verb.head.children):
        return None  # "X left and reported Y": a second verb of X's, not an inverted speaker
    objects = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
    if len(objects) != 1 or objects[0].i < verb.i or not names_somebody(objects[0]) or \
            objects[0].right_edge.i < len(verb.doc) - 2:
        return None  # (the speaker ends the sentence: "..., reported Tass.")
    return objects[0]


# Verbs whose first object is whom one tells ("told reporters ...").
ADDRESSING_VERBS = {"tell", "inform", "assure", "remind", "warn", "notify", "advise", "brief"}


def _stranded_subject(verb: Token) -> list[Token]:
    """A main verb the parser left without a subject ("Despite the vote, Ukraine, the US and the EU have been
    refusing ..." with "Ukraine" attached to "vote"): the noun phrase ending right before its auxiliaries."""
    first = min([verb, *(c for c in verb.children if c.dep_ in {"aux", "neg", "advmod"} and c.i < verb.i)],
                key=lambda t: t.i)
    if first.i == 0:
        return []
    before = verb.doc[first.i - 1]
    if before.pos_ not in {"PROPN", "NOUN"} or before.dep_ not in {"conj", "appos", "pobj", "dobj"}:
        return []
    while before.dep_ == "conj" and before.head.pos_ in {"PROPN", "NOUN"}:
        before = before.head  # the list's first conjunct
    return with_conjuncts(before)


def owner_of(noun: Token) -> list[Token]:
    """Who a statement/report noun belongs to: "the ministry's statement", "a statement from the ministry"."""
    for child in noun.children:
        if child.dep_ == "poss":
            return with_conjuncts(child)
        if child.dep_ == "prep" and child.lower_ in {"from", "by", "of"}:
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return with_conjuncts(objects[0])
    if noun.lemma_.lower() not in lx.CLAIM_NOUNS:
        # "a spokesman saying ..." (not "a high possibility ..., saying": that cannot say anything)
        return [noun] if names_somebody(noun) or noun.lemma_.lower() in DOCUMENT_NOUNS else []
    author = _author(noun)  # "the ministry issued a statement saying ...": who issued it
    return [author] if author is not noun else []


def agent_of(verb: Token) -> list[Token]:
    for child in verb.children:
        if child.dep_ == "agent":
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return with_conjuncts(objects[0])
    return []


def with_conjuncts(head: Token) -> list[Token]:
    """`head` and the heads coordinated with it ("X, Y and Z denied"); a statement or report speaks for its
    author ("a statement by the central bank said" -> the central bank)."""
    out = [head] + [t for t in head.conjuncts if t.i > head.i and t.pos_ in {"PROPN", "NOUN", "PRON"}
                    and not one_name(t)]
    return sorted((_author(t) for t in out), key=lambda t: t.i)


def _author(head: Token) -> Token:
    """Who speaks through a claim noun: its owner ("the bank's statement"), else whoever issued it ("the
    spokesperson forwarded a statement that noted ..."); the noun itself when neither is said."""
    if head.lemma_.lower() in lx.CLAIM_NOUNS:
        owner = claim_source(head)
        if owner:
            return owner[0]
        # (one who denies or rejects the reports did not issue them: "X denied reports that suggest P")
        if head.dep_ == "dobj" and head.head.pos_ == "VERB" and \
                head.head.lemma_.lower() not in lx.DENYING_VERBS | lx.REJECTING_VERBS | lx.OPPOSING_VERBS:
            issuer = [s for s in speakers_of(head.head) if s.lemma_.lower() not in lx.CLAIM_NOUNS]
            if issuer:
                return issuer[0]
    return head


def can_speak(token: Token) -> bool:
    """A noun phrase head that can be somebody asserting something: a pronoun, a name, an entity, a role or
    institution noun (not "the figures" or "the vote", which can only show something)."""
    return token.pos_ == "PRON" or names_somebody(token)


def claim_source(noun: Token) -> list[Token]:
    """Who made the claim a claim noun names: "claims by X", "the claim made by X", "X's allegation",
    "Conservative claims", "reports in the Tokyo Shimbun"."""
    if noun.lemma_.lower() not in lx.CLAIM_NOUNS:
        return []
    for child in noun.children:
        if child.dep_ == "poss" and child.lower_ not in BACK_DETERMINERS:
            return with_conjuncts(child)
        if child.dep_ == "prep" and child.lower_ in {"by", "from", "in"}:
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects and names_somebody(objects[0]):
                return with_conjuncts(objects[0])
        if child.dep_ == "acl":  # "the claim made by X"
            agent = agent_of(child)
            if agent:
                return agent
        # "Conservative claims", "Kremlin allegations": a proper noun or adjective (capitalised mid-sentence)
        if child.dep_ in {"amod", "compound"} and (child.pos_ == "PROPN" or child.ent_type_ in {"NORP", "ORG", "GPE"}
                                                   or child.is_title and child.i > 0):
            return [child]
    return []


def names_somebody(token: Token) -> bool:
    """A noun phrase that can be somebody: a name, an entity, or a role or institution noun."""
    if token.ent_type_ in NOT_SOMEBODY:
        return False
    return is_somebody_itself(token) or any(c.dep_ in {"compound", "poss"} and c.pos_ == "PROPN" and
                                            c.ent_type_ not in NOT_SOMEBODY for c in token.children)


def is_somebody_itself(token: Token) -> bool:
    """A head that is somebody by its own word, not only through a name before it: "Walsh's departure" or
    "Monday's vote" belongs to somebody or something but cannot assert anything."""
    return token.pos_ == "PROPN" or token.ent_type_ in SPEAKER_ENTITIES or \
        token.lemma_.lower() in PERSON_NOUNS | ORG_NOUNS


# Entity types that are never somebody ("Monday's vote" is not named after anyone).
# Entity types that are never somebody: dates, times, numbers, shares, amounts.
NOT_SOMEBODY = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


def negated(token: Token) -> bool:
    return any(c.dep_ == "neg" for c in token.children)


def infinitive(verb: Token) -> bool:
    return verb.dep_ == "xcomp" or any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


# Verbs whose infinitive complement is not (yet) done: "is expected to deny", "wants to dismiss".
_UNREALISED = {"expect", "plan", "want", "intend", "hope", "need", "ask", "urge", "like", "wish", "prepare", "try",
               "attempt", "threaten", "decide", "seem", "appear", "have", "aim", "promise", "vow", "refuse", "decline",
               "allow", "let", "enable", "permit", "help"}


def asserted_infinitive(verb: Token) -> bool:
    """A denial done through an infinitive: "continued to deny", "was quick to dismiss", "moved to refute"."""
    head = verb.head
    if head.i == verb.i or any(c.dep_ in {"nsubjpass", "auxpass"} for c in head.children) or negated(head):
        return False
    if head.pos_ == "ADJ":  # "was quick to deny" did deny; "was likely / ready / eager to deny" has not yet
        return head.lemma_.lower() in _DONE_BY_ADJECTIVE
    if head.pos_ in {"NOUN", "PROPN"}:  # "in order to disprove", "an attempt to refute": meant, not done
        return False
    return head.lemma_.lower() not in _UNREALISED


# Adjectives whose infinitive is done when they are true of somebody: "were quick to deny", "the first to reject".
_DONE_BY_ADJECTIVE = {"quick", "swift", "fast", "first", "last", "careful"}


def comma_between(a: Token, b: Token) -> bool:
    lo, hi = sorted((a.i, b.i))
    return any(t.text in {",", "\"", "”", "—", "–"} for t in a.doc[lo:hi])
