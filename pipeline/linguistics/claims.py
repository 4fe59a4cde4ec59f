"""Claims of an article from its attribution frames: what is asserted, by whom, disputed by whom.

One claim gathers every frame about the same proposition: "Z reported that P" and, later, "Y denied that P"
(or "Y denied the report") make one claim P with claimant Z and denier Y. A denial that names the claim's
source ("denied claims by Z that P") gives the claimant itself. Frames nested in another frame's content
("X said that Y denied P") are Y's, not X's. Claims are ranked the way GUIDE.md defines central claims:
disputed ones, those in the lead, and those sharing the headline's words come first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.linguistics.frame import Frame
from pipeline.linguistics.frames import find_frames
from pipeline.linguistics.roles import root_of, tokens_text
from pipeline.linguistics.lexicon import CLAIM_NOUNS, DECISION_NOUNS, INVOLVEMENT_NOUNS, SUPPORTER_NOUNS
from pipeline.linguistics.mentions import Mention, MentionIndex, is_pronoun
from pipeline.linguistics.parse import ParsedArticle
from pipeline.records import Span
from pipeline.spans import dedupe

if TYPE_CHECKING:
    from spacy.tokens import Token

_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"}
# Frames this many sentences apart can still be about one claim ("Y denied the report" after "Z reported").
BACK_REFERENCE_WINDOW = 3
# A negation this many sentences after a denial carries it on ("X disputed P. 'It wasn't so,' Y said.").
ELABORATION_WINDOW = 2
SAME_CLAIM_OVERLAP = 0.5
SPEAKER_REPEAT_PENALTY = 0.75
SENTENCE_REPEAT_PENALTY = 2.0
POSITION_WEIGHT = 1.0
REPEATED_BONUS = 1.0
OPINION_PENALTY = 2.0


@dataclass
class ClaimDraft:
    """A claim before the model restates it: article spans for everything, the proposition as tokens."""

    frames: list[Frame]
    sentence: int  # the main evidence sentence
    proposition: list[Token]
    clausal: bool
    claimants: list[Span] = field(default_factory=list)
    deniers: list[Span] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    score: float = 0.0
    #: roles ("claimant"/"denier") given only by a pronoun the rules could not resolve (the model may be asked)
    unresolved: list[str] = field(default_factory=list)
    #: the speakers as resolved mentions, nearest first (antecedents for the proposition's pronouns)
    speaker_mentions: list[Mention] = field(default_factory=list)
    #: speakers that are only a claim noun ("reports suggest ..."): dropped when the claim has a named one
    generic: list[Span] = field(default_factory=list)
    #: the proposition as a sentence copied from the article (`claim_text`)
    rule_text: str = ""

    @property
    def disputed(self) -> bool:
        return bool(self.deniers) or any(f.denial for f in self.frames)

    @property
    def denial_sentences(self) -> list[int]:
        return sorted({f.sentence for f in self.frames if f.denial})


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
        if not frame.denial and speakers and _negated_proposition(frame.content):
            negations.append((frame, speakers))
        sources, _, _ = _resolve(frame.sources, mentions, recent)
        recent = described + recent  # a relaying frame's speaker too: "X said he believed P" -> he = X
        if _is_relay(frame, found) or _elaborates_denial(frame, found):
            continue
        if frame.denial and (frame.back_reference and (not frame.clausal or _points_back(frame.content)) or
                             frame.counter):
            back_references.append((frame, speakers, sources))
            continue
        words = _words(frame.content)
        # (a denial of a deed, "denied any role in the shootings", disputes what is said of the denier first)
        target = frame.denial and not frame.clausal and frame.content and \
            root_of(frame.content).lemma_.lower() in INVOLVEMENT_NOUNS and _deed_of(drafts, words, speakers) or \
            _same_claim(drafts, words, denial=frame.denial)
        if target is None:
            target = ClaimDraft(frames=[], sentence=frame.sentence, proposition=frame.content, clausal=frame.clausal,
                                words=words)
            drafts.append(target)
        _add(target, frame, speakers, sources, unresolved, parsed)
        target.speaker_mentions = described + target.speaker_mentions
        target.generic += [m.span for m in described if m.head_lemma in CLAIM_NOUNS]
    for frame, speakers, sources in back_references:
        # (nobody disputes their own claim: "Collins said she would vote no ... she joins others opposing the bill")
        others = [d for d in drafts if not any(_same_speaker(s, c) for s in speakers for c in d.claimants)]
        target = _countered(others, frame) if frame.counter else _referent(others, frame, sources, speakers)
        if target is None and frame.counter:  # nothing it answers: an ordinary claim of its own
            frame.denial = False
            own = frame.statement or frame.content
            target = ClaimDraft(frames=[], sentence=frame.sentence, proposition=own, clausal=True, words=_words(own))
            drafts.append(target)
            _add(target, frame, speakers, sources, False, parsed)
            continue
        if target is None and (not frame.content or frame.content[0].pos_ == "PRON" or
                               root_of(frame.content).lemma_.lower() in DECISION_NOUNS):
            continue  # "X disputes that.", "X opposed the bill" with no claim before it: nothing to attach it to
        if target is None:
            target = ClaimDraft(frames=[], sentence=frame.sentence, proposition=frame.content, clausal=False,
                                words=_words(frame.content))
            drafts.append(target)
        _add(target, frame, speakers, sources, False, parsed)
    for frame, speakers in negations:
        _join_denial(drafts, frame, speakers, resolved)
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
            repeats = sum(1 for c in chosen if any(_same_name(a, b) for a in d.claimants for b in c.claimants))
            shared = sum(1 for c in chosen if _overlap(c.evidence[0], d.evidence[0]))
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
    text = tokens_text(tokens)
    first = tokens[0]
    # ("it" only as a real subject: in "it was vital that ..." it stands for nothing)
    # (only a speaker of the claim: "the firm said it had ..."; other antecedents are too uncertain to write)
    if is_pronoun(first) and first.dep_ in {"nsubj", "nsubjpass"} and first.lower_ not in {"i", "we", "you"} and \
            not (first.lower_ == "it" and first.head.lemma_ == "be"):
        antecedent = mentions.resolve(first, draft.speaker_mentions)
        if antecedent is not None and any(m.span == antecedent for m in draft.speaker_mentions):
            text = antecedent.text + text[len(first.text):]
    text = text.strip(" \"“”'‘’")
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


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
    if not frame.speakers and any(other is not frame and other.cue.doc is frame.cue.doc and not other.denial and
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


def _referent(drafts: list[ClaimDraft], frame: Frame, sources: list[Span] = (),
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
                 any(_same_speaker(c, s) for c in d.claimants for s in sources)]
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
    before = [d for d in before if _about(d, deniers)] or before
    if before:
        return max(before, key=lambda d: (max(f.sentence for f in d.frames if f.sentence <= frame.sentence),
                                          -len(d.frames)))
    after = [d for d in drafts if frame.sentence < d.sentence <= frame.sentence + 2]
    return min(after, key=lambda d: d.sentence) if after else None


def _about(draft: ClaimDraft, people: list[Span]) -> bool:
    """Whether the claim's proposition is about one of `people`: its subject shares a name with them."""
    if not draft.proposition:
        return False
    root = root_of(draft.proposition)
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    names = {t.lower_ for t in subject.subtree if t.pos_ == "PROPN"} if subject is not None else set()
    return any(names & {w.lower() for w in person.text.split()} for person in people)


