"""Speaker phrases from the parse, and the most specific mention each one refers to.

A speaker is the noun phrase headed by the subject (or agent, or object of "according to") of an attribution
verb: its determiners, adjectives, compounds and possessors, never its relative clauses or prepositional
tails, except the "of/for/at" complement of a role noun ("a spokesman for the ministry"). An apposed
proper name is the most specific mention ("the firm's chief executive, John Smith" -> "John Smith").

Bare references are resolved to an earlier, more specific mention in the article, as GUIDE.md asks:
pronouns ("he", "it", "they") to the nearest compatible earlier mention (speakers first), bare definite
role nouns ("the firm", "the ministry", "the president") to an earlier mention with the same head or of a
compatible entity type, and titled surnames ("Mr Ebbers") to the full name introduced earlier.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.linguistics.parse import ParsedArticle
from pipeline.records import Span

if TYPE_CHECKING:
    from spacy.tokens import Token

# Modifiers that belong to a noun phrase naming somebody.
_NP_LEFT = {"det", "amod", "compound", "poss", "nmod", "nummod", "quantmod", "predet", "case", "punct", "flat",
            "npadvmod", "advmod"}
_PREP_OF_ROLE = {"of", "for", "at", "from", "to"}
# (with the possessives that can stand for a speaker: "according to his account")
_PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "we", "i", "you", "us", "me", "his", "its", "their"}
_PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
# Entity types that can speak (a date or a number cannot).
SPEAKER_ENTITIES = {"PERSON", "ORG", "GPE", "NORP"}
QUOTE_MARKS = {'"', "“", "”", '"?'}  # ('"?': a closing quote mangled on its way, see parser._GLUED_INFIXES)
# Common nouns naming an institution (resolved to an organisation) or a person by role.
ORG_NOUNS = {"company", "firm", "ministry", "government", "agency", "department", "group", "bank", "party",
             "organisation", "organization", "newspaper", "paper", "daily", "network", "broadcaster", "office",
             "committee", "council", "union", "court", "commission", "administration", "club", "board", "team",
             "authority", "regulator", "watchdog", "body", "institute", "university", "channel", "station",
             "service", "carrier", "airline", "maker", "manufacturer", "retailer", "giant", "operator", "outlet",
             "publication", "magazine", "website", "label", "studio", "corporation", "association", "federation",
             "medium", "media", "press", "police", "army", "military", "navy", "parliament", "congress", "senate",
             "embassy", "consulate", "campaign", "coalition", "alliance", "opposition", "prosecution", "defence",
             "defense", "council", "tribunal", "panel", "jury", "firm", "platform", "exchange", "hospital", "school",
             "command"}
# Institutions whose names carry the noun ("the Foreign Ministry", "the Supreme Court"): "the ministry" is a
# ministry named before, never whatever organisation was named last ("Amnesty ... the ministry").
NAMED_INSTITUTION_NOUNS = {"ministry", "department", "court", "police", "army", "navy", "parliament", "congress",
                           "senate", "embassy", "consulate", "council", "tribunal", "commission", "committee",
                           "university", "hospital", "school", "command", "government", "administration"}
# Common nouns naming a country or region ("the country" said ...).
PLACE_NOUNS = {"country", "nation", "kingdom", "republic", "region", "province", "territory", "island"}
PERSON_NOUNS = {"president", "minister", "spokesman", "spokeswoman", "spokesperson", "chairman", "chairwoman",
                "chief", "director", "executive", "secretary", "leader", "official", "prosecutor", "lawyer",
                "attorney", "judge", "senator", "governor", "mayor", "premier", "chancellor", "king", "queen",
                "prince", "general", "commander", "manager", "coach", "owner", "founder", "actor", "singer",
                "star", "player", "boss", "head", "ambassador", "envoy", "editor", "author", "analyst", "expert",
                "economist", "officer", "witness", "defendant", "man", "woman", "politician", "mp", "candidate"}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "prof", "professor", "mr.", "mrs.",
           "ms.", "dr."}
MAX_TOKENS = 12
# Documents that "say" for whoever issued them ("the statement said"), and how far back their issuer is sought.
DOCUMENT_NOUNS = {"statement", "report", "letter", "study", "review", "document", "brief", "filing", "release",
                  "communique", "memo", "memorandum", "survey", "ruling", "judgment", "complaint", "lawsuit"}
ISSUER_WINDOW = 3


@dataclass(frozen=True)
class Mention:
    """A phrase of the article that names somebody, with what it is for resolution."""

    span: Span
    sentence: int
    head_lemma: str
    kind: str  # "PERSON" | "ORG" (organisations, places, groups) | "OTHER"
    plural: bool
    is_subject: bool
    entity: str = ""  # the head's named-entity label, if any
    token: int = -1  # the head's index in its sentence's Doc (-1: not a phrase of the index)


def is_pronoun(token: Token) -> bool:
    return token.pos_ == "PRON" and token.lower_ in _PRONOUNS


def phrase_tokens(head: Token) -> list[Token]:
    """The tokens of the speaker noun phrase headed by `head` (see the module docstring)."""
    if head.pos_ == "PRON":
        return [head]
    proper = [c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
    if head.pos_ == "NOUN" and proper and _has_determiner(head):
        return phrase_tokens(proper[0])
    keep = {head.i}
    for child in head.children:
        if child.i < head.i and _np_modifier(child):
            keep.update(t.i for t in child.subtree)
    # "the Republic of Crimea", "the Bank of England": a name's own "of" part
    if head.pos_ == "PROPN":
        for child in head.children:
            if child.dep_ == "prep" and child.lower_ == "of" and child.i == head.i + 1:
                objects = [c for c in child.children if c.dep_ == "pobj" and c.pos_ == "PROPN"]
                if objects:
                    keep.add(child.i)
                    keep.update(t.i for t in _np_core(objects[0]))
    # "a spokesman for the ministry", "the head of the agency", "members of the caucus": a role or group noun's
    # complement says whose
    if head.pos_ == "NOUN" and (head.lemma_.lower() in PERSON_NOUNS | ORG_NOUNS or head.tag_ == "NNS"):
        for child in head.children:
            if child.dep_ == "prep" and child.i > head.i and child.lower_ in _PREP_OF_ROLE:
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects and (_names_something(objects[0]) or head.tag_ == "NNS" and objects[0].pos_ == "NOUN"):
                    keep.add(child.i)
                    keep.update(t.i for t in _np_core(objects[0]))
                break
    for child in head.children:  # "Smith & Co", "Johnson & Johnson": one name
        if child.dep_ == "conj" and one_name(child):
            keep.update(t.i for t in _np_core(child))
    lo, hi = min(keep), max(keep)
    hi = max(hi, _name_end(head))
    tokens = [head.doc[i] for i in range(lo, hi + 1)]
    # "on Tuesday Mr Ebbers" parsed as one phrase: a date or time is never part of who speaks
    # (nor is a link or an address left over from an embedded tweet: "https://t.co/x Tillerson")
    while tokens and (tokens[0].is_punct or tokens[0].dep_ in {"cc", "case"} or tokens[0].pos_ == "ADV" or
                      tokens[0].ent_type_ in {"DATE", "TIME"} and tokens[0].i != head.i or
                      (tokens[0].like_url or tokens[0].like_email) and tokens[0].i != head.i):
        tokens = tokens[1:]  # ("Monday night's vote": without the date, its "'s" goes too)
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    # "THE DEFENSE Hernandez": a run of capitals before a name is a section heading, not part of it
    caps = 0
    while caps < len(tokens) - 1 and tokens[caps].is_upper and tokens[caps].is_alpha and len(tokens[caps]) > 1:
        caps += 1
    if caps >= 2 and not tokens[caps].is_upper:
        tokens = tokens[caps:]
    if len(tokens) > MAX_TOKENS:
        tokens = [t for t in head.doc[max(head.i - 3, lo) : head.i + 1] if not t.is_punct]
    return tokens


def _name_end(head: Token) -> int:
    """Where the name a proper noun heads ends, when the entity recognizer spans it past the head's own words:
    "the Centers for Disease Control and Prevention", "the National Oceanic and Atmospheric Administration" are
    one speaker each, their "for" and "and" parts included (only words inside the head's own phrase)."""
    if head.pos_ != "PROPN" or head.ent_type_ not in SPEAKER_ENTITIES:
        return head.i
    entity = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
    if entity is None or entity.end - 1 <= head.i or entity[-1].pos_ not in {"PROPN", "NOUN"}:
        return head.i  # (nor a span cut short: "the Office for the Eastern District of" + "New York")
    inside = {t.i for t in head.subtree}
    return entity.end - 1 if all(i in inside for i in range(head.i, entity.end)) else head.i


def _modifier(token: Token) -> bool:
    """A noun that only modifies another ("a Linux or Mac version", "the Trump administration"): it names no
    one a later pronoun or description can refer to; nor do the nouns coordinated with it."""
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    return token.dep_ in {"compound", "amod", "flat", "nmod"}


def one_name(conjunct: Token) -> bool:
    """A conjunct that belongs to one name with its head: joined by "&" ("Smith & Co"), or inside the entity the
    head starts ("the National Oceanic and Atmospheric Administration")."""
    return any(t.text == "&" for t in conjunct.doc[conjunct.head.i + 1 : conjunct.i]) or \
        _name_end(conjunct.head) >= conjunct.i


def _np_modifier(child: Token) -> bool:
    """A left dependent that belongs to the noun phrase; not a clause's "when"/"where"/"because" that the parser
    hung on the noun ("a crisis when Attorney General George Brandis ... refused")."""
    return child.dep_ in _NP_LEFT and not (child.dep_ == "advmod" and (child.pos_ == "SCONJ" or child.tag_ == "WRB"))


def _np_core(head: Token) -> list[Token]:
    keep = {head.i} | {t.i for c in head.children if c.i < head.i and _np_modifier(c) for t in c.subtree}
    return [head.doc[i] for i in range(min(keep), max(keep) + 1)]


def _has_determiner(token: Token) -> bool:
    return any(c.dep_ in {"det", "poss"} for c in token.children)


def _names_something(token: Token) -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ in SPEAKER_ENTITIES or token.lemma_.lower() in ORG_NOUNS


def classify(head: Token) -> tuple[str, bool]:
    """(kind, plural) of a noun phrase head, for matching pronouns and bare nouns to it."""
    plural = head.tag_ in {"NNS", "NNPS"} or head.lower_ in {"they", "them", "we", "us", "their"}
    ent = head.ent_type_
    lemma = head.lemma_.lower()
    if ent == "PERSON" or lemma in PERSON_NOUNS or head.lower_ in _PERSON_PRONOUNS:
        return "PERSON", plural
    if ent in {"ORG", "GPE", "NORP"} or lemma in ORG_NOUNS or head.lower_ in {"it", "its"}:
        return "ORG", plural
    return "OTHER", plural


class MentionIndex:
    """Every mention that can name a speaker in one article, in text order, for resolving references."""

    def __init__(self, parsed: ParsedArticle) -> None:
        self.parsed = parsed
        self.mentions: list[Mention] = []
        for index, doc in enumerate(parsed.docs):
            for token in doc:
                if token.pos_ in {"PROPN", "NOUN"} and not _modifier(token) \
                        and (token.ent_type_ in SPEAKER_ENTITIES or token.lemma_.lower() in PERSON_NOUNS | ORG_NOUNS) \
                        and (token.dep_ != "poss" or token.pos_ == "PROPN"):
                    # (a possessor is a mention when it is a name: "US President Donald Trump's administration"
                    # introduces the president that "the president" later refers to)
                    span = parsed.tokens_span(phrase_tokens(token))
                    if span is not None:
                        kind, plural = classify(token)
                        if kind != "PERSON" and token.pos_ == "PROPN" and self._surname_of_person(token.text):
                            kind = "PERSON"  # ("Velayati" after "Ali Akbar Velayati": the tagger may call it a place)
                        self.mentions.append(Mention(span, index, token.lemma_.lower(), kind, plural,
                                                     token.dep_ in {"nsubj", "nsubjpass"}, token.ent_type_, token.i))

    def _former(self, head: Token, name: str) -> bool:
        """Whether the article calls the person `name` a former holder of `head`'s title ("former President
        Barack Obama" is not "the President" of an article about his successor)."""
        surname = re.escape(name.split()[-1])
        return re.search(rf"(?i:former|ex-)\s*(?i:{re.escape(head.text)})\s+(?:[A-Z][\w.]*\s+)*{surname}\b",
                         self.parsed.text) is not None

    def _surname_of_person(self, name: str) -> bool:
        """Whether a person named so far has `name` as the last word of a full name."""
        return any(m.kind == "PERSON" and len(m.span.text.split()) >= 2 and m.span.text.split()[-1] == name
                   for m in self.mentions)

    def before(self, offset: int) -> list[Mention]:
        """Mentions ending before `offset`, nearest first."""
        return sorted((m for m in self.mentions if m.span.end <= offset), key=lambda m: -m.span.start)

    def _described(self, head: Token, phrase: list[Token], own: Span) -> Span | None:
        """What a definite description refers to: an earlier named mention with the same head ("the ministry"
        -> "North Korea's foreign ministry"); for a title, the article's named holder of it ("the president" ->
        "US President Donald Trump", also when named later); for a bare institution noun, the nearest
        organisation named in the sentences before ("the firm"); for a described person ("the 71-year-old
        former star"), the most prominent person named so far (most mentions of the surname)."""
        lemma, at = head.lemma_.lower(), own.start
        earlier = self.before(at)
        if lemma in ORG_NOUNS:  # (a person's office is matched by title below: "vice president" is not "president")
            for mention in earlier:
                if mention.head_lemma == lemma and _named(mention.span.text) and len(mention.span.text) > len(own.text):
                    return mention.span
            # ("the panel" after "a three-judge panel": the same body, described more fully)
            for mention in earlier:
                if mention.head_lemma == lemma and mention.sentence >= self.parsed.sentence_of(head) - ISSUER_WINDOW \
                        and len(mention.span.text.split()) > len(own.text.split()) and not mention.plural:
                    return mention.span
        if any(t.ent_type_ == "ORDINAL" or t.lower_ in {"another", "other", "one"} for t in phrase):
            return None  # "the third official": one of several, not someone named before
        if lemma in PERSON_NOUNS:
            # ("Leila de Lima, an opposition senator, ..." then "the senator": the role the article gave a name)
            # (and with the description's own modifiers: "the defense attorney" is not "X, former attorney for
            # the district")
            described = [t for t in phrase if t.i == head.i or t.dep_ in {"amod", "compound"} and
                         t.lower_ not in _NOT_TITLE]
            modifiers = {t.lemma_.lower() for t in described if t.i != head.i}
            for mention in earlier:
                if mention.token >= 0 and any(
                        c.dep_ == "appos" and c.lemma_.lower() == lemma and modifiers <= _modifier_lemmas(c) or
                        c.dep_ == "appos" and any(g.dep_ == "conj" and g.lemma_.lower() == lemma and
                                                  modifiers <= _modifier_lemmas(g) for g in c.children)
                        for c in self.parsed.docs[mention.sentence][mention.token].children):
                    return mention.span
            if modifiers:  # "the defense attorney" -> "defense attorney Alexei Tarasov": a name that says it all
                for mention in earlier[::-1]:
                    if mention.entity == "PERSON" and _says(mention.span.text, [t.lower_ for t in described]):
                        return mention.span
            # ("the Republican president": a party or country before the title need not be written in the name)
            for title in dict.fromkeys([_title_pattern(phrase, head), _title_pattern(phrase, head, entities=False)]):
                for mention in earlier[::-1] + [m for m in self.mentions if m.span.start > own.end]:
                    if mention.kind == "PERSON" and title.search(mention.span.text) and \
                            not self._former(head, mention.span.text):
                        return mention.span
        sentence = self.parsed.sentence_of(head)
        if (lemma in ORG_NOUNS or lemma in PLACE_NOUNS) and len(phrase) == 2:
            entity = "GPE" if lemma in PLACE_NOUNS else "ORG"  # "the country" -> Iran, "the firm" -> Acme Corp
            for mention in earlier:
                if mention.entity == entity and mention.sentence >= sentence - 3 and not mention.plural and \
                        (lemma not in NAMED_INSTITUTION_NOUNS or lemma in mention.span.text.lower()):
                    return mention.span
        if lemma in PERSON_NOUNS and _modified(phrase, head) and not head.tag_ == "NNS":
            people = [m for m in earlier if m.entity == "PERSON" and len(m.span.text.split()) >= 2]
            text = self.parsed.text[:at]
            if people:
                return max(people, key=lambda m: (text.count(m.span.text.split()[-1]), m.span.start)).span
        return None

    def _issuer(self, head: Token) -> Span | None:
        """Who issued "the statement" that speaks: the owner of the same document named in the sentences
        before ("a statement by the central bank ... The statement said ...", "X said in a statement")."""
        from pipeline.linguistics.roles import claim_source  # (here: roles imports this module)

        at = self.parsed.sentence_of(head)
        lemma = head.lemma_.lower()
        for doc in reversed(self.parsed.docs[max(0, at - ISSUER_WINDOW) : at + 1]):
            for token in reversed(doc):
                if token.lemma_.lower() != lemma or token.doc is head.doc and token.i >= head.i:
                    continue
                owner = next(iter(claim_source(token)), None)  # "the bank's statement", "a statement by the bank"
                if owner is None and token.dep_ == "pobj" and token.head.lower_ == "in":  # "X said in a statement"
                    verb = token.head.head
                    owner = next((c for c in verb.children if c.dep_ == "nsubj" and c.pos_ != "PRON"), None)
                if owner is not None and (owner.pos_ == "PROPN" or owner.ent_type_ in SPEAKER_ENTITIES or
                                          owner.lemma_.lower() in ORG_NOUNS | PERSON_NOUNS):
                    return self.parsed.tokens_span(phrase_tokens(owner))
        return None

    def _dep(self, mention: Mention) -> str:
        return self.parsed.docs[mention.sentence][mention.token].dep_ if mention.token >= 0 else ""

    def specific(self, mention: Mention) -> Span:
        """The most specific form of a mention a pronoun refers to: "He said ..." after "the President
        intends ..." is the president the article names ("US President Donald Trump")."""
        if mention.token < 0:
            return mention.span
        head = self.parsed.docs[mention.sentence][mention.token]
        phrase = phrase_tokens(head)
        if _is_definite_description(phrase, head):
            described = self._described(head, phrase, mention.span)
            # (only a name given before: one named later is too far from the pronoun to be sure)
            return described if described is not None and described.start < mention.span.start else mention.span
        return mention.span

    def describe(self, span: Span, head: Token) -> Mention:
        """`span` (what `head` resolved to) as a Mention: the index's own entry when it has one."""
        for mention in self.mentions:
            if mention.span == span:
                return mention
        kind, plural = classify(head)
        return Mention(span, self.parsed.sentence_of(head), head.lemma_.lower(), kind, plural, True, head.ent_type_)

    def _bound_by(self, pronoun: Token) -> set[int]:
        """Where the names a speaking pronoun cannot refer to start: those its clause quotes ('"I leave it to
        Prime Minister Abe," he said': he is not Abe). A speaker says "I" in their own words; a name inside
        them is somebody else (in reported speech it can be the speaker: "Milano is campaigning, she said")."""
        if pronoun.dep_ not in {"nsubj", "nsubjpass"}:
            return set()
        quoted, inside = set(), False
        for token in pronoun.doc:
            if token.text in QUOTE_MARKS:
                inside = not inside
            elif inside:
                quoted.add(token.i)
        return {self.parsed.offset(t) for t in pronoun.head.subtree if t.i in quoted}

    def resolve(self, head: Token, preferred: list[Mention] = ()) -> Span | None:
        """The most specific mention `head`'s phrase refers to: itself when it names somebody already,
        an earlier mention for a pronoun, a bare role noun or a titled surname; None when unresolvable."""
        parsed = self.parsed
        if head.tag_ in {"WP", "WDT"}:  # "Trump, who called it a hoax": Trump; a "who" hung elsewhere: nobody
            relative = head.head.dep_ == "relcl" and head.head.head.pos_ in {"NOUN", "PROPN"}
            return self.resolve(head.head.head, preferred) if relative else None
        if head.pos_ == "PRON" and head.lower_ in {"'s", "’s"}:
            return None  # "let's": the quote's own speaker, like "us"
        phrase = phrase_tokens(head)
        own = parsed.tokens_span(phrase)
        if own is None:
            return None
        at = own.start
        if is_pronoun(head):
            if head.lower_ in {"i", "me", "we", "us", "you"}:
                return None  # first and second person: the speaker of the quote, not a mention
            kind, plural = classify(head)
            bound = self._bound_by(head)
            for mention in preferred:  # the speakers of earlier attributions come first
                if mention.span.end <= at and _agrees(head, kind, plural, mention) and mention.span.start not in bound:
                    return mention.span
            # subjects before other mentions (a pronoun subject tends to continue the subject before it)
            window = [m for m in self.before(at) if _agrees(head, kind, plural, m)
                      and m.sentence >= parsed.sentence_of(head) - 3 and m.span.start not in bound]
            # (then a mention that is an argument of its clause rather than inside a prepositional phrase:
            # "X, adviser to Y, said ..." -> X)
            best = next((m for m in window if m.is_subject), None) or \
                next((m for m in window if self._dep(m) not in {"pobj", "poss"}), window[0] if window else None)
            if best is None and parsed.sentence_of(head) <= 2:
                # an article that opens with "But he denied ...": the person is named right after
                sentence = parsed.sentence_of(head)
                best = next((m for m in self.mentions if m.span.start > own.end and m.is_subject and
                             _agrees(head, kind, plural, m) and m.sentence <= sentence + 2), None)
            return self.specific(best) if best is not None else None
        if _is_definite_description(phrase, head):
            return self._described(head, phrase, own) or own
        if head.pos_ == "NOUN" and head.lemma_.lower() in DOCUMENT_NOUNS and phrase[0].lower_ in {"the", "this"} \
                and len(phrase) == 2:
            return self._issuer(head) or own
        if head.pos_ == "PROPN" and \
                len([t for t in phrase if t.pos_ == "PROPN" and t.lower_ not in _TITLES]) == 1:
            surname = head.text
            for mention in reversed(self.before(at)):  # "Mr Ebbers" -> "Bernie Ebbers" (first introduction)
                words = mention.span.text.split()
                if mention.kind == "PERSON" and len(words) >= 2 and words[-1] == surname and \
                        words[0].lower().strip(".") not in _TITLES:
                    return mention.span
        return own


def _agrees(pronoun: Token, kind: str, plural: bool, mention: Mention) -> bool:
    """Whether `mention` can be what `pronoun` refers to: "they" any plural mention (people or groups) or an
    organisation; "he"/"she" a person; "it" an organisation, country or thing of either number."""
    if pronoun.lower_ in {"they", "them", "their"}:
        return mention.plural or mention.kind == "ORG"
    return mention.kind == kind and (mention.plural == plural or kind == "ORG")


def _is_definite_description(phrase: list[Token], head: Token) -> bool:
    """A definite role or institution noun with nothing that names it ("the firm", "the ministry", "the
    71-year-old former star"; not "the Foreign Ministry", "a senior official" or "his lawyer")."""
    if head.lemma_.lower() not in PERSON_NOUNS | ORG_NOUNS | PLACE_NOUNS:
        return False
    # ("the President", "the Chancellor": a capitalised title is still a description, not a name)
    if head.pos_ != "NOUN" and not (head.pos_ == "PROPN" and not head.ent_type_ and
                                    not any(t.pos_ == "PROPN" for t in phrase if t.i != head.i)):
        return False
    # (an adjective of party or nationality describes rather than names: "the Republican president")
    return phrase[0].lower_ in {"the", "this", "that"} and not any(
        t.pos_ == "PROPN" and t.i != head.i or t.ent_type_ in SPEAKER_ENTITIES and not (t.pos_ == "ADJ" and t.ent_type_ == "NORP")
        for t in phrase)


def _says(name: str, words: list[str]) -> bool:
    """Whether `name` holds `words` in a row ("defense attorney Alexei Tarasov" says "defense attorney")."""
    return re.search(r"(?<![A-Za-z])" + r"\s+".join(map(re.escape, words)) + r"(?![A-Za-z])", name, re.I) is not None


def _modifier_lemmas(noun: Token) -> set[str]:
    return {c.lemma_.lower() for c in noun.children if c.dep_ in {"amod", "compound"}}


def _named(text: str) -> bool:
    """A mention that carries a name: a capital after its first letter ("North Korea's foreign ministry")."""
    return any(ch.isupper() for ch in text[1:])


# Modifiers that are part of an office's name ("vice president", "prime minister"), unlike "the Republican
# president" or "the new minister".
_OFFICE_WORDS = {"vice", "deputy", "prime", "chief", "foreign", "home", "general", "executive", "acting",
                 "assistant", "attorney", "interior", "finance", "defence", "defense", "justice", "health"}
_NOT_TITLE = {"the", "this", "that", "former", "then", "current", "new", "late", "outgoing", "incoming"}


def _title_pattern(phrase: list[Token], head: Token, entities: bool = True) -> re.Pattern[str]:
    """"the vice president" -> "Vice President <Name>" (never "President <Name>" and the reverse); without
    `entities`, leaving out a party, nationality or place before the title ("the Republican president")."""
    words = [t.text.capitalize() for t in phrase if t.is_alpha and t.lower_ not in _NOT_TITLE and
             (t.i == head.i or t.dep_ == "compound" or t.lower_ in _OFFICE_WORDS) and
             (entities or t.i == head.i or t.ent_type_ not in {"NORP", "GPE"})]
    joined = r"\s+".join(map(re.escape, words or [head.text.capitalize()]))
    return re.compile(rf"(?<!Vice )(?<!Deputy )(?<!Former )(?<!former )(?<!ex-)(?<![A-Za-z]){joined}\s+[A-Z]")


def _modified(phrase: list[Token], head: Token) -> bool:
    """A description beyond the bare noun ("the 71-year-old former star", not "the spokesman")."""
    return any(t.dep_ in {"amod", "nummod", "compound"} for t in phrase if t.i != head.i)


def speaker_options(index: MentionIndex, first: int, last: int) -> list[Span]:
    """The mentions of sentences `first`..`last` that could be a speaker, in text order, each once: the
    answers a model may choose from when the rules leave a speaker open."""
    seen: set[tuple[int, int]] = set()
    out = []
    for mention in index.mentions:
        key = (mention.span.start, mention.span.end)
        if first <= mention.sentence <= last and key not in seen and mention.kind != "OTHER":
            seen.add(key)
            out.append(mention.span)
    return out
