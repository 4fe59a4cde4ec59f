"""Frames of disputing, read off the parse: denials ("denied that P", "denied the report", "denied murder"),
rejections of a claim ("rejected suggestions that P", "dismissed X as hearsay", "called the allegations false"),
pleas ("pleaded not guilty"), refusals ("refused to accept P"), denial nouns ("issued a denial"), and claims
called false or said to lack support ("the reports are baseless", "there is no evidence that P"). Like
`frames`, English syntax over general vocabulary (`lexicon`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics import lexicon as lx
from pipeline.linguistics.content import apposed_from, clause_content, root_of, trim
from pipeline.linguistics.frame import Frame
from pipeline.linguistics.mentions import DOCUMENT_NOUNS, SPEAKER_ENTITIES
from pipeline.linguistics.roles import (BACK_DETERMINERS, NOT_SOMEBODY, SUBJECTS, agent_of, can_speak, claim_source,
                                       infinitive, negated, speakers_of, with_conjuncts)

if TYPE_CHECKING:
    from spacy.tokens import Token


def no_evidence(noun: Token) -> bool:
    """"no evidence", "no proof", "no truth": the absence of what would make a claim true."""
    return noun.lemma_.lower() in lx.SUPPORT_NOUNS and any(c.dep_ == "det" and c.lower_ == "no" for c in noun.children)


def disputed_for_want_of(frame: Frame, noun: Token, statement: list[Token]) -> Frame:
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
        return with_object(frame, target)
    frame.denial = frame.counter = False
    frame.content, frame.clausal, frame.statement = frame.statement, True, []
    return frame


# Entities that are never somebody, less counts, which can be people ("all three denied")
_AMOUNTS = NOT_SOMEBODY - {"CARDINAL", "ORDINAL"}


def denial(index: int, verb: Token, lemma: str, passive: bool) -> Frame | None:
    if passive:
        # "the claims were dismissed by the ministry" disputes; "the amendment was rejected by the Commons",
        # "being denied his rights" do not: only a claim noun can be denied in the passive
        subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        speakers = agent_of(verb)
        if subject is None or not speakers or subject.lemma_.lower() not in lx.CLAIM_NOUNS:
            return None
        return with_object(Frame(index, verb, True, speakers=speakers), subject)
    if lemma == "deny" and _refusing(verb):
        return None  # "denied him bail", "denies redress to thousands": refusing something, not disputing
    described = _described_false(verb)
    opposed = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None) if lemma in lx.OPPOSING_VERBS else None
    opposed = _quantified(opposed) if opposed is not None else None
    if opposed is not None and opposed.lemma_.lower() in lx.DECISION_NOUNS and described is None and \
            _refers_back(opposed):
        # "criticised the ruling": disputes the claim the decision rests on, stated before it
        frame = Frame(index, verb, True, speakers=speakers_of(verb), content=trim(list(opposed.subtree)))
        frame.back_reference = True
        return frame
    if lemma in lx.DESCRIBING_VERBS | lx.OPPOSING_VERBS and lemma not in lx.DENYING_VERBS | lx.REJECTING_VERBS and \
            described is None and (opposed is None or opposed.lemma_.lower() not in lx.CLAIM_NOUNS):
        return None  # "called for talks", "described the scene"
    # (only somebody denies: "the ban contradicts the tenets of aid", "both assessments contradict the plans"
    # are a measure and a document at odds with something; GUIDE.md's deniers are persons and organisations)
    # (nor is a request: "appeals disputing the ruling" are the appellants')
    # (nor a share or an amount: "41 percent of the population opposed the statement" is a poll's result; a count
    # can be people: "the group's millions of members deny", "all three denied")
    frame = Frame(index, verb, True, speakers=[s for s in speakers_of(verb) if s.ent_type_ not in _AMOUNTS and (
        can_speak(s) or s.lemma_.lower() not in lx.CLAIM_NOUNS | lx.DECISION_NOUNS | DOCUMENT_NOUNS | lx.REQUEST_NOUNS)])
    content, clausal = clause_content(verb)
    if len(content) == 1 and (content[0].pos_ in {"PRON", "DET"} or content[0].lower_ in BACK_DETERMINERS):
        # "ETP disputes that."
        frame.content, frame.back_reference = content, True
        return frame
    if content:
        frame.content, frame.clausal = content, clausal
        return frame
    # (a gerund, not an infinitive after an object: "challenging her fans to send videos" dares them)
    gerund = next((c for c in verb.children if c.dep_ in {"xcomp", "pcomp"} and c.pos_ in {"VERB", "AUX"} and
                   (c.tag_ == "VBG" or not any(o.dep_ in {"dobj", "obj"} for o in verb.children))
                   or c.dep_ == "dobj" and c.tag_ == "VBG"), None)
    pro_form = _pro_form(gerund) if gerund is not None else None
    if pro_form is not None:  # "denied doing so", "denied having said that": the claim before
        frame.content, frame.back_reference = [pro_form], True
        return frame
    if gerund is not None:  # "denied discussing sanctions", "denied having met him"
        frame.content, frame.clausal = trim(list(gerund.subtree)), True
        return frame
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None)
    stranded = _stranded_predicate(obj) if obj is not None and lemma in lx.DENYING_VERBS else None
    if stranded is not None:  # "deny jobs will be lost" read as denying "jobs"
        frame.content, frame.clausal = trim(sorted([*obj.subtree, *stranded.subtree], key=lambda t: t.i)), True
        return frame
    if obj is not None and obj.lower_.endswith(("self", "selves")):
        return None  # "a White House that has contradicted itself": inconsistent, disputing nobody's claim
    if obj is not None and described is not None and obj.i == described.i:  # "called [the allegations] hearsay": the claim is the compound
        obj = next((c for c in obj.children if c.dep_ == "compound" and c.lemma_.lower() in lx.CLAIM_NOUNS), obj)
    if obj is None and verb.dep_ == "relcl" and verb.head.lemma_.lower() in lx.CLAIM_NOUNS:
        # "P, a claim the ministry denied": what is denied is the claim noun the clause describes
        head = verb.head
        first = apposed_from(head)
        frame.sources = [s for s in claim_source(head) if first is None or s.i > first]
        frame.content = trim([t for t in head.subtree if (first is None or t.i > first) and t.i <= head.i and
                              t.dep_ != "punct"])
        frame.back_reference = True
        return frame
    if obj is None:
        return frame if lemma in lx.DENYING_VERBS else None  # "X denies." disputes what was said before
    if obj.tag_ in {"WDT", "WP"} and verb.dep_ == "relcl" and verb.head.pos_ in {"NOUN", "PROPN"} and \
            lemma not in lx.DENYING_VERBS:
        # "the bill that colleagues rejected": the bill (a vote), no "that" said before; ("P, which the
        # government denies" may stand for the whole clause: "deny" disputes whatever it takes)
        obj = verb.head
    if _proposal(obj):
        return None  # "rejected the North's suggestion to co-host the Games": a proposal declined, no claim disputed
    if lemma in lx.DENYING_VERBS or obj.lemma_.lower() in lx.CLAIM_NOUNS or described is not None or \
            obj.lower_ in {"it", "this", "that", "them"}:
        return with_object(frame, obj)
    return None  # "rejected the offer", "dismissed the coach": not a claim


def _refers_back(noun: Token) -> bool:
    """"the ruling", "this plan", "both measures": a decision the article has spoken of; not "US security
    policies", "the Clean Power Plan" or "the austerity policies of the government", which name a policy of
    their own rather than point back to one."""
    determiners = {c.lower_ for c in noun.children if c.dep_ in {"det", "predet"}}
    named = any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in noun.children)
    described = any(c.dep_ == "prep" and c.lower_ == "of" for c in noun.children)
    return bool(determiners & {"the", "this", "that", "these", "those", "both"}) and not named and not described


def _pro_form(verb: Token) -> Token | None:
    """The "so"/"that"/"it" of a verb phrase that only stands for one said before: "doing so", "having said
    that", "did it" (a verb of doing or saying with nothing else to it)."""
    if verb.lemma_.lower() not in {"do", "say"}:
        return None
    words = [c for c in verb.children if c.dep_ not in {"aux", "auxpass", "neg", "punct", "advmod"} or
             c.lower_ in {"so", "that", "this", "it"}]
    if len(words) == 1 and words[0].lower_ in {"so", "that", "this", "it"} and not any(words[0].children):
        return words[0]
    return None


