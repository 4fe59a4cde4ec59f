"""Attribution frames read off the dependency parse: who asserts or disputes what (disputing verbs and nouns
in `denials`).

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

from typing import TYPE_CHECKING

from pipeline.linguistics import lexicon as lx
from pipeline.linguistics.content import (CUE_LEMMAS, accusation, clause_content, root_of, trim,
                                         without_claim_comments)
from pipeline.linguistics.denials import (denial, denial_noun, disputed_for_want_of, falsity_predication, negative_answer,
                                         no_evidence, plea, refusal)
from pipeline.linguistics.disputes import negated_proposition
from pipeline.linguistics.frame import Frame
from pipeline.linguistics.mentions import DOCUMENT_NOUNS, QUOTE_MARKS, is_pronoun
from pipeline.linguistics.parse import ParsedArticle
from pipeline.linguistics.roles import (SUBJECTS, agent_of, asserted_infinitive, can_speak, claim_source, infinitive,
                                       is_somebody_itself, negated, speakers_of, with_conjuncts)
from pipeline.sentences import is_furniture

if TYPE_CHECKING:
    from spacy.tokens import Token


_MODALS = {"should", "must", "may", "might", "could", "would", "can", "ought"}


def find_frames(parsed: ParsedArticle) -> list[Frame]:
    """Every attribution frame of the article, in text order; frames nested in another frame's content
    ("X said that Y denied P") are kept, the caller decides which to use."""
    frames: list[Frame] = []
    for index, doc in enumerate(parsed.docs):
        if is_furniture(parsed.sentences[index].text):
            continue  # "READ MORE: <another story's headline>": nothing this article claims
        for token in doc:
            frame = _according_to(index, token) or negative_answer(index, token) or _verb_frame(index, token) or \
                _claim_noun(index, token) or _stance(index, token)
            if frame is not None and not _question(frame):
                frames.append(frame)
    return sorted(frames + _continued_quote_denials(parsed, frames), key=lambda f: (f.sentence, f.cue.i))


def _continued_quote_denials(parsed: ParsedArticle, frames: list[Frame]) -> list[Frame]:
    """A quoted sentence with no attribution of its own right after a quote of somebody's is still theirs
    ("'I never met them,' Sessions said. 'And the idea that I did is false.'"): a claim it calls false is
    their denial. The sentence is in a quote when it opens with a quotation mark or the one before left its
    quotation open."""
    by_sentence: dict[int, list[Frame]] = {}
    for frame in frames:
        by_sentence.setdefault(frame.sentence, []).append(frame)
    found = []
    for index in range(1, len(parsed.docs)):
        before = [f for f in by_sentence.get(index - 1, []) if f.speakers]
        doc, previous = parsed.docs[index], parsed.docs[index - 1]
        quoted = doc.text.lstrip()[:1] in QUOTE_MARKS or sum(t.text in QUOTE_MARKS for t in previous) % 2 == 1
        if index in by_sentence or not before or not quoted:
            continue
        tokens = [t for t in doc if not t.is_space]
        falsity = falsity_predication(tokens)
        if falsity is None:
            continue
        subject = next(c for c in falsity.head.children if c.dep_ in SUBJECTS)
        frame = Frame(index, falsity, True, speakers=before[-1].speakers)
        clause = _that_clause(subject)
        if clause is not None:  # "the idea that I did is false": the idea itself
            frame.content, frame.clausal = trim(list(clause.subtree)), True
        else:  # "It is false": the claim before it
            frame.content, frame.back_reference = [subject], True
        found.append(frame)
    return found


def _question(frame: Frame) -> bool:
    """A content that is an embedded question ("explained how P", "asked whether P") or that the cue sits
    inside of ("what the panel thought were concerns") asserts no proposition of its own; a free relative
    that is the subject of the content does ("said that what he announced will be enough")."""
    if not frame.clausal or not frame.content:
        return False
    # (an adverb before it changes nothing: "shows just what P", "explained exactly how P")
    first = next((t for t in frame.content if t.dep_ != "advmod" or t.tag_ == "WRB"), frame.content[0])
    if first.doc is frame.cue.doc and first.tag_ in {"WP", "WDT", "WP$"} and first.i < frame.cue.i:
        return True
    # ("showed what the crew faced": "what" belongs to the content's own verb; in "said what he announced will
    # be enough" it belongs to the subject clause)
    if first.tag_ in {"WP", "WDT"} and first.head.i == root_of(frame.content).i:
        return True
    # (only the content's own wh-word or marker: "If the bill passes, prices will rise", "When he left, the
    # talks collapsed" state a proposition under a condition or a time)
    return (first.tag_ == "WRB" or first.lower_ in {"whether", "if"} and first.dep_ == "mark") and \
        not (first.head.dep_ == "advcl" and first.head.head.i == root_of(frame.content).i)


def _stance(index: int, adjective: Token) -> Frame | None:
    """"Privacy advocates are concerned that P", "Police are confident that P": a view held by the subject."""
    if adjective.pos_ != "ADJ" or adjective.lemma_.lower() not in lx.STANCE_ADJECTIVES or adjective.dep_ != "acomp":
        return None
    clause = next((c for c in adjective.children if c.dep_ == "ccomp"), None)
    if clause is None or negated(adjective.head):
        return None
    speakers = [s for s in speakers_of(adjective.head) if s.dep_ != "expl" and s.lower_ != "it"]
    if adjective.head.lower_ in {"am", "'m", "’m"} and not any(s.lower_ == "i" for s in speakers):
        return None  # "the response is inadequate but [I] am hopeful that P": "am" agrees with no other subject
    if not speakers:
        return None  # "it is clear that ...": nobody's view
    return Frame(index, adjective, False, speakers=speakers, content=trim(list(clause.subtree)), clausal=True)


def _claim_noun(index: int, noun: Token) -> Frame | None:
    """"reports that P", "the allegation of P", "claims by X that P": a claim stated as a noun, outside any
    reporting or denial verb (those frames read it themselves)."""
    if noun.pos_ == "NOUN" and noun.lemma_.lower() in lx.DENIAL_NOUNS:
        return denial_noun(index, noun)
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in lx.CLAIM_NOUNS:
        return None
    head = noun.head
    if noun.dep_ in {"dobj", "obj", "nsubjpass", "pobj"} and (head.lemma_.lower() in CUE_LEMMAS or
                                                            noun.dep_ == "pobj" and head.head.lemma_.lower() in CUE_LEMMAS):
        return None  # ("denied reports that P", "spoke of claims that P": the verb's frame reads it)
    if noun.lemma_.lower() not in lx.ASSERTION_NOUNS:
        # other claim nouns state somebody's claim with a source and a "that"-clause: "complaints from a panel
        # that P", "warnings by the bank that P" (not "the view that P", "the evidence")
        source, clause = claim_source(noun), _that_clause(noun)
        if not source or clause is None:
            return None
        return Frame(index, noun, False, speakers=source, content=trim(without_claim_comments(list(clause.subtree))),
                     clausal=True)
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"} and c.pos_ in {"VERB", "AUX"} and
                   any(m.dep_ == "mark" or m.dep_ in SUBJECTS for m in c.children)), None) or _that_clause(noun)
    if clause is not None:
        content = list(clause.subtree)
    else:
        of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        inner = next((c for c in of.children if c.dep_ in {"pcomp", "pobj"}), None) if of is not None else None
        if inner is None or not (inner.pos_ == "VERB" or inner.tag_ == "VBG"):
            return None  # "the report of the committee" names no claim
        content = list(inner.subtree)
    return Frame(index, noun, False, speakers=claim_source(noun), content=trim(without_claim_comments(content)),
                 clausal=True)


def _that_clause(noun: Token) -> Token | None:
    """The "that"-clause of a claim noun, also where the parser hung it on the noun's source ("complaints
    from a panel that P", "a report in the Herald that P")."""
    holders = [noun] + [o for p in noun.children if p.dep_ == "prep" and p.lower_ in {"from", "by", "of", "in"}
                        for o in p.children if o.dep_ == "pobj"]
    return next((c for h in holders for c in h.children if c.dep_ in {"acl", "ccomp", "relcl"} and
                 c.pos_ in {"VERB", "AUX"} and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children) and
                 any(m.dep_ in SUBJECTS for m in c.children)), None)


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
    speakers = with_conjuncts(objects[0])
    # "according to his opinion / in their words": whose they are (resolved later); a document speaks for
    # itself ("according to his tax filings")
    owner = next((c for c in objects[0].children if c.dep_ == "poss" and is_pronoun(c)), None)
    if owner is not None and not can_speak(objects[0]) and objects[0].lemma_.lower() not in DOCUMENT_NOUNS:
        speakers = [owner]
    return Frame(index, token, False, speakers=speakers, content=trim(content), clausal=True)