def _deed_of(drafts: list[ClaimDraft], words: set[str], deniers: list[Span]) -> ClaimDraft | None:
    """The claim about the deniers that a denial of a deed names ("denied any role in the shootings of de Abreu"
    -> "Hernandez fired five shots at de Abreu"): one word in common suffices when the claim is about them."""
    about = [d for d in drafts if _about(d, deniers) and d.words & words]
    return max(about, key=lambda d: (len(d.words & words), d.sentence)) if about else None


def _join_denial(drafts: list[ClaimDraft], frame: Frame, speakers: list[Span],
                 resolved: dict[int, list[Span]]) -> None:
    """"Central Command disputed that P. 'It wasn't a high-value target mission,' Col. Thomas told CNN": a
    negation asserted right after a denial, by somebody else than the claimants, carries the denial on; its
    speaker disputes the same claim (the statement stays a claim of its own too)."""
    denied = [d for d in drafts if any(f.denial and frame.sentence - ELABORATION_WINDOW <= f.sentence < frame.sentence
                                       for f in d.frames)]
    if not denied:
        return
    target = max(denied, key=lambda d: max(f.sentence for f in d.frames if f.denial and f.sentence < frame.sentence))
    said = {w for f in target.frames for w in _words(list(f.cue.sent))}  # the sentences stating and denying it
    if not _words(frame.content) & (target.words | _words(target.proposition) | said):
        return  # (a negation about something else does not carry the denial on)
    # (a negation merged into the claim as a restatement of it disputes it all the same, unless its speaker
    # asserts the claim elsewhere too: "'I cannot vote for it,' Cruz said ... Cruz said he wouldn't vote for it")
    asserting = [c for f in target.frames if f is not frame and not f.denial for c in resolved.get(id(f), [])]
    joined = [s for s in speakers if not any(_same_speaker(s, c) for c in asserting)]
    target.deniers = dedupe(target.deniers + joined)


