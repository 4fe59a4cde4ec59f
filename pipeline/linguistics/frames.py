"""Attribution frames read off the dependency parse: who asserts or disputes what.

A frame is one attribution in one sentence: its cue (a reporting or disputing verb, or "according to"), its
speakers (the cue's subject, its passive agent, the object of "according to"; a coordinated verb without a
subject of its own takes its head's), and its content: the proposition (a clausal complement, "P, X said",
the clause around "according to X"), an accusation ("accused X of Y") or, for a denial, what is denied (a
clause, a nominal "denied murder", or a back-reference "denied the report"). A denial also names, when the
sentence does, who made the disputed claim ("denied claims by X", "X's allegation", "Conservative claims").

Everything here is English syntax over lemmas of general vocabulary (`lexicon`), not patterns of particular
articles; a passive, negated or infinitival cue is not somebody speaking.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.linguistics import lexicon as lx
from pipeline.linguistics.parse import ParsedArticle
from pipeline.linguistics.roles import (BACK_DETERMINERS, CUE_LEMMAS, SUBJECTS, accusation, agent_of, asserted_infinitive,
                                       can_speak,
                                       claim_source, clause_content, infinitive, negated, negated_clause, speakers_of,
                                       trim, with_conjuncts)

if TYPE_CHECKING:
    from spacy.tokens import Token


_MODALS = {"should", "must", "may", "might", "could", "would", "can", "ought"}


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


def find_frames(parsed: ParsedArticle) -> list[Frame]:
    """Every attribution frame of the article, in text order; frames nested in another frame's content
    ("X said that Y denied P") are kept, the caller decides which to use."""
    frames: list[Frame] = []
    for index, doc in enumerate(parsed.docs):
        for token in doc:
            frame = _according_to(index, token) or _verb_frame(index, token) or _claim_noun(index, token) or \
                _stance(index, token)
            if frame is not None:
                frames.append(frame)
    return frames


def _stance(index: int, adjective: Token) -> Frame | None:
    """"Privacy advocates are concerned that P", "Police are confident that P": a view held by the subject."""
    if adjective.pos_ != "ADJ" or adjective.lemma_.lower() not in lx.STANCE_ADJECTIVES or adjective.dep_ != "acomp":
        return None
    clause = next((c for c in adjective.children if c.dep_ == "ccomp"), None)
    if clause is None or negated(adjective.head):
        return None
    speakers = [s for s in speakers_of(adjective.head) if s.dep_ != "expl" and s.lower_ != "it"]
    if not speakers:
        return None  # "it is clear that ...": nobody's view
    return Frame(index, adjective, False, speakers=speakers, content=trim(list(clause.subtree)), clausal=True)


def _claim_noun(index: int, noun: Token) -> Frame | None:
    """"reports that P", "the allegation of P", "claims by X that P": a claim stated as a noun, outside any
    reporting or denial verb (those frames read it themselves)."""
    if noun.pos_ == "NOUN" and noun.lemma_.lower() in lx.DENIAL_NOUNS:
        return _denial_noun(index, noun)
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in lx.ASSERTION_NOUNS:
        return None
    head = noun.head
    if noun.dep_ in {"dobj", "obj", "nsubjpass", "pobj"} and (head.lemma_.lower() in CUE_LEMMAS or
                                                            head.head.lemma_.lower() in CUE_LEMMAS):
        return None
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"} and c.pos_ in {"VERB", "AUX"} and
                   any(m.dep_ == "mark" or m.dep_ in SUBJECTS for m in c.children)), None)
    if clause is not None:
        content = list(clause.subtree)
    else:
        of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        inner = next((c for c in of.children if c.dep_ in {"pcomp", "pobj"}), None) if of is not None else None
        if inner is None or not (inner.pos_ == "VERB" or inner.tag_ == "VBG"):
            return None  # "the report of the committee" names no claim
        content = list(inner.subtree)
    return Frame(index, noun, False, speakers=claim_source(noun), content=trim(content), clausal=True)


# ----------------------------------------------------------------------------------------------- cues


def _according_to(index: int, token: Token) -> Frame | None:
    """"According to X, P" / "P, according to X"."""
    if token.lower_ != "according":
        return None
    to = next((c for c in token.children if c.lower_ == "to"), None)
    objects = [c for c in to.children if c.dep_ == "pobj"] if to is not None else []
    if not objects:
        return None
    clause = token.head if token.head.i != token.i else None
    if clause is not None and clause.dep_ in {"relcl", "acl"}:
        return None  # "..., who, according to reports, have arrived": a description, not a claim
    removed = {t.i for t in token.subtree}
    content = [t for t in (clause.subtree if clause is not None else token.doc) if t.i not in removed]
    return Frame(index, token, False, speakers=with_conjuncts(objects[0]), content=trim(content), clausal=True)


def _verb_frame(index: int, verb: Token) -> Frame | None:
    if verb.pos_ not in {"VERB", "AUX"} or verb.dep_ in {"amod", "compound"}:
        return None
    lemma = verb.lemma_.lower()
    if negated(verb) and lemma not in {"plead"}:
        return None  # "did not deny", "declined to say" is handled by the infinitive test below
    if lemma == "plead":
        return _plea(index, verb)
    if lemma == "refuse":
        return _refusal(index, verb)
    if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in verb.children):
        return None  # "ministers should expect ...", "he could deny ...": nothing asserted yet
    denying = lemma in lx.DENYING_VERBS | lx.REJECTING_VERBS | lx.DESCRIBING_VERBS | lx.OPPOSING_VERBS
    if infinitive(verb) and not (denying and asserted_infinitive(verb)):
        return None  # "is expected to announce", "wants to claim": nobody is speaking yet
    passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)
    if denying:
        frame = _denial(index, verb, lemma, passive)
        if frame is not None:
            return frame
    if lemma in lx.REPORTING_VERBS or lemma == "hear":
        return _report(index, verb, lemma, passive)
    return None


def _heard_in_court(verb: Token, lemma: str, passive: bool) -> bool:
    """"P, a court heard", "the jury was told that P": a claim made before a court or an inquiry, by somebody
    the sentence does not name (the court only hears it)."""
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or subject.lemma_.lower() not in lx.HEARING_BODIES:
        return False
    return lemma == "hear" and not passive or lemma == "tell" and passive and not agent_of(verb)


def _report(index: int, verb: Token, lemma: str, passive: bool) -> Frame | None:
    if _heard_in_court(verb, lemma, passive):
        content, clausal = clause_content(verb)
        return Frame(index, verb, False, content=content, clausal=clausal) if content else None
    if lemma == "hear":
        return None  # "she heard a noise"
    speakers = agent_of(verb) if passive else speakers_of(verb)
    if passive and not speakers and lemma not in lx.ACCUSING_VERBS | {"allege"}:
        return None  # "it was reported that ...", "X is said to ...": nobody named asserts it
    if passive and not speakers:  # "X is accused of Y", "X is alleged to have ...": an unattributed accusation
        subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        prep = next((c for c in verb.children if c.dep_ in {"prep", "xcomp"} and c.lower_ in {"of", "for", "over"}
                     or c.dep_ == "xcomp"), None)
        if subject is None or prep is None:
            return None
        return Frame(index, verb, False, content=trim(list(subject.subtree) + list(prep.subtree)), clausal=True)
    if lemma in lx.EVIDENTIAL_VERBS and speakers and not can_speak(speakers[0]):
        speakers = []  # "the figures show that P", "the vote showed P": evidence, nobody speaking
    found_none = next((c for c in verb.children if c.dep_ in {"dobj", "obj"} and _no_evidence(c)), None)
    if found_none is not None:  # "police found no evidence that P"
        return _disputed_for_want_of(Frame(index, verb, True, speakers=speakers), found_none, list(found_none.subtree))
    content, clausal = clause_content(verb)
    if not content and lemma in lx.ACCUSING_VERBS:
        content, clausal = accusation(verb), True
    if not content:
        return None
    frame = Frame(index, verb, False, speakers=speakers, content=content, clausal=clausal)
    innocent = any(t.lemma_.lower() in lx.INNOCENCE_WORDS for t in content)
    root = min(content, key=lambda t: len(list(t.ancestors)))
    lacking = next((c for c in root.children if c.dep_ in {"attr", "nsubj", "dobj"} and _no_evidence(c)), None)
    falsity = _falsity_predication(content)
    if lacking is not None:  # "said there was no evidence that P": P disputed
        frame.denial = True
        return _disputed_for_want_of(frame, lacking, content)
    if lemma in lx.INSISTING_VERBS and (negated_clause(content) or innocent) or falsity is not None:
        # "insisted it had broken no rules", "said the reports were baseless": a denial in the speaker's words
        frame.denial = True
        frame.back_reference = falsity is not None or innocent  # "insist she is innocent"
        extraposed = next((c for c in root.children if c.dep_ == "ccomp" and c.i > falsity.i), None) \
            if falsity is not None and root.i < falsity.i else None
        if extraposed is not None:  # "said it was not true that P": P itself
            frame.content, frame.clausal, frame.back_reference = trim(list(extraposed.subtree)), True, False
    elif speakers and speakers[0].lemma_.lower() in lx.OPPONENT_NOUNS:
        frame.denial = frame.counter = True  # "Critics say the bill is a power grab": disputing, in other words
    return frame


def _no_evidence(noun: Token) -> bool:
    """"no evidence", "no proof", "no truth": the absence of what would make a claim true."""
    return noun.lemma_.lower() in lx.SUPPORT_NOUNS and any(c.dep_ == "det" and c.lower_ == "no" for c in noun.children)


def _disputed_for_want_of(frame: Frame, noun: Token, statement: list[Token]) -> Frame:
    """What "no evidence/truth" disputes: its clause ("no evidence that P", also lower down: "no indication
    from the transcripts that P"), or the clause of the claim it names ("no truth in reports that P"). It
    answers a claim made in the article (a counter-claim); when it answers none, or names no proposition ("no
    evidence of wrongdoing"), it is the speaker's own claim, negation and all."""
    frame.counter, frame.statement = True, trim(statement)
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"} and c.pos_ in {"VERB", "AUX"}), None) or \
        next((c for c in noun.subtree if c.dep_ in {"acl", "ccomp"} and any(m.dep_ == "mark" and m.lower_ == "that"
                                                                          for m in c.children)), None)
    if clause is not None:
        frame.content, frame.clausal = trim(list(clause.subtree)), True
        return frame
    prep = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ in {"of", "for", "in", "to", "behind"}), None)
    target = next((c for c in prep.children if c.dep_ in {"pobj", "pcomp"}), None) if prep is not None else None
    if target is not None and target.lemma_.lower() in lx.CLAIM_NOUNS:
        return _with_object(frame, target)
    frame.denial = frame.counter = False
    frame.content, frame.clausal, frame.statement = frame.statement, True, []
    return frame


