"""An article parsed sentence by sentence, every token mapped back to article offsets.

Sentences come from pysbd (`pipeline.sentences`), as everywhere else in the pipeline, so claim sites and
evidence keep the same boundaries; spaCy parses each sentence as its own Doc (`nlp.pipe`), which also keeps
a dependency tree from ever crossing a sentence boundary.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.records import Span
from pipeline.sentences import split_sentences
from pipeline.spans import make_span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token


@dataclass
class ParsedArticle:
    text: str
    title: str | None
    sentences: list[Span]
    docs: list[Doc]
    title_doc: Doc | None = None
    #: document position (sentence index) of each Doc, by id(doc)
    _index: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {id(doc): i for i, doc in enumerate(self.docs)}

    def sentence_of(self, token: Token) -> int:
        return self._index[id(token.doc)]

    def offset(self, token: Token) -> int:
        """Article offset of the token's first character."""
        return self.sentences[self.sentence_of(token)].start + token.idx

    def span(self, first: Token, last: Token) -> Span | None:
        """The article text from `first` to `last` (inclusive, same sentence), trimmed of edge punctuation."""
        base = self.sentences[self.sentence_of(first)].start
        return make_span(self.text, base + first.idx, base + last.idx + len(last.text))

    def tokens_span(self, tokens: list[Token]) -> Span | None:
        """The smallest span covering `tokens` (all from one sentence)."""
        if not tokens:
            return None
        ordered = sorted(tokens, key=lambda t: t.i)
        return self.span(ordered[0], ordered[-1])


def parse_articles(nlp: Language, articles: list[tuple[str, str | None]], batch_size: int = 64) -> list[ParsedArticle]:
    """Parse (text, title) pairs; all sentences of all articles go through one `nlp.pipe` stream."""
    split = [split_sentences(text) for text, _ in articles]
    flat = [s.text for sentences in split for s in sentences] + [title for _, title in articles if title]
    docs = iter(nlp.pipe(flat, batch_size=batch_size))
    parsed = [ParsedArticle(text=text, title=title, sentences=sentences, docs=[next(docs) for _ in sentences])
              for (text, title), sentences in zip(articles, split)]
    for article in parsed:  # titles come last in the stream, in article order
        if article.title:
            article.title_doc = next(docs)
    return parsed
