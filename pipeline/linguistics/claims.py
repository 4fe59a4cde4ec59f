"""Claims of an article from its attribution frames: what is asserted, by whom, disputed by whom.

One claim gathers every frame about the same proposition: "Z reported that P" and, later, "Y denied that P"
(or "Y denied the report") make one claim P with claimant Z and denier Y. A denial that names the claim's
source ("denied claims by Z that P") gives the claimant itself. Frames nested in another frame's content
("X said that Y denied P") are Y's, not X's. Claims are ranked the way GUIDE.md defines central claims:
disputed ones, those in the lead, and those sharing the headline's words come first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics.content import root_of, tokens_text
from pipeline.linguistics.disputes import (countered, denied_in_place, join_denial, negated_proposition,
                                           points_back, referent)
from pipeline.linguistics.draft import ClaimDraft, content_words, overlap, same_claim, same_name, same_speaker
from pipeline.linguistics.frame import Frame
from pipeline.linguistics.frames import find_frames
from pipeline.linguistics.deeds import accused_deed, denied_doing, denied_part, refused_predicate
from pipeline.linguistics.lexicon import ACCUSING_VERBS, CLAIM_NOUNS, DECISION_NOUNS, TRUTH_WORDS
from pipeline.linguistics.mentions import Mention, MentionIndex, is_pronoun
from pipeline.linguistics.parse import ParsedArticle
from pipeline.records import Span
from pipeline.spans import dedupe

if TYPE_CHECKING:
    from spacy.tokens import Token

__all__ = ["ClaimDraft", "claim_text", "draft_claims"]

SPEAKER_REPEAT_PENALTY = 0.75
SENTENCE_REPEAT_PENALTY = 2.0
POSITION_WEIGHT = 1.0
REPEATED_BONUS = 1.0
OPINION_PENALTY = 2.0


def draft_claims(parsed: ParsedArticle, max_claims: int) -> list[ClaimDraft]:
    """The article's claims, at most `max_claims`, most central first selected, returned in text order."""
    if max_claims <= 0:
        return []
    found = find_frames(parsed)
    mentions = MentionIndex(parsed)
    recent: list[Mention] = []  # speakers of earlier frames, nearest first: the preferred antecedents of a pronoun
    drafts: list[ClaimDraft] = []
    back_references: list[tuple[Frame, list[Span], list[Span]]] = []
    negations: list[tuple[Frame, list[Span]]] = []
    resolved: dict[int, list[Span]] = {}  # each frame's speakers as resolved mentions, by id(frame)
    for frame in found:
        speakers, unresolved, described = _resolve(_first_person_quoted(frame, found), mentions, recent)
        resolved[id(frame)] = speakers
        if not frame.denial and speakers and negated_proposition(frame.content):
            negations.append((frame, speakers))
        sources, _, _ = _resolve(frame.sources, mentions, recent)
        recent = described + recent  # a relaying frame's speaker too: "X said he believed P" -> he = X
        if _is_relay(frame, found) or _elaborates_denial(frame, found):
            continue
        # ("denied the report"; "denied it was a breach of UN resolutions": "it" is the deed stated before)
        if frame.denial and (frame.back_reference and (not frame.clausal or points_back(frame.content)) or
                             frame.counter or _said_of_it(frame)):
            back_references.append((frame, speakers, sources))
            continue
        words = content_words(frame.content)
        target = frame.denial and denied_in_place(drafts, frame, words, speakers) or \
            same_claim(drafts, words, denial=frame.denial)
        if target is None:
            target = _new_draft(drafts, frame, frame.content, frame.clausal)
        _add(target, frame, speakers, sources, unresolved, parsed)
        target.speaker_mentions[id(frame)] = described
        target.generic += [m.span for m in described if m.head_lemma in CLAIM_NOUNS]
    for frame, speakers, sources in back_references:
        # (nobody disputes their own claim: "Collins said she would vote no ... she joins others opposing the bill")
        others = [d for d in drafts if not any(same_speaker(s, c) for s in speakers for c in d.claimants)]
        target = countered(others, frame) if frame.counter else referent(others, frame, sources, speakers)
        own = None  # a proposition the frame states as a claim of its own, answering none before it
        if _said_of_it(frame) and not frame.counter and not _restates(frame, target):
            own = frame.content  # "denies that this is a Muslim ban": about the thing "this" is, not a claim
        elif target is None and frame.counter:  # nothing it answers: an ordinary claim of its own
            frame.denial = False
            own = frame.statement or frame.content
        if own is not None:
            _add(_new_draft(drafts, frame, own, True), frame, speakers, sources, False, parsed)
            continue
        if target is None and (not frame.content or frame.content[0].pos_ == "PRON" or
                               root_of(frame.content).lemma_.lower() in DECISION_NOUNS or
                               root_of(frame.content).i == frame.cue.head.i and frame.cue.dep_ == "relcl"):
            # "X disputes that.", "X opposed the bill", "..., an assessment X rejected" with no claim before it:
            # nothing to attach it to
            continue
        if target is None:
            target = _new_draft(drafts, frame, frame.content, False)
        _add(target, frame, speakers, sources, False, parsed)
    for frame, speakers in negations:
        join_denial(drafts, frame, speakers, resolved)
    for draft in drafts:
        _finish(draft, parsed)
        draft.rule_text = claim_text(draft, parsed, mentions)
    return sorted(_select(drafts, max_claims), key=lambda d: d.sentence)