def _denial(index: int, verb: Token, lemma: str, passive: bool) -> Frame | None:
    if passive:
        # "the claims were dismissed by the ministry" disputes; "the amendment was rejected by the Commons",
        # "being denied his rights" do not: only a claim noun can be denied in the passive
        subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        speakers = agent_of(verb)
        if subject is None or not speakers or subject.lemma_.lower() not in lx.CLAIM_NOUNS:
            return None
        return _with_object(Frame(index, verb, True, speakers=speakers), subject)
    if lemma == "deny" and _refusing(verb):
        return None  # "denied him bail", "denies redress to thousands": refusing something, not disputing
    described = _described_false(verb)
    opposed = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None) if lemma in lx.OPPOSING_VERBS else None
    if opposed is not None and opposed.lemma_.lower() in lx.DECISION_NOUNS and described is None:
        # "criticised the ruling": disputes the claim the decision rests on, stated before it
        frame = Frame(index, verb, True, speakers=speakers_of(verb), content=trim(list(opposed.subtree)))
        frame.back_reference = True
        return frame
    if lemma in lx.DESCRIBING_VERBS | lx.OPPOSING_VERBS and lemma not in lx.DENYING_VERBS | lx.REJECTING_VERBS and \
            described is None and (opposed is None or opposed.lemma_.lower() not in lx.CLAIM_NOUNS):
        return None  # "called for talks", "described the scene"
    frame = Frame(index, verb, True, speakers=speakers_of(verb))
    content, clausal = clause_content(verb)
    if len(content) == 1 and (content[0].pos_ in {"PRON", "DET"} or content[0].lower_ in BACK_DETERMINERS):
        # "ETP disputes that."
        frame.content, frame.back_reference = content, True
        return frame
    if content:
        frame.content, frame.clausal = content, clausal
        return frame
    gerund = next((c for c in verb.children if c.dep_ in {"xcomp", "pcomp"} and c.pos_ in {"VERB", "AUX"}
                   or c.dep_ == "dobj" and c.tag_ == "VBG"), None)
    if gerund is not None:  # "denied discussing sanctions", "denied having met him"
        frame.content, frame.clausal = trim(list(gerund.subtree)), True
        return frame
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None)
    if obj is not None and obj is described:  # "called [the allegations] hearsay": the claim is the compound
        obj = next((c for c in obj.children if c.dep_ == "compound" and c.lemma_.lower() in lx.CLAIM_NOUNS), obj)
    if obj is None:
        return frame if lemma in lx.DENYING_VERBS else None  # "X denies." disputes what was said before
    if lemma in lx.DENYING_VERBS or obj.lemma_.lower() in lx.CLAIM_NOUNS or described is not None or \
            obj.lower_ in {"it", "this", "that", "them"}:
        return _with_object(frame, obj)
    return None  # "rejected the offer", "dismissed the coach": not a claim


