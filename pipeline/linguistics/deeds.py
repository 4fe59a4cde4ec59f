"""What somebody is accused of, as the plain sentence an accusation asserts.

"Cheney accused Russia of trying to influence the elections" claims that Russia tried to influence the
elections; copying the accusation's words ("Russia of trying to influence the elections") gives no sentence.
The accused becomes the subject and the gerund a verb in the past tense (`lemminflect` inflects it); a noun for
the deed ("accused Beijing of currency manipulation") is said to be the accused's doing. Denials are written the
same way, as what they dispute: "Cohen denied delivering documents" -> "Cohen delivered documents", "denied any
involvement in X" -> "was involved in X", "refused to recognise Crimea as part of Russia" -> "Crimea is part of
Russia".
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.linguistics.content import accused_and_charge, tokens_text, trim
from pipeline.linguistics.lexicon import ACCUSING_VERBS, REFUSED_VERBS
from pipeline.linguistics.mentions import QUOTE_MARKS

if TYPE_CHECKING:
    from spacy.tokens import Token

# Accusing verbs whose deed is guilt ("accused X of Y", "charged X with Y") rather than fault ("blamed X for Y").
_GUILT_VERBS = {"accuse", "charge", "suspect"}
# The prepositions each accusing verb names the deed with ("accused X, for his part, ..." names none), and
# those that name it only with a gerund ("charged him for helping them"; "charged them for the care" bills).
_CHARGE_PREPOSITIONS = {"accuse": {"of"}, "suspect": {"of"}, "charge": {"with"}, "blame": {"for", "of"},
                        "criticise": {"for"}, "criticize": {"for"}, "condemn": {"for"}}
_GERUND_PREPOSITIONS = {"charge": {"for"}}
_NOMINATIVE = {"him": "he", "her": "she", "them": "they", "us": "we", "me": "I", "it": "it"}
_PLURAL = {"they", "we"}


def accused_deed(verb: Token) -> str | None:
    """The deed `verb` (an accusing verb with its object and "of"/"for"/"with" phrase) accuses its object of, as
    a sentence without the accusation; None when the verb has no such arguments."""
    if verb.lemma_.lower() not in ACCUSING_VERBS:
        return None
    accused, prep = accused_and_charge(verb)
    words = [t for t in accused.subtree if t.i < prep.i or t.i > prep.right_edge.i] if accused and prep else []
    if accused is None and prep is not None:  # "X is accused of Y", "an aide who is accused of Y"
        accused = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        words = list(accused.subtree) if accused is not None else []
        if accused is not None and accused.tag_ in {"WP", "WDT"} and verb.dep_ == "relcl":
            accused = verb.head
            words = [t for t in accused.subtree if t.i <= accused.i]
    deed = next((c for c in prep.children if c.dep_ in {"pcomp", "pobj"}), None) if prep is not None else None
    lemma = verb.lemma_.lower()
    if accused is None or deed is None or prep.lower_ not in _CHARGE_PREPOSITIONS.get(lemma, ()) and not (
            prep.lower_ in _GERUND_PREPOSITIONS.get(lemma, ()) and deed.tag_ == "VBG"):
        return None
    subject = _NOMINATIVE.get(accused.lower_) or tokens_text(trim(words))
    plural = accused.tag_ in {"NNS", "NNPS"} or subject in _PLURAL or any(c.dep_ == "conj" for c in accused.children)
    if _gerund(deed):
        predicate = _in_past_tense(deed, plural)
    else:
        what = tokens_text(trim(list(deed.subtree)))
        predicate = f"{'is' if not plural else 'are'} " + \
            (f"guilty of {what}" if lemma in _GUILT_VERBS else f"to blame for {what}")
    if not subject or not predicate:
        return None
    return _sentence(_balanced(f"{subject} {predicate}"))


def _gerund(verb: Token) -> bool:
    """Whether `verb` is a gerund phrase: "paying", "having lied", "being paid"."""
    return verb.tag_ == "VBG" or any(c.dep_ in {"aux", "auxpass"} and c.tag_ == "VBG" for c in verb.children)


def denied_doing(cue: Token, verb: Token, deniers: list[str], plural: bool = False) -> str | None:
    """The deed a denial of doing it disputes, as a sentence about the deniers: "Cohen denied delivering any
    documents" -> "Cohen delivered documents", "denied having met him" -> "X had met him". A gerund
    without a subject of its own is the denier's doing; None for anything else, or nobody named."""
    if not deniers or verb.head.i != cue.i or verb.dep_ not in {"xcomp", "ccomp", "dobj"} or not _gerund(verb) or \
            any(c.dep_ in {"nsubj", "nsubjpass", "poss"} for c in verb.children):
        return None
    # ("denied ever taking any money" asserts "took money": "any" and "ever" only speak under the denial)
    polarity = set() if any(c.dep_ == "neg" for c in verb.children) else \
        {t.i for t in verb.subtree if t.lower_ == "ever" and t.dep_ == "advmod" or t.lower_ == "any" and t.dep_ == "det"}
    text = _balanced(f"{' and '.join(deniers)} {_in_past_tense(verb, plural or len(deniers) > 1, polarity)}")
    return _sentence(text)