def _verb_frame(index: int, verb: Token) -> Frame | None:
    if verb.pos_ not in {"VERB", "AUX"} or verb.dep_ in {"amod", "compound"}:
        return None
    lemma = verb.lemma_.lower()
    if verb.tag_ == "VBG" and (verb.dep_ in {"ccomp", "csubj"} or any(c.dep_ == "mark" for c in verb.children)) and \
            any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children) and \
            not any(c.dep_ in {"aux", "auxpass"} for c in verb.children):
        # a gerund-participle heads no finite clause without "be": its "subject" is a noun it modifies,
        # misparsed ("found that books denying the Holocaust were up for sale" is not books disputing that P;
        # the absolute "with the leaders saying P" hangs on "with" and stays)
        return None
    if verb.dep_ == "relcl" and verb.head.lower_ in _ANYBODY:
        return None  # "punish those who deny the Holocaust", "anyone who says P": a kind of people, not a speaker
    # (a bare verb coordinated with another shares its auxiliary, negation and "neither": "would neither
    # confirm nor deny", "did not confirm or deny" declines to comment)
    # (and a negation scopes over "or": "has not confirmed or denied", "neither confirmed nor denied")
    disjoined = verb.dep_ == "conj" and any(c.dep_ == "cc" and c.lower_ in {"or", "nor"} for c in verb.head.children)
    shared = verb.head if verb.dep_ == "conj" and (verb.tag_ == "VB" or disjoined) and \
        verb.head.pos_ in {"VERB", "AUX"} else verb
    if (negated(verb) or negated(shared) or any(c.lower_ == "neither" for c in shared.children)) and \
            lemma not in {"plead"}:
        return None  # "did not deny", "declined to say" is handled by the infinitive test below
    if lemma == "plead":
        return plea(index, verb)
    if lemma == "refuse":
        return refusal(index, verb)
    if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in [*verb.children, *shared.children]):
        return None  # "ministers should expect ...", "he could deny ...": nothing asserted yet
    denying = lemma in lx.DENYING_VERBS | lx.REJECTING_VERBS | lx.DESCRIBING_VERBS | lx.OPPOSING_VERBS
    if infinitive(verb) and not (denying and asserted_infinitive(verb)):
        return None  # "is expected to announce", "wants to claim": nobody is speaking yet
    passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)
    if denying:
        frame = denial(index, verb, lemma, passive)
        if frame is not None:
            return frame
    if lemma in lx.REPORTING_VERBS or lemma == "hear":
        return _report(index, verb, lemma, passive)
    return None