def _proposal(noun: Token) -> bool:
    """A claim noun that proposes a deed rather than states a fact: its complement is an infinitive ("a suggestion
    to co-host", "the idea to build a wall"), not a "that"-clause."""
    return noun.lemma_.lower() in lx.CLAIM_NOUNS and any(
        c.dep_ in {"acl", "relcl"} and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children) for c in noun.children)


def _quantified(noun: Token) -> Token:
    """What "a number of shrines" counts: the shrines (a claim noun only by its word: "disputed the numbers")."""
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    counted = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if noun.lemma_.lower() in _QUANTIFIER_NOUNS and counted is not None and \
            any(c.dep_ == "det" and c.lower_ == "a" for c in noun.children):
        return counted
    return noun


_QUANTIFIER_NOUNS = {"number", "lot", "host", "series", "range", "handful", "couple", "dozen", "variety", "set"}


def _refusing(verb: Token) -> bool:
    """"deny" with a recipient: "denied him bail" (a dative), "denied the refugees the right to appeal" (two
    objects), "denies redress to thousands" (a "to" after an object that is no claim); with a request for its
    object ("denied the motion"); or with an act to do ("denied to pay")."""
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None)
    if sum(c.dep_ in {"dobj", "obj"} for c in verb.children) >= 2:
        return True
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if verb.dep_ == "relcl" and obj is not None and obj.tag_ not in {"WDT", "WP"} and subject is not None and \
            subject.tag_ not in {"WDT", "WP"} and verb.head.lemma_.lower() not in lx.CLAIM_NOUNS:
        return True  # "access, something Pakistan has denied India": the noun is the second object
    to = any(c.dep_ == "prep" and c.lower_ == "to" for c in verb.children)
    # ("him bail" parsed as a clause with an object pronoun for its subject is the same double object)
    misparsed = any(c.dep_ == "ccomp" and any(g.dep_ == "nsubj" and g.lower_ in {"him", "her", "them", "us", "me"}
                                               for g in c.children) for c in verb.children)
    # ("saved to deny Lewandowski", "denied him": one denies claims, not people; a person denied is thwarted)
    person = obj is not None and (obj.ent_type_ == "PERSON" or obj.lower_ in {"him", "her", "them", "us", "me"})
    # ("the judge denied the motion", "denied a request from the administration": a request refused)
    requested = obj is not None and obj.lemma_.lower() in lx.REQUEST_NOUNS
    # ("denied to pay compensation", "denied to comment": an act refused; "denied to have met him", a perfect
    # infinitive, still disputes a deed)
    # (not beside an object: "denied the existence of any warrant to wiretap" hangs the noun's infinitive there)
    act = obj is None and any(c.dep_ == "xcomp" and c.tag_ == "VB" and any(a.lower_ == "to" for a in c.children)
                              and not any(a.lemma_ == "have" and a.dep_ == "aux" for a in c.children)
                              for c in verb.children)
    return misparsed or person or requested or act or any(c.dep_ == "dative" for c in verb.children) or \
        to and obj is not None and obj.lemma_.lower() not in lx.CLAIM_NOUNS and obj.pos_ == "NOUN"