def _select(drafts: list[ClaimDraft], max_claims: int) -> list[ClaimDraft]:
    """The `max_claims` most central claims, chosen greedily: once a speaker's claim is in, that speaker's other
    claims count for less, so five quotes of one person do not crowd out the article's other claims; and a
    second claim from a sentence already chosen ("X confirmed P but denied Q") counts for less, so the
    article's other sentences get their turn."""
    chosen: list[ClaimDraft] = []
    left = list(drafts)
    while left and len(chosen) < max_claims:
        def adjusted(d: ClaimDraft) -> float:
            repeats = sum(1 for c in chosen if any(same_name(a, b) for a in d.claimants for b in c.claimants))
            shared = sum(1 for c in chosen if overlap(c.evidence[0], d.evidence[0]))
            return d.score - SPEAKER_REPEAT_PENALTY * repeats - SENTENCE_REPEAT_PENALTY * shared
        best = max(left, key=lambda d: (adjusted(d), -d.sentence))
        chosen.append(best)
        left.remove(best)
    return chosen


def claim_text(draft: ClaimDraft, parsed: ParsedArticle, mentions: MentionIndex) -> str:
    """The proposition as a standalone sentence, copied from the article: the subject pronoun replaced by who
    it refers to ("he knew ..." -> "Bernie Ebbers knew ..."), first letter capitalised, a final period."""
    tokens = draft.proposition
    if not tokens:
        return parsed.sentences[draft.sentence].text
    stating = next((f for f in draft.frames if f.content is tokens), None)
    deed = None
    if stating is not None and stating.cue.lemma_.lower() in ACCUSING_VERBS:
        deed = accused_deed(stating.cue)  # "accused Russia of trying to ..." -> "Russia tried to ..."
    elif stating is not None and stating.denial:
        deed = _denied_deed(draft, stating, mentions)
    if deed is not None:
        return deed
    text = tokens_text(tokens)
    first = tokens[0]
    # ("it" only as a real subject: in "it was vital that ..." it stands for nothing)
    # (only a speaker of the claim: "the firm said it had ..."; other antecedents are too uncertain to write)
    if is_pronoun(first) and first.dep_ in {"nsubj", "nsubjpass"} and first.lower_ not in {"i", "we", "you"} and \
            not (first.lower_ == "it" and (first.head.lemma_ == "be" or _extraposed(first.head))):
        speakers = _stating_speakers(draft, first)
        antecedent = mentions.resolve(first, speakers)
        stated_by = next((m for m in speakers if m.span == antecedent), None)
        if stated_by is not None:  # (by the name a description stands for: "The minister" -> "Ruth Kelly")
            text = mentions.specific(stated_by).text + text[len(first.text):]
    text = text.strip(" \"“”'‘’")
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _denied_deed(draft: ClaimDraft, stating: Frame, mentions: MentionIndex) -> str | None:
    """The deed a denial disputes, written as a sentence: "refused to recognise X as Y" -> "X is Y", "denied any
    involvement in X" -> "<denier> was involved in X", "denied lying" -> "<denier> lied"."""
    if stating.cue.lemma_.lower() == "refuse" and not draft.clausal:
        deed = refused_predicate(stating.cue)
        if deed is not None:
            return deed
    # (the stating denial's own subject did it: "Flynn denied discussing sanctions and Pence repeated the
    # denial" -> "Flynn discussed sanctions", not "Flynn and Pence")
    said = [mentions.specific(m) for m in draft.speaker_mentions.get(id(stating), [])]
    own = [d for d in draft.deniers if any(overlap(d, m) or same_name(d, m) for m in said)] or draft.deniers
    written = denied_doing if draft.clausal else denied_part
    return written(stating.cue, root_of(draft.proposition), [s.text for s in own],
                   plural=any(h.tag_ in {"NNS", "NNPS"} for h in stating.speakers))


