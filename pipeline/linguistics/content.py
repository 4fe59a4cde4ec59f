"""What is said, read off a parse: the proposition a verb reports (its clausal complement, trimmed of
comments on it and of other frames' cues), an accusation, and a frame's content as tokens and text.
Shared by the attribution frames (`frames`, `denials`) and the claims built from them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics import lexicon as lx
from pipeline.linguistics.roles import (ADDRESSING_VERBS, SUBJECTS, comma_between, hung_on_reported_clause,
                                       inverted_speaker, relative_above)

if TYPE_CHECKING:
    from spacy.tokens import Token


def clause_content(verb: Token) -> tuple[list[Token], bool]:
    """The proposition a verb reports: its clausal complement, or the host clause when the verb is a
    parenthetical ("P, X said" parsed as parataxis)."""
    children = list(verb.children)
    marked = [c for c in children if c.dep_ == "ccomp" and c.i > verb.i and any(m.dep_ == "mark" for m in c.children)]
    if marked:
        # "X went to court after Y said that P": a clause before the verb that the parser also hung on it is
        # not what it reports when a "that"-clause follows it
        children = [c for c in children if c.dep_ != "ccomp" or c.i > verb.i]
    for child in children:
        if child.dep_ == "ccomp" or _that_clause_misread_as_adverbial(verb, child) or \
                child.dep_ == "xcomp" and child.lemma_.lower() not in {"be"} and \
                any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children) and verb.lemma_.lower() in {
                    "claim", "deny", "appear", "admit"}:
            # (a misread "that"-clause starts at its "that": "found, after a probe, that P")
            start = next(m.i for m in child.children if m.dep_ == "mark") if child.dep_ == "advcl" else 0
            tokens = [t for t in child.subtree if t.i >= start]
            if child.dep_ == "ccomp" and not any(c.dep_ in SUBJECTS or c.dep_ == "expl" for c in child.children):
                # "told reporters plans for the raid had been ...": the parser took the clause's subject for
                # the verb's object; it is the object right before the clause
                subject = next((c for c in verb.children if c.dep_ in {"dobj", "obj"} and verb.i < c.i < child.i
                                and c.right_edge.i == child.left_edge.i - 1), None)
                if subject is not None:
                    tokens = list(subject.subtree) + tokens
                    first = subject.left_edge
                    if verb.lemma_.lower() in ADDRESSING_VERBS and first.dep_ == "compound" and first.i == verb.i + 1:
                        tokens = [t for t in tokens if t.i > first.i]  # "told [CNN] plans ...": the addressee
            return trim(without_claim_comments(_without_main_clause_participles(
                _without_coordinated_cues(child, tokens)))), True
    inverted = inverted_speaker(verb) is not None
    own = any(c.dep_ in {"dobj", "obj", "ccomp", "xcomp"} for c in verb.children) and not inverted
    if not own and (verb.dep_ == "parataxis" or inverted or
                    verb.dep_ == "ccomp" and verb.i > verb.head.i and comma_between(verb.head, verb)):
        removed = {t.i for t in verb.subtree}
        host = verb.sent.root if inverted else verb.head  # ("P, but Q, reported X": all of it)
        return trim([t for t in host.subtree if t.i not in removed]), True
    return [], False


def _that_clause_misread_as_adverbial(verb: Token, child: Token) -> bool:
    """"found, after a six-month probe, that Ma broke laws": a clause opened by a bare "that" after the verb is
    what it reports; an adverbial clause opens with "so that", "now that", "because" ..."""
    marks = [m for m in child.children if m.dep_ == "mark"]
    return child.dep_ == "advcl" and child.i > verb.i and len(marks) == 1 and marks[0].lower_ == "that" and \
        marks[0].nbor(-1).lower_ not in {"so", "now", "such", "order"}


CUE_LEMMAS = lx.REPORTING_VERBS | lx.DENYING_VERBS | lx.REJECTING_VERBS


def _without_main_clause_participles(tokens: list[Token]) -> list[Token]:
    """"... reports that suggest P, calling the allegations groundless", "X said P, adding Q": the participle
    is the main clause's."""
    cut = {t.i for p in tokens if relative_above(p) is not None or
           p.dep_ == "advcl" and hung_on_reported_clause(p, p.head) for t in p.subtree}
    return [t for t in tokens if t.i not in cut] if cut else tokens


def _without_coordinated_cues(root: Token, tokens: list[Token]) -> list[Token]:
    """"confirmed that X had been detained and said it ...": the coordinated "said ..." is another frame; so is
    a dispute hung on the content ("say the plant will create jobs, although economists dispute that")."""
    cut = {t.i for c in root.children if c.dep_ == "conj" and c.lemma_.lower() in CUE_LEMMAS or
           c.dep_ == "advcl" and c.lemma_.lower() in lx.DENYING_VERBS | lx.REJECTING_VERBS and
           any(g.dep_ in SUBJECTS for g in c.children) for t in c.subtree}
    return [t for t in tokens if t.i not in cut] if cut else tokens