def plea(index: int, verb: Token) -> Frame | None:
    """"pleaded not guilty (to charges of X)", "pleaded innocent": a denial of the charges."""
    # ("not" on "guilty" itself: "pleaded guilty to two counts, and his name cannot appear ..." admits them)
    pleas = [t for t in verb.subtree if t.head.i == verb.i or t.head.head.i == verb.i]
    not_guilty = any(t.lower_ == "guilty" and (t.i > 0 and t.nbor(-1).lower_ in {"not", "n't"} or
                                               any(c.dep_ == "neg" for c in t.children)) for t in pleas)
    if not (not_guilty or any(t.lower_ in lx.INNOCENCE_WORDS for t in pleas)):
        return None
    frame = Frame(index, verb, True, speakers=speakers_of(verb))
    to = next((c for c in verb.subtree if c.dep_ == "prep" and c.lower_ == "to" and c.head.i in
               {verb.i} | {g.i for g in verb.children if g.lower_ in {"guilty", "innocent"}}), None)
    obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if obj is None:
        frame.back_reference = True  # "X pleaded not guilty": to the charges stated before
        return frame
    return with_object(frame, obj)


def refusal(index: int, verb: Token) -> Frame | None:
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
    return with_object(frame, obj) if obj is not None else None


def denial_noun(index: int, noun: Token) -> Frame | None:
    """"X issued a denial", "repeated the denial", "X's rejection of the claims", "in a denial that P": the
    denier is the noun's owner or the subject of the verb it is the object of."""
    # (a possessor the parser read without a genitive "'s" is a compound unless it names a party: "Holocaust
    # denial" is denying the Holocaust, nobody's denial)
    speakers = [c for c in noun.children if c.dep_ == "poss" and c.lower_ not in BACK_DETERMINERS and
                (c.tag_ in {"PRP$", "WP$"} or any(m.dep_ == "case" for m in c.children) or
                 c.ent_type_ in SPEAKER_ENTITIES)]
    if speakers:
        speakers = with_conjuncts(speakers[0])
    elif noun.dep_ in {"dobj", "obj"} and noun.head.pos_ in {"VERB", "AUX"} and not negated(noun.head):
        speakers = speakers_of(noun.head)
    if not speakers:
        return None
    frame = Frame(index, noun, True, speakers=speakers)
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"} and c.pos_ in {"VERB", "AUX"} or
                   _misparsed_complement(c)), None)
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    target = next((c for c in of.children if c.dep_ in {"pobj", "pcomp"}), None) if of is not None else None
    if clause is not None and infinitive(clause) and not any(c.dep_ in SUBJECTS for c in clause.children):
        return None  # "his denial to make his returns public": a refusal to do something, not a dispute
    if clause is not None:  # (a misparsed "that" only introduces the clause: dropped)
        skip = clause.left_edge.i if _misparsed_complement(clause) else -1
        frame.content, frame.clausal = trim([t for t in clause.subtree if t.i != skip]), True
    elif target is not None:
        return with_object(frame, target)
    else:
        frame.back_reference = True
    return frame