def _refusing(verb: Token) -> bool:
    """"deny" with a recipient: "denied him bail" (a dative), "denies redress to thousands" (a "to" after an
    object that is no claim)."""
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None)
    to = any(c.dep_ == "prep" and c.lower_ == "to" for c in verb.children)
    # ("him bail" parsed as a clause with an object pronoun for its subject is the same double object)
    misparsed = any(c.dep_ == "ccomp" and any(g.dep_ == "nsubj" and g.lower_ in {"him", "her", "them", "us", "me"}
                                               for g in c.children) for c in verb.children)
    return misparsed or any(c.dep_ == "dative" for c in verb.children) or \
        to and obj is not None and obj.lemma_.lower() not in lx.CLAIM_NOUNS and obj.pos_ == "NOUN"


def _plea(index: int, verb: Token) -> Frame | None:
    """"pleaded not guilty (to charges of X)", "pleaded innocent": a denial of the charges."""
    words = {t.lower_ for t in verb.subtree}
    if not ("guilty" in words and "not" in words or words & lx.INNOCENCE_WORDS):
        return None
    frame = Frame(index, verb, True, speakers=speakers_of(verb))
    to = next((c for c in verb.subtree if c.dep_ == "prep" and c.lower_ == "to" and c.head.i in
               {verb.i} | {g.i for g in verb.children if g.lower_ in {"guilty", "innocent"}}), None)
    obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if obj is None:
        frame.back_reference = True  # "X pleaded not guilty": to the charges stated before
        return frame
    return _with_object(frame, obj)


