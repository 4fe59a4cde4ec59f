"""Which claim a dispute answers: a back-reference ("denied the report", "pleaded not guilty"), a denial of one's
part in a deed, a critic's counter-claim, or a negation right after a denial that carries it on."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics.content import root_of
from pipeline.linguistics.draft import ClaimDraft, content_words, same_claim, same_speaker
from pipeline.linguistics.frame import Frame
from pipeline.linguistics.lexicon import CLAIM_NOUNS, INVOLVEMENT_NOUNS, REPORTING_VERBS, SUPPORTER_NOUNS
from pipeline.records import Span
from pipeline.spans import dedupe

if TYPE_CHECKING:
    from spacy.tokens import Token

# Frames this many sentences apart can still be about one claim ("Y denied the report" after "Z reported").
BACK_REFERENCE_WINDOW = 3
# A negation this many sentences after a denial carries it on ("X disputed P. 'It wasn't so,' Y said.").
ELABORATION_WINDOW = 2


def referent(drafts: list[ClaimDraft], frame: Frame, sources: list[Span] = (),
              deniers: list[Span] = ()) -> ClaimDraft | None:
    """The claim a back-reference ("denied the report", "pleaded not guilty") disputes: the claim another
    denial of the same sentence disputes ("pleaded not guilty and denied any role in ..."); a claim of the
    source the reference names ("rejected Uber's claim"), the nearest one before it; else, of the
    claims stated within a few sentences before it, one the reference names ("the charge" -> "charged",
    "the allegations" -> "alleged"), else the nearest; else the nearest one right after."""
    inside = {t.i for t in frame.content}
    stated = [d for d in drafts if any(f.cue.doc is frame.cue.doc and (f.cue.i in inside or any(
        s.i in inside for s in f.speakers)) for f in d.frames)]
    if stated:  # "denied reports that suggest P": the reports' own frame states the claim
        return stated[0]
    by_source = [d for d in drafts if d.sentence <= frame.sentence and
                 any(same_speaker(c, s) for c in d.claimants for s in sources)]
    if by_source:
        return max(by_source, key=lambda d: d.sentence)
    same = [d for d in drafts if any(f.denial and f.sentence == frame.sentence and f is not frame for f in d.frames)]
    if same:
        return same[0]
    before = [d for d in drafts if any(frame.sentence - BACK_REFERENCE_WINDOW <= f.sentence < frame.sentence or
                                       f.sentence == frame.sentence and f.cue.i < frame.cue.i for f in d.frames)]
    named = _named_by(frame)
    if named:
        matching = [d for d in before if any(f.cue.lemma_.lower()[:5] == named for f in d.frames)]
        if matching:
            return max(matching, key=lambda d: d.sentence)
    # (one who denies the allegations or pleads not guilty disputes what is said about them: "Prosecutors say
    # Smith shot Jones ... He has pleaded not guilty")
    before = [d for d in before if is_about(d, deniers)] or before
    if before:  # the nearest: in the same sentence, the frame whose cue comes last before the denial's
        return max(before, key=lambda d: (max((f.sentence, f.cue.i if f.cue.doc is frame.cue.doc and
                                               f.cue.i < frame.cue.i else -1)
                                              for f in d.frames if f.sentence <= frame.sentence), -len(d.frames)))
    after = [d for d in drafts if frame.sentence < d.sentence <= frame.sentence + 2]
    return min(after, key=lambda d: d.sentence) if after else None


def is_about(draft: ClaimDraft, people: list[Span]) -> bool:
    """Whether the claim's proposition is about one of `people`: its subject is named like them ("De Lima is
    accused of ..." is about De Lima; "a de Lima aide is accused of ..." about the aide)."""
    if not draft.proposition:
        return False
    root = root_of(draft.proposition)
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or subject.pos_ != "PROPN":
        return False
    names = {subject.lower_} | {c.lower_ for c in subject.children if c.dep_ in {"compound", "flat"} and c.pos_ == "PROPN"}
    return any(names & {w.lower() for w in person.text.split()} for person in people)


def denied_in_place(drafts: list[ClaimDraft], frame: Frame, words: set[str],
                    deniers: list[Span]) -> ClaimDraft | None:
    """The claim a denial disputes by where it stands rather than by the words it shares: a denial of a deed
    ("denied any role in the shootings") disputes what is said of the denier; a dispute set in a clause under a
    reported proposition disputes that proposition."""
    deed = not frame.clausal and frame.content and root_of(frame.content).lemma_.lower() in INVOLVEMENT_NOUNS
    return deed and _deed_of(drafts, words, deniers) or _conceded_to(drafts, frame)


def _conceded_to(drafts: list[ClaimDraft], frame: Frame) -> ClaimDraft | None:
    """The claim a dispute set in its own clause under it disputes ("X said the US takes no precautions, though
    the US denied that it had loosened its rules"): the one whose proposition the denial's clause hangs on."""
    if frame.cue.dep_ != "advcl":
        return None
    for draft in drafts:
        if any(not f.denial and f.content and f.cue.doc is frame.cue.doc and root_of(f.content).i == frame.cue.head.i
               for f in draft.frames):
            return draft
    return None