def _stranded_predicate(obj: Token) -> Token | None:
    """The finite verb right after a denial's object that has no subject of its own: the object is its subject,
    and the two a "that"-less clause the parser split ("deny [jobs] [will be lost]")."""
    following = obj.doc[obj.right_edge.i + 1] if obj.right_edge.i + 1 < len(obj.doc) else None
    if following is None:
        return None
    predicate = following.head if following.dep_ in {"aux", "auxpass", "neg"} else following
    finite = predicate.tag_ in {"VBD", "VBZ", "VBP"} or any(
        c.dep_ in {"aux", "auxpass"} and c.tag_ in {"MD", "VBD", "VBZ", "VBP"} for c in predicate.children)
    if predicate.pos_ not in {"VERB", "AUX"} or predicate.i <= obj.i or not finite or \
            any(c.dep_ in {*SUBJECTS, "expl"} for c in predicate.children) or predicate.dep_ == "relcl":
        return None
    return predicate


def _misparsed_complement(clause: Token) -> bool:
    """"a denial that he took bribes" parsed as a relative clause with "that" for its object: a clause that
    has its own subject and object besides "that" has no gap, so "that" only introduces it."""
    first = clause.left_edge
    return clause.dep_ in {"acl", "relcl"} and clause.pos_ in {"VERB", "AUX"} and first.lower_ == "that" and \
        first.dep_ in {"dobj", "obj", "nsubj"} and \
        any(c.dep_ in SUBJECTS and c.i != first.i for c in clause.children) and \
        (first.dep_ == "nsubj" or any(c.dep_ in {"dobj", "obj", "ccomp", "xcomp", "attr", "acomp", "prep"} and
                                      c.i != first.i for c in clause.children))


def with_object(frame: Frame, obj: Token) -> Frame:
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
    if obj.pos_ == "PRON" or obj.lower_ in {"this", "that", "these", "those"} or \
            lemma in lx.CLAIM_NOUNS and not of_complement and \
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