def _points_back(tokens: list[Token]) -> bool:
    """A disputing clause about a bare "that"/"this"/"it" ("That is not the case", "This is untrue"): it only
    refers to a claim stated before, it states none of its own."""
    if not tokens:
        return False
    subject = next((c for c in root_of(tokens).children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    return subject is not None and subject.lower_ in {"that", "this", "it", "these", "those"} and \
        not any(c.dep_ in {"relcl", "acl", "prep", "ccomp"} for c in subject.children)


def _negated_proposition(tokens: list[Token]) -> bool:
    """A proposition whose own verb is negated: "it wasn't a target", "Reince is not next", "we did nothing
    wrong" (not a negation inside one of its clauses)."""
    if not tokens:
        return False
    root = root_of(tokens)
    return any(c.dep_ == "neg" or c.lower_ in {"nothing", "never", "nobody", "none"} or
               any(g.dep_ == "det" and g.lower_ == "no" for g in c.children) for c in root.children)


def _countered(others: list[ClaimDraft], frame: Frame) -> ClaimDraft | None:
    """The claim a counter-claim ("critics say ...") answers, of `others` (the claims of other speakers): the
    one sharing most content words with it (at least two); None when none shares enough."""
    if not others:
        return None
    words = _words(frame.content)
    if frame.statement:  # "no evidence that P": P restates the claim it answers
        return _same_claim(others, words, denial=True)
    # "Supporters of the bill say P ... Opponents say Q": the other camp's claim is what critics answer
    camp = [d for d in others if any(s.lemma_.lower() in SUPPORTER_NOUNS for f in d.frames for s in f.speakers)]
    if camp:
        return min(camp, key=lambda d: abs(d.sentence - frame.sentence))
    best = max(others, key=lambda d: (len(d.words & words), -d.sentence))
    return best if len(best.words & words) >= 2 else None


def _named_by(frame: Frame) -> str | None:
    """The stem a back-reference names its claim by ("the allegations" -> "alleg"), to meet the verb or noun
    that stated it ("alleged", "allegation"); None for a pronoun or no object."""
    if not frame.content:
        return None
    head = root_of(frame.content)
    return head.lemma_.lower()[:5] if head.pos_ == "NOUN" and len(head.lemma_) >= 5 else None


def _finish(draft: ClaimDraft, parsed: ParsedArticle) -> None:
    # nobody is both claimant and denier of one claim: the denial, explicit, wins
    draft.claimants = [c for c in draft.claimants if not any(_overlap(c, d) or _same_name(c, d) for d in draft.deniers)]
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
    title_words = _words(list(parsed.title_doc)) if parsed.title_doc is not None else set()
    if title_words:
        sentence_words = _words(list(parsed.docs[index]))
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


def _words(tokens: list[Token]) -> set[str]:
    return {t.lemma_.lower() for t in tokens if t.pos_ in _CONTENT_POS and not t.is_stop and len(t.text) > 1}


def _same_claim(drafts: list[ClaimDraft], words: set[str], *, denial: bool) -> ClaimDraft | None:
    """The earlier claim `words` restate, if any: the one sharing most content words, when they share at least
    half of the shorter one's and three words (two for a denial, which names its claim briefly)."""
    best, best_common = None, 0
    for draft in drafts:
        common = len(draft.words & words)
        enough = 2 if denial or any(f.denial for f in draft.frames) else 3
        if common >= enough and common / max(1, min(len(draft.words), len(words))) >= SAME_CLAIM_OVERLAP \
                and common >= best_common:
            best, best_common = draft, common
    return best


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _same_speaker(a: Span, b: Span) -> bool:
    """One speaker named two ways: the same name, or one name inside the other ("Uber", "Uber's lawyers")."""
    x, y = a.text.lower().removeprefix("the "), b.text.lower().removeprefix("the ")
    return x == y or f" {x} " in f" {y} " or f" {y} " in f" {x} "


def _same_name(a: Span, b: Span) -> bool:
    return a.text.lower().removeprefix("the ") == b.text.lower().removeprefix("the ")