def _in_past_tense(gerund: Token, plural: bool, leave_out: frozenset[int] | set[int] = frozenset()) -> str:
    """"having lied to them" -> "had lied to them", "being paid" -> "was paid", "not paying" -> "did not pay",
    "trying to hide it" -> "tried to hide it"."""
    from lemminflect import getInflection  # imported late: only rule-written claims need it

    words = []
    tokens = trim(list(gerund.subtree))
    negated = any(t.dep_ == "neg" and t.head.i == gerund.i for t in tokens)
    # the gerund's first verb form ("having" in "having lied"), and those of gerunds coordinated with it
    # ("backing groups and meddling in politics")
    heads = [gerund, *(c for c in gerund.conjuncts if c.i > gerund.i and c.pos_ in {"VERB", "AUX"})]
    firsts = {next((t for t in h.subtree if t.tag_ == "VBG" and t.i <= h.i), h).i for h in heads}
    for token in tokens:
        text = token.text
        if token.i in firsts and token.tag_ == "VBG":
            lemma = {"having": "have", "being": "be"}.get(token.lower_, token.lemma_.lower())
            if negated:
                text = "did not " + lemma if lemma not in {"be", "have"} else \
                    ("were" if plural else "was") + " not" if lemma == "be" else "had not"
            elif lemma == "be":
                text = "were" if plural else "was"
            else:
                # lemminflect's first form is the common one ("paid", not "payed"); "lie" in an accusation
                # is deceiving ("lied"), not reclining ("lay")
                forms = ("lied",) if lemma == "lie" else getInflection(lemma, tag="VBD", inflect_oov=True)
                text = forms[0] if forms else token.text
        elif token.dep_ == "neg" and token.head.i == gerund.i or token.i in leave_out:
            continue  # (said with "did not" above)
        words.append(text + token.whitespace_)
    predicate = "".join(words).strip()
    return _balanced(predicate)


def _sentence(text: str) -> str:
    """`text` written as a sentence: without quotation marks at its edges, first letter capitalised, a final
    period."""
    text = text.strip(" \"“”'‘’")
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _balanced(text: str) -> str:
    """`text` without its quotation marks when one of a pair was left outside it ('"ruining Germany" for ...'
    copied from the gerund on)."""
    if sum(text.count(q) for q in QUOTE_MARKS) % 2:
        return " ".join("".join(c for c in text if c not in QUOTE_MARKS).split())
    return text


def refused_predicate(cue: Token) -> str | None:
    """What a refusal to accept something *as* something disputes: "refused to recognise Crimea as part of
    Russia" -> "Crimea is part of Russia", "refused to accept East Jerusalem as occupied" -> "East Jerusalem is
    occupied". None without such an "as" phrase."""
    granted = next((c for c in cue.children if c.dep_ == "xcomp" and c.lemma_.lower() in REFUSED_VERBS), None)
    obj = next((c for c in granted.children if c.dep_ in {"dobj", "obj"}), None) if granted is not None else None
    as_phrase = next((c for c in granted.children if c.i > obj.i and (c.dep_ == "prep" and c.lower_ == "as" or
                      c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "as" for m in c.children))),
                     None) if obj is not None else None
    if as_phrase is None:
        return None
    predicate = [t for t in as_phrase.subtree if t.lower_ != "as" or t.head.i not in {as_phrase.i, granted.i}]
    if not predicate:
        return None
    plural = obj.tag_ in {"NNS", "NNPS"} or any(c.dep_ == "conj" for c in obj.children)
    subject = _NOMINATIVE.get(obj.lower_) or tokens_text(trim(list(obj.subtree)))
    return _sentence(_balanced(f"{subject} {'are' if plural else 'is'} {tokens_text(trim(predicate))}"))


# What one who denies a part in a deed is said to have done, by the noun of the denial: "denied any
# involvement in X" -> "was involved in X", "denied wrongdoing" -> "committed wrongdoing".
_PART_PHRASES = {
    "involvement": "{be} involved", "participation": "took part", "complicity": "{be} complicit",
    "responsibility": "{be} responsible", "role": "had a role", "part": "had a part", "hand": "had a hand",
    "link": "had links", "tie": "had ties", "connection": "had connections", "contact": "had contact",
    "knowledge": "had knowledge", "wrongdoing": "committed wrongdoing", "impropriety": "committed impropriety",
    "misconduct": "committed misconduct",
}


# Nouns of what one is charged with: denying them denies one's guilt ("denied all charges").
_CHARGE_NOUNS = {"charge", "count"}


def denied_part(cue: Token, noun: Token, deniers: list[str], plural: bool = False) -> str | None:
    """The claim a denial (`cue`) of one's part in a deed (`noun`) disputes, as a sentence about the deniers:
    "Putin denied any involvement in election meddling" -> "Putin was involved in election meddling";
    "pleaded not guilty to murder", "denied all charges" -> "X is guilty of murder / all charges". None for
    another noun, or nobody named."""
    if not deniers:
        return None
    plural = plural or len(deniers) > 1
    subject = " and ".join(deniers)
    lemma = noun.lemma_.lower()
    if cue.lemma_.lower() == "plead" or lemma in _CHARGE_NOUNS:
        text = f"{subject} {'are' if plural else 'is'} guilty of {tokens_text(trim(list(noun.subtree)))}"
    elif lemma in _PART_PHRASES:
        rest = tokens_text(trim([t for t in noun.subtree if t.i > noun.i]))
        if rest.split(" ", 1)[0].lower() in {"between", "among", "amongst"}:
            return None  # ("denied any contacts between his campaign and the Russians": not his own)
        text = f"{subject} {_PART_PHRASES[lemma].format(be='were' if plural else 'was')}" + (f" {rest}" if rest else "")
    else:
        return None
    return _sentence(_balanced(text))