def _deed_of(drafts: list[ClaimDraft], words: set[str], deniers: list[Span]) -> ClaimDraft | None:
    """The claim about the deniers that a denial of a deed names ("denied any role in the shootings of de Abreu"
    -> "Hernandez fired five shots at de Abreu"): one word in common suffices when the claim is about them."""
    candidates = [d for d in drafts if is_about(d, deniers) and d.words & words]
    return max(candidates, key=lambda d: (len(d.words & words), d.sentence)) if candidates else None


def countered(others: list[ClaimDraft], frame: Frame) -> ClaimDraft | None:
    """The claim a counter-claim ("critics say ...") answers, of `others` (the claims of other speakers): the
    one sharing most content words with it (at least three: two are often just the story's topic, "Trump" and
    "tax"); None when none shares enough."""
    if not others:
        return None
    words = content_words(frame.content)
    if frame.statement:  # "no evidence that P": P restates the claim it answers
        return same_claim(others, words, denial=True)
    # "Supporters of the bill say P ... Opponents say Q": the other camp's claim is what critics answer
    camp = [d for d in others if any(s.lemma_.lower() in SUPPORTER_NOUNS for f in d.frames for s in f.speakers)]
    if camp:
        return min(camp, key=lambda d: abs(d.sentence - frame.sentence))
    best = max(others, key=lambda d: (len(d.words & words), -d.sentence))
    return best if len(best.words & words) >= 3 else None


def _named_by(frame: Frame) -> str | None:
    """The stem a back-reference names its claim by ("the allegations" -> "alleg"), to meet the verb or noun
    that stated it ("alleged", "allegation"); None for a pronoun or no object."""
    if not frame.content:
        return None
    head = root_of(frame.content)
    return head.lemma_.lower()[:5] if head.pos_ == "NOUN" and len(head.lemma_) >= 5 else None


def join_denial(drafts: list[ClaimDraft], frame: Frame, speakers: list[Span],
                 resolved: dict[int, list[Span]]) -> None:
    """"Central Command disputed that P. 'It wasn't a high-value target mission,' Col. Thomas told CNN": a
    negation asserted right after a denial, by somebody else than the claimants, carries the denial on; its
    speaker disputes the same claim (the statement stays a claim of its own too)."""
    denied = [d for d in drafts if any(f.denial and frame.sentence - ELABORATION_WINDOW <= f.sentence < frame.sentence
                                       for f in d.frames)]
    if not denied:
        return
    target = max(denied, key=lambda d: max(f.sentence for f in d.frames if f.denial and f.sentence < frame.sentence))
    said = {w for f in target.frames for w in content_words(list(f.cue.sent))}  # the sentences stating and denying it
    if not content_words(frame.content) & (target.words | content_words(target.proposition) | said):
        return  # (a negation about something else does not carry the denial on)
    # (a negation merged into the claim as a restatement of it disputes it all the same, unless its speaker
    # asserts the claim elsewhere too: "'I cannot vote for it,' Cruz said ... Cruz said he wouldn't vote for it")
    asserting = [c for f in target.frames if f is not frame and not f.denial for c in resolved.get(id(f), [])]
    joined = [s for s in speakers if not any(same_speaker(s, c) for c in asserting)]
    target.deniers = dedupe(target.deniers + joined)


def points_back(tokens: list[Token]) -> bool:
    """A disputing clause about a bare "that"/"this"/"it" ("That is not the case", "This is untrue"): it only
    refers to a claim stated before, it states none of its own."""
    if not tokens:
        return False
    subject = next((c for c in root_of(tokens).children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None:
        return False
    if subject.lower_ in {"that", "this", "it", "these", "those"}:
        return not any(c.dep_ in {"relcl", "acl", "prep", "ccomp"} for c in subject.children)
    # "the allegations were baseless", "these reports are false": a claim named before, not a content of its own
    # (not "the allegations that P" or "reports of P", which say what they claim)
    definite = any(c.dep_ in {"det", "poss"} and c.lower_ in {"the", "this", "these", "those", "such", "his", "her",
                                                             "its", "their"} for c in subject.children)
    return subject.lemma_.lower() in CLAIM_NOUNS and definite and not any(
        c.dep_ in {"relcl", "acl", "ccomp", "appos"} or c.dep_ == "prep" and c.lower_ in {"of", "about", "that"}
        for c in subject.children)


def negated_proposition(tokens: list[Token]) -> bool:
    """A proposition whose own verb is negated: "it wasn't a target", "Reince is not next", "we did nothing
    wrong", "it had broken no rules" (not a negation inside one of its clauses: "P because Q and not R")."""
    if not tokens:
        return False
    root = root_of(tokens)
    if root.lemma_.lower() in REPORTING_VERBS:
        return False  # "the department cannot confirm it", "we do not comment": declining, not denying
    # ("could not be closer", "couldn't agree more": a negated comparative is emphatic agreement, no negation)
    if any(c.tag_ in {"JJR", "RBR"} for c in root.children) or root.tag_ in {"JJR", "RBR"}:
        return False
    return any(c.dep_ == "neg" or c.lower_ in {"nothing", "never", "nobody", "none", "neither"} or
               any(g.dep_ == "det" and g.lower_ == "no" for g in c.children) for c in root.children)