def _refusal(index: int, verb: Token) -> Frame | None:
    """"refused to accept/recognise the result": a refusal to grant a claim."""
    granted = next((c for c in verb.children if c.dep_ == "xcomp" and c.lemma_.lower() in lx.REFUSED_VERBS), None)
    if granted is None or negated(verb):
        return None
    frame = Frame(index, verb, True, speakers=speakers_of(verb))
    content, clausal = clause_content(granted)
    if content:
        frame.content, frame.clausal = content, clausal
        return frame
    obj = next((c for c in granted.children if c.dep_ in {"dobj", "obj"}), None)
    return _with_object(frame, obj) if obj is not None else None


def _denial_noun(index: int, noun: Token) -> Frame | None:
    """"X issued a denial", "repeated the denial", "X's rejection of the claims", "in a denial that P": the
    denier is the noun's owner or the subject of the verb it is the object of."""
    speakers = [c for c in noun.children if c.dep_ == "poss" and c.lower_ not in BACK_DETERMINERS]
    if speakers:
        speakers = with_conjuncts(speakers[0])
    elif noun.dep_ in {"dobj", "obj"} and noun.head.pos_ in {"VERB", "AUX"} and not negated(noun.head):
        speakers = speakers_of(noun.head)
    if not speakers:
        return None
    frame = Frame(index, noun, True, speakers=speakers)
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"} and c.pos_ in {"VERB", "AUX"}), None)
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    target = next((c for c in of.children if c.dep_ in {"pobj", "pcomp"}), None) if of is not None else None
    if clause is not None:
        frame.content, frame.clausal = trim(list(clause.subtree)), True
    elif target is not None:
        return _with_object(frame, target)
    else:
        frame.back_reference = True
    return frame