def _called_false(root: Token, falsity: Token) -> Token | None:
    """The clause a falsity word calls false when the sentence spells it out: "it was not true that P", "it
    was erroneous to claim (that) P", "the allegations that P were baseless"; None when it only points back
    ("the reports were baseless")."""
    if root.i < falsity.i:
        after = [c for c in root.children if c.i > falsity.i]
        clause = next((c for c in after if c.dep_ == "ccomp"), None)
        saying = next((c for c in after if c.dep_ == "xcomp" and c.lemma_.lower() in lx.REPORTING_VERBS), None)
        if clause is None and saying is not None:
            clause = next((c for c in saying.children if c.dep_ == "ccomp"), None)
        if clause is not None:
            return clause
    subject = next((c for c in falsity.head.children if c.dep_ in SUBJECTS), None)
    return _that_clause(subject) if subject is not None else None


def _only_owned(head: Token) -> bool:
    """A thing that is somebody's ("Walsh's departure", "the firm's plans"): it shows what it shows, but only
    a person, a body or what they issued (a report, a statement) asserts anything."""
    return any(c.dep_ == "poss" for c in head.children) and head.pos_ == "NOUN" and not is_somebody_itself(head) \
        and head.lemma_.lower() not in lx.CLAIM_NOUNS | DOCUMENT_NOUNS


# Pronouns for whoever fits a description: "those who deny ...", "anyone who says ..." name nobody.
_ANYBODY = {"those", "anyone", "anybody", "whoever", "everyone", "everybody", "someone", "somebody", "all"}


def _heard_in_court(verb: Token, lemma: str, passive: bool) -> bool:
    """"P, a court heard", "the jury was told that P": a claim made before a court or an inquiry, by somebody
    the sentence does not name (the court only hears it)."""
    subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or subject.lemma_.lower() not in lx.HEARING_BODIES:
        return False
    return lemma == "hear" and not passive or lemma == "tell" and passive and not agent_of(verb)