def _extraposed(verb: Token) -> bool:
    """A verb whose real subject is a clause after it: "it emerged that P", "it took him 20 years to decide"
    (a duration and what it took to do); "it" stands for the clause, not for anyone."""
    duration = any(c.dep_ in {"dobj", "obj"} and c.ent_type_ in {"DATE", "TIME"} for c in verb.children)
    for clause in (c for c in verb.children if c.i > verb.i):
        marks = {(m.dep_, m.lower_) for m in clause.children}
        if clause.dep_ in {"ccomp", "csubj"} and ("mark", "that") in marks or \
                duration and clause.dep_ in {"advcl", "xcomp"} and ("aux", "to") in marks:
            return True
    return False


def _stating_speakers(draft: ClaimDraft, token: Token) -> list[Mention]:
    """The claim's speakers as mentions, who "she" in the proposition can be: first those of the frame whose
    content holds `token` ("Sturgeon announced that she intended ..." is Sturgeon, not May, who rejected the
    idea later), then the others, nearest first."""
    stating = [f for f in draft.frames if f.cue.doc is token.doc and any(t.i == token.i for t in f.content)]
    others = [f for f in reversed(draft.frames) if all(f is not s for s in stating)]  # (identity, not field equality)
    return [m for frame in stating + others for m in draft.speaker_mentions.get(id(frame), [])]


def _new_draft(drafts: list[ClaimDraft], frame: Frame, proposition: list[Token], clausal: bool) -> ClaimDraft:
    """A new claim stated by `frame` (its frames and speakers are added by `_add`), appended to `drafts`."""
    draft = ClaimDraft(frames=[], sentence=frame.sentence, proposition=proposition, clausal=clausal,
                       words=content_words(proposition))
    drafts.append(draft)
    return draft


def _said_of_it(frame: Frame) -> bool:
    """A denied clause that only says what a bare "it"/"this" was ("denied it was a breach of UN resolutions",
    "denied it was true"): perhaps about a claim before it (`_restates` decides)."""
    return frame.clausal and not frame.back_reference and points_back(frame.content) and \
        root_of(frame.content).lemma_.lower() == "be"


def _restates(frame: Frame, target: ClaimDraft | None) -> bool:
    """Whether a denial about a bare "it"/"this" ("denied it was true", "denied it was a breach of UN
    resolutions") is about the claim `target`: it calls it true, or says again what the claim says (two content
    words in common: "violating a UN resolution")."""
    if target is None:
        return False
    root = root_of(frame.content)
    if any(c.dep_ in {"acomp", "attr"} and c.lemma_.lower() in TRUTH_WORDS for c in root.children):
        return True
    return len(content_words(frame.content) & target.words) >= 2


def _first_person_quoted(frame: Frame, frames: list[Frame]) -> list[Token]:
    """The speakers of `frame`, where "I" or "we" is the speaker of the quote around it: '"I believe P," Y
    said' -> Y."""
    if not frame.speakers or any(s.lower_ not in {"i", "we"} for s in frame.speakers):
        return frame.speakers
    outer = next((other for other in frames if other is not frame and other.speakers and
                  other.cue.doc is frame.cue.doc and frame.cue.i in {t.i for t in other.content}), None)
    return outer.speakers if outer is not None else frame.speakers


def _is_relay(frame: Frame, frames: list[Frame]) -> bool:
    """A frame whose content is itself somebody's attribution ("X said that Y denied P") only relays it; one
    whose content merely holds another cue lower down ("denied P despite saying Q") does not, nor one whose
    content is evidence ("X said the figures show P": X claims P). A speakerless frame inside another frame's
    content ("the figures show P" there) is part of that claim."""
    # (not inside a denial: "denied reports that suggest P" disputes the P the reports state)
    # (a counter-claim is no denial here: "critics say the figures show P" is the critics' claim)
    if not frame.speakers and any(other is not frame and other.cue.doc is frame.cue.doc and
                                  (not other.denial or other.counter) and
                                  frame.cue.i in {t.i for t in other.content} for other in frames):
        return True
    if not frame.content:
        return False
    root = root_of(frame.content)
    return any(other is not frame and other.cue.doc is root.doc and other.cue.i == root.i and other.speakers
               for other in frames)