def without_claim_comments(tokens: list[Token]) -> list[Token]:
    """"said prisoners were tortured, a claim the ministry denied": the apposed claim noun and what is said of
    it are a comment on the proposition (another frame's), not part of it."""
    cut: set[int] = set()
    for token in tokens:
        if token.lemma_.lower() in lx.CLAIM_NOUNS and any(r.dep_ in {"relcl", "acl"} and r.lemma_.lower() in
                                                          CUE_LEMMAS for r in token.children):
            start = apposed_from(token)
            if start is not None:
                cut.update(range(start, token.right_edge.i + 1))
        # "said the soldiers used torture, which the government denies": a relative clause after a comma that
        # disputes is about the whole proposition, wherever the parser hung it
        elif token.dep_ == "relcl" and token.lemma_.lower() in lx.DENYING_VERBS | lx.REJECTING_VERBS and \
                token.left_edge.i > 0 and token.doc[token.left_edge.i - 1].text == "," and \
                token.left_edge.lower_ == "which":
            cut.update(range(token.left_edge.i - 1, token.right_edge.i + 1))
    return [t for t in tokens if t.i not in cut] if cut else tokens


def apposed_from(noun: Token) -> int | None:
    """Where a noun set off by a comma or a dash begins ("..., a claim X denied", "... - rumours he denied"),
    the punctuation included; None for a noun in its clause's run ("denied the claim"). The parser may hang
    such a noun on anything before it, or take words before the dash for its modifiers."""
    for i in range(noun.i - 1, max(noun.left_edge.i - 1, noun.i - 4) - 1, -1):
        if noun.doc[i].text in _APPOSITION_MARKS:
            return i
        if noun.doc[i].dep_ not in {"det", "amod", "compound", "punct"} and i < noun.left_edge.i:
            return None
    return None


_APPOSITION_MARKS = {",", "-", "–", "—", "--"}


def accusation(verb: Token) -> list[Token]:
    """"accused Russia of shelling the village": the accused and what of."""
    obj, prep = accused_and_charge(verb)
    if obj is None or prep is None:
        return []
    return trim(without_claim_comments(sorted({*obj.subtree, *prep.subtree}, key=lambda t: t.i)))


def accused_and_charge(verb: Token) -> tuple[Token | None, Token | None]:
    """The object of an accusing verb and its "of"/"for"/"with" phrase, which the parser may hang on the object
    when a gerund follows ("accused the firm of not paying": "of" under "firm")."""
    obj = next((c for c in verb.children if c.dep_ in {"dobj", "obj"}), None)
    prep = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ in {"of", "for", "over", "with"}), None)
    if prep is None and obj is not None:
        prep = next((c for c in obj.children if c.dep_ == "prep" and c.lower_ in {"of", "for", "with"} and
                     any(g.dep_ == "pcomp" and g.pos_ in {"VERB", "AUX"} for g in c.children)), None)
    return obj, prep


_EDGE = {",", "\"", "“", "”", "'", "‘", "’", ":", ";", "—", "–", "-", "(", ")", ".", "\"?"}  # ("\"?": a mangled quote)


def root_of(tokens: list[Token]) -> Token:
    """The token of `tokens` highest in the parse: a proposition's main verb, a phrase's head."""
    return min(tokens, key=lambda t: len(list(t.ancestors)))


def trim(tokens: list[Token]) -> list[Token]:
    """Content tokens in order, without a leading complementiser ("that", "whether" as a marker, not "That is
    not the case"; not the "if" of a condition) or edge punctuation and quotes."""
    tokens = sorted(tokens, key=lambda t: t.i)
    root = root_of(tokens) if tokens else None
    # (only the content's own marker: "If this law is passed, women will ..." keeps the "if" of its condition)
    while tokens and (tokens[0].lower_ in _EDGE or tokens[0].dep_ in {"cc", "punct"} or
                      tokens[0].dep_ == "mark" and (tokens[0].head.i == root.i or tokens[0].lower_ == "that")):
        tokens = tokens[1:]
    while tokens and (tokens[-1].text in _EDGE or tokens[-1].dep_ == "cc"):  # ("4%" keeps its sign)
        tokens = tokens[:-1]
    return tokens


def tokens_text(tokens: list[Token]) -> str:
    """The content as text: the tokens with their own spacing, gaps (a removed "according to X") closed."""
    out = []
    for prev, token in zip([None, *tokens], tokens):
        if prev is not None and token.i != prev.i + 1 and not out[-1].endswith(" "):
            out.append(" ")
        out.append(token.text_with_ws)
    return "".join(out).strip()
