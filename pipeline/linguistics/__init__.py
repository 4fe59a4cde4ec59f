"""The linguistic layer: an English dependency parse (spaCy) of each article, and what we read off it.

- `parser`: locating, verifying and loading the spaCy pipeline;
- `parse`: an article parsed sentence by sentence, tokens carrying article offsets;
- `mentions`: speaker phrases (noun phrases, named entities) and the most specific mention of each;
- `frames` (with `frame`, `roles`, `content`, `denials`, `lexicon`): attribution frames: who says or disputes
  what, and the proposition itself; `roles` reads speakers off the parse, `content` what they say, `denials` the
  ways of disputing;
- `draft`: a claim being drafted, and what makes two frames one claim (shared words, one speaker named twice);
- `disputes`: which claim a back-reference, a denial of one's part in a deed or a counter-claim disputes;
- `claims`: frames turned into ranked claim sites (disputed and lead claims first, duplicates merged);
- `restate`: checks on a model's restatement of a proposition (an attribution left in, a statement about it).
"""