def _with_object(frame: Frame, obj: Token) -> Frame:
    """Fill a denial's content from the noun it disputes: the claim's own clause ("claims that P"), the
    nominal itself ("charges of fraud", "murder"), or a back-reference ("the report", "it")."""
    frame.sources = claim_source(obj)
    described = {t.i for c in obj.children if c.dep_ == "prep" and c.lower_ == "as" for t in c.subtree}
    subtree = [t for t in obj.subtree if t.i not in described]  # "the report [as gossip]": how, not what
    clause = next((c for c in obj.children if c.dep_ in {"acl", "ccomp", "relcl", "appos"} and
                   (c.pos_ in {"VERB", "AUX"}) and any(m.dep_ == "mark" or m.dep_ in SUBJECTS for m in c.children)),
                  None)
    if clause is not None and obj.lemma_.lower() in lx.CLAIM_NOUNS and clause.dep_ != "relcl":
        frame.content, frame.clausal = trim(list(clause.subtree)), True
        return frame
    lemma = obj.lemma_.lower()
    determiners = {c.lower_ for c in obj.children if c.dep_ in {"det", "poss"}}
    of_complement = any(c.dep_ == "prep" and c.lower_ in {"of", "that", "about", "over"} for c in obj.children)
    if obj.pos_ == "PRON" or lemma in lx.CLAIM_NOUNS and not of_complement and \
            (determiners & BACK_DETERMINERS or not determiners or frame.sources):
        frame.back_reference = True
        frame.content = trim(subtree)
        return frame
    frame.content = trim(subtree)
    return frame


def _described_false(verb: Token) -> Token | None:
    """The falsity word of "called X false", "described it as nonsense", "dismissed X as hearsay"."""
    for child in verb.children:
        if child.dep_ in {"oprd", "acomp", "xcomp", "ccomp"} and child.lemma_.lower() in lx.FALSITY_WORDS | {"lie"}:
            return child
        if child.dep_ in {"oprd", "xcomp", "ccomp"} and any(g.lemma_.lower() in lx.FALSITY_WORDS for g in child.subtree):
            return child
        if child.dep_ == "prep" and child.lower_ == "as":
            if any(g.lemma_.lower() in lx.FALSITY_WORDS for g in child.subtree):
                return child
        if child.dep_ == "dobj" and child.lemma_.lower() in lx.FALSITY_WORDS and \
                any(g.dep_ == "compound" and g.lemma_.lower() in lx.CLAIM_NOUNS for g in child.children):
            return child  # "called the allegations hearsay" parsed as one noun phrase
        if child.dep_ in {"dobj"}:
            for grand in child.children:
                if grand.dep_ in {"amod", "appos", "oprd"} and grand.i > child.i and \
                        grand.lemma_.lower() in lx.FALSITY_WORDS:
                    return grand
    return None


def _falsity_predication(content: list[Token]) -> Token | None:
    """"the reports were baseless", "it is untrue", "this is a lie": a claim called false inside a report."""
    if not content:
        return None
    root = min(content, key=lambda t: len(list(t.ancestors)))
    if root.lemma_.lower() != "be" and root.pos_ != "AUX":
        return None
    subject = next((c for c in root.children if c.dep_ in SUBJECTS), None)
    predicate = next((c for c in root.children if c.dep_ in {"acomp", "attr"}), None)
    if subject is None or predicate is None or subject.lemma_.lower() not in lx.CLAIM_NOUNS | {"it", "this", "that"}:
        return None
    words = {t.lemma_.lower() for t in predicate.subtree}
    # "the reports are baseless", and negated truth: "that is not true", "this is not the case"
    if not negated(root) and words & lx.FALSITY_WORDS or negated(root) and words & lx.TRUTH_WORDS:
        return predicate
    return None