def _elaborates_denial(frame: Frame, frames: list[Frame]) -> bool:
    """"X denied the report, saying he had been at home": what the denier says in the same breath is the
    denial's argument, not another claim."""
    return not frame.denial and frame.cue.dep_ == "advcl" and any(
        other.denial and other.cue.doc is frame.cue.doc and other.cue.i == frame.cue.head.i for other in frames)


def _resolve(heads: list[Token], mentions: MentionIndex,
             recent: list[Mention]) -> tuple[list[Span], bool, list[Mention]]:
    """The mentions `heads` refer to, whether a pronoun among them stayed unresolved, and the mentions."""
    spans, unresolved, described = [], False, []
    for head in heads:
        span = mentions.resolve(head, recent)
        if span is not None:
            spans.append(span)
            described.append(mentions.describe(span, head))
        elif is_pronoun(head):
            unresolved = True
    return dedupe(spans), unresolved, described


def _add(draft: ClaimDraft, frame: Frame, speakers: list[Span], sources: list[Span], unresolved: bool,
         parsed: ParsedArticle) -> None:
    draft.frames.append(frame)
    if frame.denial:
        draft.deniers = dedupe(draft.deniers + speakers)
        draft.claimants = dedupe(draft.claimants + sources)
    else:
        draft.claimants = dedupe(draft.claimants + speakers)
    if unresolved:
        draft.unresolved.append("denier" if frame.denial else "claimant")
    evidence = _evidence(frame, parsed)
    # a report restating the claim gives a better proposition than a bare noun ("denied the report")
    if not frame.denial and frame.clausal and not draft.clausal:
        draft.proposition, draft.clausal, draft.sentence = frame.content, frame.clausal, frame.sentence
        draft.evidence.insert(0, evidence)  # the main evidence states the proposition
    elif evidence not in draft.evidence:
        draft.evidence.append(evidence)
    draft.evidence = dedupe(draft.evidence)


def _evidence(frame: Frame, parsed: ParsedArticle) -> Span:
    """The sentence stating the frame. Where pysbd left several sentences in one piece (headings, odd
    punctuation), the parser's sentence around the cue, widened to cover the frame's words."""
    doc = frame.cue.doc
    sent = frame.cue.sent
    if sent.start == 0 and sent.end == len(doc):
        return parsed.sentences[frame.sentence]
    tokens = [frame.cue, *frame.content, *frame.speakers]
    first = min(sent.start, *(t.i for t in tokens))
    last = max(sent.end - 1, *(t.i for t in tokens))
    return parsed.span(doc[first], doc[last]) or parsed.sentences[frame.sentence]


def _finish(draft: ClaimDraft, parsed: ParsedArticle) -> None:
    # nobody is both claimant and denier of one claim: the denial, explicit, wins
    draft.claimants = [c for c in draft.claimants if not any(overlap(c, d) or same_name(c, d) for d in draft.deniers)]
    if any(c not in draft.generic for c in draft.claimants):
        draft.claimants = [c for c in draft.claimants if c not in draft.generic]
    draft.evidence = draft.evidence[:3]
    draft.score = _centrality(draft, parsed)


def _centrality(draft: ClaimDraft, parsed: ParsedArticle) -> float:
    """How central a claim is by GUIDE.md's definition: disputed, in the lead, about the headline; stated more
    than once (by several sources, or asserted and then denied); early rather than late (news puts what matters
    first); and a claim of fact, not a speaker's feeling, intention or exhortation ("we must ...", "I am sad")."""
    index = draft.sentence
    score = 1.0
    if draft.disputed:
        score += 3.0
    if index < 3:
        score += 1.5 - 0.4 * index
    title_words = content_words(list(parsed.title_doc)) if parsed.title_doc is not None else set()
    if title_words:
        sentence_words = content_words(list(parsed.docs[index]))
        score += 1.5 * len(title_words & sentence_words) / len(title_words)
    if len({f.sentence for f in draft.frames}) > 1:
        score += REPEATED_BONUS
    if _first_person_or_deontic(draft.proposition):
        score -= OPINION_PENALTY
    score -= POSITION_WEIGHT * index / max(1, len(parsed.docs))
    return score


def _first_person_or_deontic(tokens: list[Token]) -> bool:
    if not tokens:
        return False
    root = root_of(tokens)
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass", "expl"}), None)
    if subject is not None and subject.lower_ in {"i", "we", "you"}:
        return True
    return any(c.dep_ == "aux" and c.lower_ in {"must", "should", "ought"} for c in root.children)