def falsity_predication(content: list[Token]) -> Token | None:
    """"the reports were baseless", "it is untrue", "this is a lie": a claim called false inside a report."""
    if not content:
        return None
    root = root_of(content)
    if root.lemma_.lower() != "be" and root.pos_ != "AUX":
        return None
    subject = next((c for c in root.children if c.dep_ in SUBJECTS), None)
    predicate = next((c for c in root.children if c.dep_ in {"acomp", "attr"}), None)
    if subject is None or predicate is None or subject.lemma_.lower() not in lx.CLAIM_NOUNS | {"it", "this", "that"}:
        return None
    heads = [root, predicate, *predicate.conjuncts]  # ("absurd to build a wall" may hang on the adjective)
    if subject.lower_ == "it" and any(c.dep_ in {"xcomp", "advcl", "csubj"} and c.i > predicate.i and
                                      any(m.dep_ == "aux" and m.lower_ == "to" for m in c.children) and
                                      not any(m.dep_ == "ccomp" for m in c.children) for h in heads for c in h.children):
        # "it would be wrong to hold a referendum": a deed judged, no claim called false ("wrong to claim
        # that P" calls P false)
        return None
    # (the predicate's own words, not a clause or phrase inside it: "the only thing that is wrong with the ban"
    # finds a fault, it calls nothing false)
    inside = {t.i for c in predicate.subtree if c.dep_ in {"relcl", "acl", "prep"} and c.head.i == predicate.i
              for t in c.subtree}
    words = {t.lemma_.lower() for t in predicate.subtree if t.i not in inside}
    # "the reports are baseless", and negated truth: "that is not true", "this is not the case"
    if not negated(root) and words & lx.FALSITY_WORDS or negated(root) and words & lx.TRUTH_WORDS:
        return predicate
    return None


# Verbs that give an answer (besides the reporting verbs): "Asked whether P, X replied: 'No.'"
_ANSWERING_VERBS = {"respond", "reply", "answer", "retort"}
# How a negative answer to a yes/no question opens: "No.", "Not at all.", "Absolutely not.", "Of course not."
_NO = {"no", "not", "never", "nope"}
_NO_ADVERBS = {"absolutely", "certainly", "definitely", "surely", "of", "course"}


def negative_answer(index: int, verb: Token) -> Frame | None:
    """"Asked whether P, X said: 'No.'": a negative answer to a yes/no question disputes what it asked, P."""
    if verb.pos_ != "VERB" or verb.lemma_.lower() not in lx.REPORTING_VERBS | _ANSWERING_VERBS:
        return None
    asked = next((c for c in verb.children if c.lemma_.lower() == "ask" and c.tag_ == "VBN"), None)
    if asked is None and verb.dep_ == "advcl" and verb.head.lemma_.lower() == "ask" and verb.head.tag_ == "VBN":
        asked = verb.head  # ("Asked whether P, he said: 'No'" parsed with "Asked" for the root)
    if asked is None:
        return None
    question = next((c for c in asked.children if c.dep_ in {"ccomp", "advcl"} and c.i < verb.i and any(
        m.dep_ == "mark" and m.lower_ in {"whether", "if"} for m in c.children)), None)
    if question is None:
        return None
    subjects = {t.i for c in verb.children if c.dep_ in SUBJECTS for t in c.subtree}
    answer = [t for t in verb.doc[verb.i + 1:] if not (t.is_punct or t.is_space or t.i in subjects)]
    while answer and answer[0].lower_ in _NO_ADVERBS:
        answer = answer[1:]
    # (the word alone, as an answer: "No.", "No, it is not okay", "not at all"; not "said no one knew")
    if not answer or answer[0].lower_ not in _NO:
        return None
    after = verb.doc[answer[0].i + 1:]
    if len(after) and not after[0].is_punct and not (len(after) > 1 and after[0].lower_ == "at" and
                                                      after[1].lower_ == "all"):
        return None
    return Frame(index, verb, True, speakers=speakers_of(verb), content=trim(list(question.subtree)), clausal=True)
