"""Span-constrained decoding: whatever the weights, every span is a verbatim piece of its source."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    LogitsProcessor,
    LogitsProcessorList,
)

from pipeline.backends.tiny import ensure_tiny_model
from pipeline.grounding import (
    SpanConstraint,
    SpanLogitsProcessor,
    decoder_forced_prefix,
    generate_spans,
    make_prefix_allowed_tokens_fn,
)

SEED_ARTICLE = (Path(__file__).resolve().parents[1] / "examples" / "dprk-wagner.txt").read_text(encoding="utf-8")

TRICKY_TEXTS = [
    "North Korea’s foreign ministry called the claims “groundless” and ‘absurd’.",
    "the cat sat on the mat. the cat sat on the mat again, said the cat.",
    "Emoji 😀🎉 in news: café, naïve, Zürich, São Paulo — “quoted”…",
    'JSON-ish text {"a": 1} and {braces} {{double}} }{',
    "  leading and trailing spaces  \n\n new paragraph\ttab ",
    "Ünïcödé ñ 北朝鮮 Корея",
]
KINDS = ("t5", "bart", "causal")


@pytest.fixture(scope="module")
def tiny():
    loaded = {}
    for kind in KINDS:
        directory = ensure_tiny_model(kind)
        model_cls = AutoModelForCausalLM if kind == "causal" else AutoModelForSeq2SeqLM
        loaded[kind] = (AutoTokenizer.from_pretrained(directory), model_cls.from_pretrained(directory).eval())
    return loaded


def ids_of(tokenizer, pieces: list[str]) -> list[int]:
    ids = tokenizer.convert_tokens_to_ids(pieces)
    assert None not in ids and tokenizer.unk_token_id not in ids, pieces
    return ids


def assert_grounded(span, source: str, base: int = 0) -> None:
    assert span.text, span
    assert source[span.start - base : span.end - base] == span.text
    assert span.text == span.text.strip()


def prompts_for(kind: str, tokenizer, questions: list[str]) -> list[str]:
    if kind != "causal":
        return questions
    return [
        tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
        for q in questions
    ]


# ----- SpanConstraint.allowed -----


def test_first_step_allows_every_source_token_null_start_and_eos(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the cat sat", null_answers=("none",))
    first = set(constraint.allowed([]))
    source_ids = tokenizer("the cat sat", add_special_tokens=False)["input_ids"]
    assert set(source_ids) <= first
    assert tokenizer("none", add_special_tokens=False)["input_ids"][0] in first
    assert tokenizer.eos_token_id in first
    assert ids_of(tokenizer, ["▁bank"])[0] not in first


def test_continuations_follow_every_occurrence_of_the_prefix(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the army said. the army denied.", null_answers=())
    the, army, said, denied = ids_of(tokenizer, ["▁the", "▁army", "▁said", "▁denied"])
    assert set(constraint.allowed([the])) == {army, tokenizer.eos_token_id}
    assert set(constraint.allowed([the, army])) == {said, denied, tokenizer.eos_token_id}
    assert constraint.allowed([the, army]) == constraint.allowed([the, army])  # memoised, same answer


def test_eos_only_after_a_nonempty_piece_and_after_max_span_tokens(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the army said it denied", null_answers=(), max_span_tokens=2)
    the, army = ids_of(tokenizer, ["▁the", "▁army"])
    assert tokenizer.eos_token_id in constraint.allowed([the])
    assert constraint.allowed([the, army]) == [tokenizer.eos_token_id]


def test_null_answer_can_be_spelled_out_then_ends(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the cat sat", null_answers=("none",))
    null_ids = tokenizer("none", add_special_tokens=False)["input_ids"]
    assert len(null_ids) >= 2  # "▁no" "ne" in the tiny vocab: the continuation must come from the null answer
    assert null_ids[1] in constraint.allowed(null_ids[:1])
    assert tokenizer.eos_token_id in constraint.allowed(null_ids)


def test_word_boundary_twin_is_allowed_first_and_maps_to_the_source_word(tiny):
    tokenizer, _ = tiny["t5"]
    source = "They called it “Korea” then."
    pieces = tokenizer.tokenize(source)
    assert "Korea" in pieces and "▁Korea" not in pieces  # after the quote mark, no word-boundary mark
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    (twin,) = ids_of(tokenizer, ["▁Korea"])
    assert twin in constraint.allowed([])
    span = constraint.to_span([twin, tokenizer.eos_token_id])
    assert (span.text, span.start) == ("Korea", source.index("Korea"))


def test_byte_level_answer_may_start_without_the_space_mark(tiny):
    tokenizer, _ = tiny["bart"]
    source = "Prices rose over the year, the bank said."
    assert "Ġyear" in tokenizer.tokenize(source) and "year" not in tokenizer.tokenize(source)
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    year, comma = ids_of(tokenizer, ["year", ","])
    assert year in constraint.allowed([])
    assert comma in constraint.allowed([year])
    span = constraint.to_span([year, comma])
    assert (span.text, span.start, span.end) == ("year", 21, 25)


def test_finished_rows_only_get_eos(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the cat sat", null_answers=())
    (the,) = ids_of(tokenizer, ["▁the"])
    assert constraint.allowed([the, tokenizer.eos_token_id]) == [tokenizer.eos_token_id]


# ----- SpanConstraint.to_span -----


def test_to_span_first_occurrence_by_default_and_nearest_with_a_hint(tiny):
    tokenizer, _ = tiny["t5"]
    source = "the army said. Then the army said again."
    constraint = SpanConstraint(tokenizer, source, base_offset=100, null_answers=())
    ids = ids_of(tokenizer, ["▁the", "▁army", "▁said"])
    first = constraint.to_span(ids)
    assert (first.text, first.start, first.end) == ("the army said", 100, 113)
    second = constraint.to_span(ids, near=100 + source.rindex("the army"))
    assert (second.text, second.start) == ("the army said", 100 + source.rindex("the army"))
    assert_grounded(second, source, base=100)


def test_to_span_ignores_eos_and_padding_after_it(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the army said", null_answers=())
    army = ids_of(tokenizer, ["▁army"])
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    assert constraint.to_span(army + [eos, pad, pad]).text == "army"


def test_to_span_none_for_empty_and_null_answers(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "nothing is none of it", null_answers=("none",))
    assert constraint.to_span([]) is None
    assert constraint.to_span([tokenizer.eos_token_id, tokenizer.pad_token_id]) is None
    null_ids = tokenizer("none", add_special_tokens=False)["input_ids"]
    assert constraint.to_span(null_ids + [tokenizer.eos_token_id]) is None  # even though "none" is in the text


def test_to_span_strips_quotes_and_punctuation_around_the_piece(tiny):
    tokenizer, _ = tiny["t5"]
    source = "calling the allegations “groundless”."
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    all_ids = tokenizer(source, add_special_tokens=False)["input_ids"]
    quote_at = tokenizer.convert_ids_to_tokens(all_ids).index("▁“")
    span = constraint.to_span(all_ids[quote_at:])
    assert (span.text, span.start) == ("groundless", source.index("groundless"))


def test_unknown_characters_keep_their_source_offsets(tiny):
    tokenizer, _ = tiny["t5"]
    source = 'reply {"claims": []} now'
    ids = tokenizer(source, add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id in ids  # the tiny T5, like Flan-T5, has no braces
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    span = constraint.to_span(ids)
    assert span.text == source  # from the source, not from decoding (<unk> would be lost)


def test_piece_starting_inside_a_multibyte_character_is_still_a_substring(tiny):
    tokenizer, _ = tiny["bart"]
    source = "fans 😀 cheered"
    ids = tokenizer(source, add_special_tokens=False)["input_ids"]
    offsets = tokenizer(source, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    emoji_tokens = [i for i, (s, e) in enumerate(offsets) if source[s:e] == "😀"]
    assert len(emoji_tokens) >= 2  # one character, several byte pieces with overlapping offsets
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    span = constraint.to_span(ids[emoji_tokens[1] :])
    assert_grounded(span, source)
    assert span.text == "😀 cheered"


def test_piece_inside_a_word_widens_to_the_whole_word(tiny):
    tokenizer, _ = tiny["t5"]
    source = "Japan’s Tokyo Shimbun reported it"
    encoded = tokenizer(source, add_special_tokens=False, return_offsets_mapping=True)
    word_start = source.index("Shimbun")
    inner = [i for i, (s, _) in enumerate(encoded["offset_mapping"]) if word_start < s < word_start + 7]
    assert inner, "Shimbun should be split into several pieces by the tiny vocab"
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    piece = [encoded["input_ids"][inner[0]]]
    assert constraint.to_span(piece).text == "Shimbun"
    raw = constraint.to_span(piece, snap_to_words=False)
    assert raw.text != "Shimbun" and raw.text in "Shimbun"


def test_widening_stops_in_scripts_without_spaces(tiny):
    tokenizer, _ = tiny["bart"]
    source = "北朝鮮外務省報道官談話発表日本報道虚偽主張否定武器取引事実無根" + " end"
    encoded = tokenizer(source, add_special_tokens=False, return_offsets_mapping=True)
    middle = len(encoded["input_ids"]) // 2
    constraint = SpanConstraint(tokenizer, source, null_answers=())
    span = constraint.to_span(encoded["input_ids"][middle : middle + 3])
    assert_grounded(span, source)
    assert len(span.text) <= 3


def test_ids_off_the_constraint_are_cut_back_to_the_valid_prefix(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the army said", null_answers=())
    the, army, bank = ids_of(tokenizer, ["▁the", "▁army", "▁bank"])
    assert constraint.to_span([the, army, bank]).text == "the army"
    assert constraint.to_span([bank]) is None


def test_empty_source_allows_only_null_and_eos(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "", null_answers=())
    assert constraint.allowed([]) == [tokenizer.eos_token_id]


# ----- SpanLogitsProcessor -----


def test_processor_maps_beams_to_their_rows_source_and_allows_the_forced_prefix(tiny):
    tokenizer, _ = tiny["t5"]
    army_c = SpanConstraint(tokenizer, "the army said", null_answers=())
    bank_c = SpanConstraint(tokenizer, "a bank denied", null_answers=())
    start, bos = 0, 7  # a decoder start id and a forced BOS id, as BART has
    processor = SpanLogitsProcessor([army_c, bank_c], prompt_length=0, forced_prefix=(start, bos))
    vocab = len(tokenizer)
    at_bos = processor(torch.tensor([[start]] * 4), torch.zeros(4, vocab))
    assert all(torch.isfinite(row).nonzero().flatten().tolist() == [bos] for row in at_bos)
    scores = processor(torch.tensor([[start, bos]] * 4), torch.zeros(4, vocab))  # 2 inputs x 2 beams
    allowed = [set(torch.isfinite(row).nonzero().flatten().tolist()) for row in scores]
    assert allowed[0] == allowed[1] == set(army_c.allowed([]))
    assert allowed[2] == allowed[3] == set(bank_c.allowed([]))
    (army,) = ids_of(tokenizer, ["▁army"])
    assert army in allowed[0] and army not in allowed[2]


def test_processor_falls_back_to_allowed_ids_when_others_ruled_them_all_out(tiny):
    tokenizer, _ = tiny["t5"]
    constraint = SpanConstraint(tokenizer, "the army said", null_answers=())
    the, army = ids_of(tokenizer, ["▁the", "▁army"])
    processor = SpanLogitsProcessor([constraint])
    # As a min-length processor would: EOS (the only allowed id after the whole source) set to -inf.
    prefix = tokenizer("the army said", add_special_tokens=False)["input_ids"]
    scores = torch.zeros(1, len(tokenizer))
    scores[0, tokenizer.eos_token_id] = float("-inf")
    out = processor(torch.tensor([prefix]), scores)
    assert int(out[0].argmax()) == tokenizer.eos_token_id  # not id 0, which the constraint does not allow
    # Normal case: the allowed ids keep their scores, the rest is -inf.
    scores = torch.arange(len(tokenizer), dtype=torch.float).unsqueeze(0)
    out = processor(torch.tensor([[the]]), scores)
    assert set(torch.isfinite(out[0]).nonzero().flatten().tolist()) == {army, tokenizer.eos_token_id}
    assert out[0, army] == army


# ----- property: any path through allowed() maps to a substring -----

_TRICKY_ALPHABET = st.sampled_from(list("abc xyz.,’“”‘{}😀é北\n-"))
_SOURCES = st.one_of(st.sampled_from(TRICKY_TEXTS + [SEED_ARTICLE[:600]]), st.text(_TRICKY_ALPHABET, max_size=40))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=_SOURCES, choices=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12),
       base=st.integers(min_value=0, max_value=5000), hint=st.none() | st.integers(min_value=0, max_value=6000))
def test_random_paths_through_allowed_always_map_to_a_substring(tiny, kind, source, choices, base, hint):
    tokenizer, _ = tiny[kind]
    constraint = SpanConstraint(tokenizer, source, base_offset=base, max_span_tokens=8)
    path: list[int] = []
    for choice in choices:
        allowed = constraint.allowed(path)
        assert allowed, path
        token = allowed[choice % len(allowed)]
        path.append(token)
        if token == constraint.eos_token_id:
            break
    answer = list(constraint.answer_ids(path))
    spelling_null = any(list(null[: len(answer)]) == answer for null in constraint.null_sequences)
    if len(answer) >= 2 and not spelling_null:  # after the first token (maybe a twin) the source's own ids
        tail, ids = answer[1:], constraint.source_ids
        assert any(ids[i : i + len(tail)] == tail for i in range(len(ids))), (answer, ids)
    span = constraint.to_span(path, near=hint)
    if span is not None:
        assert_grounded(span, source, base)
        assert 0 <= span.start - base <= span.end - base <= len(source)


# ----- with generate -----


@pytest.mark.parametrize("kind", KINDS)
def test_generated_spans_are_grounded_over_seed_and_tricky_texts(tiny, kind):
    tokenizer, model = tiny[kind]
    sources = [SEED_ARTICLE, SEED_ARTICLE[900:1500], *TRICKY_TEXTS]
    bases = [0, 900] + [7 * i for i in range(len(TRICKY_TEXTS))]
    questions = [f"Question {i}: who said it? Text: {s[:150]}" for i, s in enumerate(sources)]
    spans = generate_spans(model, tokenizer, prompts_for(kind, tokenizer, questions), sources, bases,
                           max_new_tokens=10, is_encoder_decoder=kind != "causal", null_answers=())
    assert len(spans) == len(sources)
    for span, source, base in zip(spans, sources, bases):
        if span is not None:
            assert_grounded(span, source, base)
    assert sum(span is not None for span in spans) >= 3  # random weights still write pieces, not only EOS


@pytest.mark.parametrize("kind", KINDS)
def test_greedy_spans_are_deterministic_and_match_the_prefix_fn_route(tiny, kind):
    tokenizer, model = tiny[kind]
    sources = [SEED_ARTICLE[:700], TRICKY_TEXTS[1]]
    prompts = prompts_for(kind, tokenizer, ["Who denied the report?", "Which cat?"])
    run = lambda: generate_spans(model, tokenizer, prompts, sources, [0, 0], 8, kind != "causal", null_answers=())
    first = run()
    assert first == run()

    # The same constraint through transformers' prefix_allowed_tokens_fn gives the same tokens.
    is_enc_dec = kind != "causal"
    constraints = [SpanConstraint(tokenizer, s, null_answers=(), max_span_tokens=8,
                                  stop_token_ids=tuple(model.generation_config.eos_token_id
                                                       if isinstance(model.generation_config.eos_token_id, list)
                                                       else [model.generation_config.eos_token_id]))
                   for s in sources]
    tokenizer.padding_side = "right" if is_enc_dec else "left"
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=is_enc_dec)
    prompt_len = 0 if is_enc_dec else enc["input_ids"].shape[1]
    forced = decoder_forced_prefix(model)
    fn = make_prefix_allowed_tokens_fn(constraints, prompt_len, is_enc_dec, forced_prefix=forced)
    with torch.no_grad():
        out = model.generate(**enc, prefix_allowed_tokens_fn=fn, do_sample=False, num_beams=1,
                             max_new_tokens=8 + max(0, len(forced) - 1), pad_token_id=tokenizer.pad_token_id)
    via_fn = [c.to_span(row[prompt_len:][len(forced):]) for c, row in zip(constraints, out.tolist())]
    assert via_fn == first


@pytest.mark.parametrize("kind", KINDS)
def test_forcing_eos_or_the_null_answer_first_yields_none(tiny, kind):
    tokenizer, model = tiny[kind]
    is_enc_dec = kind != "causal"
    eos = model.generation_config.eos_token_id
    eos_ids = eos if isinstance(eos, list) else [eos]
    constraint = SpanConstraint(tokenizer, SEED_ARTICLE, null_answers=("none",), eos_token_id=eos_ids[0],
                                stop_token_ids=eos_ids)
    null_ids = constraint.null_sequences[0]

    class ForceAnswer(LogitsProcessor):
        """Forces the answer tokens (then EOS) right after the forced decoder prefix."""

        def __init__(self, answer: list[int], start: int):
            self.answer, self.start = answer, start

        def __call__(self, input_ids, scores):
            step = input_ids.shape[1] - self.start
            if 0 <= step < len(self.answer):
                forced = torch.full_like(scores, float("-inf"))
                forced[:, self.answer[step]] = 0
                return forced
            return scores

    prompts = prompts_for(kind, tokenizer, ["Who denied it?"])
    tokenizer.padding_side = "right" if is_enc_dec else "left"
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=is_enc_dec)
    forced = decoder_forced_prefix(model)
    prompt_len = 0 if is_enc_dec else enc["input_ids"].shape[1]
    for answer in ([eos_ids[0]], list(null_ids) + [eos_ids[0]]):
        processors = LogitsProcessorList([
            ForceAnswer(answer, prompt_len + len(forced)),
            SpanLogitsProcessor([constraint], prompt_length=prompt_len, forced_prefix=forced),
        ])
        with torch.no_grad():
            out = model.generate(**enc, logits_processor=processors, do_sample=False, max_new_tokens=len(answer) + 2,
                                 pad_token_id=tokenizer.pad_token_id)
        generated = out[0, prompt_len:].tolist()[len(forced):]
        assert generated[: len(answer)] == answer
        assert constraint.to_span(generated) is None


@pytest.mark.parametrize("kind", KINDS)
def test_beam_search_spans_are_grounded(tiny, kind):
    tokenizer, model = tiny[kind]
    sources = [SEED_ARTICLE[:500], TRICKY_TEXTS[2], TRICKY_TEXTS[3]]
    prompts = prompts_for(kind, tokenizer, ["Who?", "Where?", "What?"])
    spans = generate_spans(model, tokenizer, prompts, sources, [0, 0, 0], 6, kind != "causal",
                           null_answers=(), num_beams=2)
    assert len(spans) == 3
    for span, source in zip(spans, sources):
        if span is not None:
            assert_grounded(span, source)


def test_empty_source_gives_none_and_empty_batch_gives_empty_list(tiny):
    tokenizer, model = tiny["t5"]
    assert generate_spans(model, tokenizer, ["Who?"], [""], [0], 5, True) == [None]
    assert generate_spans(model, tokenizer, [], [], [], 5, True) == []


def test_generate_spans_restores_the_tokenizer_padding_side(tiny):
    tokenizer, model = tiny["causal"]
    tokenizer.padding_side = "right"
    generate_spans(model, tokenizer, prompts_for("causal", tokenizer, ["a", "longer question"]),
                   ["x y", "y z"], [0, 0], 3, False)
    assert tokenizer.padding_side == "right"