def _relative_report(index: int, verb: Token) -> Frame | None:
    """"the murders, which she said were instigated by X", "a man who police say stole the car": a report set
    in a relative clause with a speaker of its own; the claim is the noun it describes doing what is said."""
    # (a finite clause: "a system which Seoul agreed to deploy" reports nothing)
    said = next((c for c in verb.children if c.dep_ in {"ccomp", "xcomp"} and c.pos_ in {"VERB", "AUX"} and
                 not any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)), None)
    if said is None:
        return None
    # (the relative pronoun belongs to the reported clause; the parser hangs it on either verb)
    relative = next((c for c in [*verb.children, *said.children] if c.lower_ in {"who", "which", "that"} and
                     c.dep_ in SUBJECTS | {"dobj", "obj"} and c.i < verb.i), None)
    own = next((c for c in verb.children if c.dep_ in SUBJECTS and relative is not None and c.i > relative.i), None)
    noun = verb.head
    # (not "I think", the quote's speaker; not a date the parser hung the clause on: "a campaign launched in
    # October, which the UN says ...")
    if relative is None or own is None or not can_speak(own) or own.lower_ in {"i", "we", "you"} or \
            noun.ent_type_ in {"DATE", "TIME"}:
        return None
    described = [t for t in noun.subtree if t.i <= noun.i or t.i < verb.left_edge.i and not t.is_punct]
    inner = [t for t in said.subtree if t.i != relative.i]
    return Frame(index, verb, False, speakers=with_conjuncts(own), content=trim(described + inner), clausal=True)


def _report(index: int, verb: Token, lemma: str, passive: bool) -> Frame | None:
    if verb.dep_ == "relcl" and not passive:
        relayed = _relative_report(index, verb)
        if relayed is not None:
            return relayed
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
        accused = list(subject.subtree)
        if subject.lower_ in {"who", "which", "that"} and verb.dep_ == "relcl":  # "an aide, who is accused of ..."
            accused = [t for t in verb.head.subtree if t.i < verb.head.i or t.i == verb.head.i]
        # the accusation as it is made: "X is accused of Y" (never "X of Y")
        auxiliaries = [c for c in verb.children if c.dep_ in {"aux", "auxpass", "neg"}]
        content = sorted(accused + auxiliaries + [verb] + list(prep.subtree), key=lambda t: t.i)
        return Frame(index, verb, False, content=trim(content), clausal=True)
    if lemma in lx.EVIDENTIAL_VERBS and speakers and (not can_speak(speakers[0]) and speakers[0].lemma_.lower() not in
                                                      DOCUMENT_NOUNS or _only_owned(speakers[0])):
        # "the figures show that P", "the vote showed P", "Walsh's departure signaled P": evidence, nobody speaking
        # (a document states what it shows: "a new report finds P" is the report's claim)
        speakers = []
    found_none = next((c for c in verb.children if c.dep_ in {"dobj", "obj"} and no_evidence(c)), None)
    if found_none is not None:  # "police found no evidence that P"
        return disputed_for_want_of(Frame(index, verb, True, speakers=speakers), found_none, list(found_none.subtree))
    content, clausal = clause_content(verb)
    if not content and lemma in lx.ACCUSING_VERBS:
        content, clausal = accusation(verb), True
    if not content:
        return None
    frame = Frame(index, verb, False, speakers=speakers, content=content, clausal=clausal)
    innocent = any(t.lemma_.lower() in lx.INNOCENCE_WORDS for t in content)
    root = root_of(content)
    lacking = next((c for c in root.children if c.dep_ in {"attr", "nsubj", "dobj"} and no_evidence(c)), None)
    falsity = falsity_predication(content)
    if lacking is not None:  # "said there was no evidence that P": P disputed
        frame.denial = True
        return disputed_for_want_of(frame, lacking, content)
    if lemma in lx.INSISTING_VERBS and (negated_proposition(content) or innocent) or falsity is not None:
        # "insisted it had broken no rules", "said the reports were baseless": a denial in the speaker's words
        frame.denial = True
        frame.back_reference = falsity is not None or innocent  # "insist she is innocent"
        called_false = _called_false(root, falsity) if falsity is not None else None
        if called_false is not None:  # "said it was not true that P": P itself
            frame.content, frame.clausal, frame.back_reference = trim(list(called_false.subtree)), True, False
    elif speakers and speakers[0].lemma_.lower() in lx.OPPONENT_NOUNS:
        frame.denial = frame.counter = True  # "Critics say the bill is a power grab": disputing, in other words
    return frame
