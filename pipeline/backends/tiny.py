"""Offline random-weight models of real architectures, for tests and smoke runs.

Public API::

    TINY_KINDS = ("t5", "bart", "causal")
    ensure_tiny_model(kind: str, cache_dir: Path | None = None) -> Path
    tiny_cache_root() -> Path
    tiny_model_dirname(kind: str) -> str

`ensure_tiny_model(kind)` returns a local directory that loads with
`AutoTokenizer.from_pretrained(dir)` and `AutoModelForSeq2SeqLM.from_pretrained(dir)` ("t5", "bart") or
`AutoModelForCausalLM.from_pretrained(dir)` ("causal"). The directory is `<root>/<kind>-v1-<recipe>` where
root is `cache_dir` if given, else `$NEWSFACTS_CACHE/tiny`, else `~/.cache/newsfacts/tiny`, and <recipe> is a
short hash of this file (so an edited recipe never reuses a stale build).

What each kind is (all: 2 layers, hidden size 32, float32, a few hundred KB; `generate` on CPU takes ms):
- "t5": `T5ForConditionalGeneration` (gated-gelu, untied head like Flan-T5) + `T5Tokenizer` (v5's T5 fast
  tokenizer): a SentencePiece-style Unigram model with Metaspace "▁" pieces, ids `<pad>`=0, `</s>`=1,
  `<unk>`=2, 8 `<extra_id_N>` sentinels at the end. Its alphabet has no `{`/`}` (like Flan-T5) nor emoji:
  such characters map to `<unk>`. The model's vocab_size is rounded up past the tokenizer's (as in real T5),
  so logits have ids no tokenizer piece has.
- "bart": `BartForConditionalGeneration` + byte-level BPE (`BartTokenizerFast`, an alias of
  `RobertaTokenizer` in transformers 5): `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3, `<mask>` last; generation
  config like bart-large-cnn: decoder_start_token_id=2 and forced_bos_token_id=0.
- "causal": `Qwen2ForCausalLM` + byte-level BPE (`Qwen2Tokenizer`) with `<|endoftext|>` (pad),
  `<|im_start|>`, `<|im_end|>` (eos) and a Qwen-style ChatML chat template.

Builds are deterministic (fixed seed and fixed training text: the same weights and vocab every build) and
safe under concurrent test workers: each build goes to a temporary sibling directory that is renamed into
place atomically; a loser of the race discards its copy.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

TINY_KINDS = ("t5", "bart", "causal")
TINY_VERSION = "v1"
SEED = 1234
T5_EXTRA_IDS = 8
VOCAB_SIZE = 1200

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Training text for the tiny tokenizers, written for this module (no third-party text): news-style English
# with attribution verbs, names, numbers and curly quotes so that real articles tokenize into sensible pieces.
# It deliberately contains no "{" or "}" so the T5 tokenizer lacks them, as Flan-T5 does.
TRAINING_TEXT = """\
The government said on Monday that it had reached an agreement with the union after three days of talks.
The minister told reporters in the capital that the deal would protect jobs and raise wages by 4 percent.
Officials denied reports that the army had moved troops to the border, calling the claims “groundless”.
A spokesperson for the foreign ministry said the allegations were false and not worth any comment.
The company’s chief executive, Maria Lopez, said profits rose 12% to $3.5 billion in the first quarter.
Analysts at the bank expected sales to fall, but the results were better than forecast, they said.
Police said two people were arrested on Tuesday night after a fire broke out in a warehouse near the port.
“We are working with the authorities to find out what happened,” the owner said in a statement.
The United States and its allies accused the country of supplying weapons and rockets to the group.
Russia’s defence ministry rejected the accusation, and the Kremlin said it had never received such arms.
According to the news agency, the report was based on satellite images and documents seen by journalists.
The prime minister’s office confirmed that the meeting took place, but declined to give further details.
Scientists at the university published a study showing that temperatures in the region rose by 1.2 degrees.
The opposition leader dismissed the plan as “a political stunt” and promised to vote against the bill.
Health officials reported 250 new cases on Wednesday, the highest number since the start of the year.
The court ruled that the contract was valid, and the judge ordered the firm to pay damages to the workers.
In a televised address, the president claimed that the economy had grown faster than in any other country.
Critics disputed the figures, saying that unemployment had increased and prices had risen sharply.
The White House said on Thursday that an initial delivery of missiles had been completed last month.
North and South Korea, Japan and China held talks in Tokyo about trade, security and the shipping routes.
Witnesses told the BBC that they heard explosions early in the morning, before the power went out.
The European Union’s executive commission proposed new rules for banks, airlines and energy companies.
The spokesman added that the country remained committed to peace and would continue its principled stand.
Shares in the airline fell 8 percent after it warned that fuel costs would hit profits this year.
The football club announced that its coach had signed a new two-year contract, ending weeks of speculation.
The newspaper reported that the former official had been paid for information, which he strongly denied.
Local media said the train carrying munitions crossed the border via a bridge on Friday, while others disagreed.
The United Nations called for an investigation, and human rights groups urged both sides to stop the fighting.
“This is not the end of the story,” she said. ‘We will keep asking questions,’ her lawyer added.
The report said that more shipments were expected in the coming weeks, citing unnamed sources and officials.
Experts warned that the storm could bring heavy rain, strong winds and flooding to coastal areas on Saturday.
The central bank kept interest rates unchanged at 5.25%, saying inflation was still too high.
Farmers protested outside parliament against the new tax; some of them drove tractors through the city.
The film won three awards at the festival, including best director and best actress, the jury announced.
Voters in 12 states will choose a new governor in November, and early polls suggest a close race.
The airline apologised for the delays, which affected about 10,000 passengers over the holiday weekend.
Hospitals said they were short of nurses and doctors, and that waiting times had doubled since 2019.
The ministry issued a statement (in English and Korean) saying the talks had been “constructive”.
He said it was the other side that was responsible for the bloodshed and destruction in the east.
Moreover, the security company’s owner described the report as gossip and speculation on social media.
The Democratic People’s Republic of Korea has made no comment, and Pyongyang has not responded to requests.
Xavier Dubois, a researcher in Geneva, has studied the conflict in Ukraine, Yemen and the Horn of Africa.
Quebec, Zurich, Vienna, Oslo, Kenya, Iran and Qatar have all signed the agreement, the spokeswoman said.
It has been a difficult week, the manager admitted; “I have made mistakes and I apologise,” he wrote.
Earlier, an adviser to the Japanese prime minister told the Associated Press (AP) that nothing had changed.
Prices jumped 7.5% in just 24 hours — the biggest rise in a decade — while the currency lost 3/4 of its value.
The agency’s director-general, who has held the post since 2016, will step down at the end of June.
Lawmakers from both parties questioned whether the deal would survive a legal challenge in the Supreme Court.
"""

_CORPUS_REPEATS = 3  # repeat so that frequent words win merges/pieces; deterministic either way


def tiny_cache_root() -> Path:
    """Where tiny models live by default: `$NEWSFACTS_CACHE/tiny` or `~/.cache/newsfacts/tiny`."""
    env = os.environ.get("NEWSFACTS_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "newsfacts"
    return base / "tiny"


def tiny_model_dirname(kind: str) -> str:
    """`<kind>-v1-<recipe>`: recipe is a hash of this module's source, so that any change to how the models
    are built (training text, sizes, seed) gets a fresh directory instead of a stale cached build."""
    recipe = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10]
    return f"{kind}-{TINY_VERSION}-{recipe}"


def ensure_tiny_model(kind: str, cache_dir: Path | None = None) -> Path:
    """Return the directory of the tiny `kind` model, building it on first use.

    `cache_dir`, when given, replaces the default root (the model goes to `cache_dir/<kind>-v1-<recipe>`).
    """
    if kind not in TINY_KINDS:
        raise ValueError(f"unknown tiny model kind {kind!r}; expected one of {TINY_KINDS}")
    root = Path(cache_dir) if cache_dir is not None else tiny_cache_root()
    target = root / tiny_model_dirname(kind)
    if (target / "config.json").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-{TINY_VERSION}-", dir=root))
    try:
        _BUILDERS[kind](tmp)
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
        try:
            os.rename(tmp, target)  # atomic on one filesystem; fails if another worker got there first
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _corpus() -> list[str]:
    lines = [line for line in TRAINING_TEXT.splitlines() if line.strip()]
    return lines * _CORPUS_REPEATS


def _train(tokenizer, trainer) -> None:
    # Single-threaded training keeps the vocabulary byte-identical across builds and machines.
    previous = os.environ.get("RAYON_NUM_THREADS")
    os.environ["RAYON_NUM_THREADS"] = "1"
    try:
        tokenizer.train_from_iterator(_corpus(), trainer=trainer)
    finally:
        if previous is None:
            os.environ.pop("RAYON_NUM_THREADS", None)
        else:
            os.environ["RAYON_NUM_THREADS"] = previous


def _seed_everything() -> None:
    import torch

    torch.manual_seed(SEED)


def _save_model(model, generation_config, out: Path) -> None:
    model.generation_config = generation_config
    model.save_pretrained(out)


def _round_up(n: int, multiple: int) -> int:
    return (n + multiple - 1) // multiple * multiple


def _build_t5(out: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration, T5Tokenizer

    specials = ["<pad>", "</s>", "<unk>"]
    trainee = Tokenizer(models.Unigram())
    # The same pre-tokenization as transformers' T5Tokenizer, so the trained pieces are the ones it produces.
    trainee.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        ]
    )
    trainer = trainers.UnigramTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=specials,
        unk_token="<unk>",
        shrinking_factor=0.75,
        max_piece_length=12,
        n_sub_iterations=2,
    )
    _train(trainee, trainer)
    trained = json.loads(trainee.to_str())["model"]["vocab"]  # [[piece, score], ...], specials first
    assert [piece for piece, _ in trained[:3]] == specials, trained[:3]
    # EM sums in parallel, so scores wobble in the last bits between runs: round for byte-identical builds.
    pieces = {piece: round(float(score), 6) for piece, score in trained[3:]}
    # The trainer gives the characters it must keep made-up scores in hash order (a different vocab order
    # each run): score every single character by its corpus frequency instead, a fallback below words.
    char_counts = Counter(ch for ch in TRAINING_TEXT if not ch.isspace())
    char_total = sum(char_counts.values())
    for piece in [p for p in pieces if len(p) == 1 and p in char_counts]:
        pieces[piece] = round(math.log(char_counts[piece] / char_total) - 3.0, 6)
    # EM on a corpus this small keeps few pieces (~550) and splits even frequent words ("▁ha" "s"). Like a
    # real T5 vocab, give every corpus word a whole-word piece, both word-initial ("▁Korea") and inner
    # ("Korea", as after a quote mark), scored by its frequency so Viterbi prefers it over the sub-pieces.
    word_counts = Counter(re.findall(r"[A-Za-z]+", TRAINING_TEXT))
    total = sum(word_counts.values())
    for word, count in sorted(word_counts.items()):
        pieces.setdefault("▁" + word, round(math.log(count / total) - 1.0, 6))
        pieces.setdefault(word, round(math.log(count / total) - 2.0, 6))
    pieces.setdefault("▁", -20.0)
    vocab = [(piece, 0.0) for piece in specials]
    vocab += sorted(pieces.items(), key=lambda item: (-item[1], item[0]))  # SentencePiece order: best first
    for i in range(T5_EXTRA_IDS - 1, -1, -1):  # T5 keeps its sentinels at the end, highest id first
        vocab.append((f"<extra_id_{i}>", 0.0))
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=T5_EXTRA_IDS, model_max_length=4096)
    tokenizer.save_pretrained(out)

    _seed_everything()
    config = T5Config(
        vocab_size=_round_up(len(tokenizer), 64),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        dropout_rate=0.0,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    model = T5ForConditionalGeneration(config)
    generation = GenerationConfig(
        decoder_start_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    _save_model(model, generation, out)


def _train_byte_level_bpe(specials: list[str], pre_tokenizer) -> tuple[dict[str, int], list[tuple[str, str]]]:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    trainee = Tokenizer(models.BPE())
    trainee.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte: nothing is ever unknown
        show_progress=False,
    )
    _train(trainee, trainer)
    model = json.loads(trainee.to_str())["model"]
    merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return dict(model["vocab"]), merges


def _build_bart(out: Path) -> None:
    from tokenizers import pre_tokenizers
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizerFast, GenerationConfig

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab, merges = _train_byte_level_bpe(specials, pre_tokenizers.ByteLevel(add_prefix_space=False))
    vocab["<mask>"] = len(vocab)  # BART keeps <mask> as the last id
    tokenizer = BartTokenizerFast(vocab=vocab, merges=merges, model_max_length=1024)
    tokenizer.save_pretrained(out)

    _seed_everything()
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=1024,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    model = BartForConditionalGeneration(config)
    generation = GenerationConfig(
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_bos_token_id=tokenizer.bos_token_id,  # as bart-large-cnn: "</s> <s> ..." decoder prefix
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    _save_model(model, generation, out)


def _build_causal(out: Path) -> None:
    from tokenizers import Regex, pre_tokenizers
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    # Qwen2Tokenizer's own pre-tokenization, so the trained merges are the ones it applies.
    pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    vocab, merges = _train_byte_level_bpe(specials, pre_tokenizer)
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=merges,
        unk_token=None,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=8192,
    )
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = CHATML_TEMPLATE
    tokenizer.save_pretrained(out)

    _seed_everything()
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    generation = GenerationConfig(
        eos_token_id=[tokenizer.eos_token_id, tokenizer.pad_token_id],  # as Qwen: <|im_end|>, <|endoftext|>
        pad_token_id=tokenizer.pad_token_id,
    )
    _save_model(model, generation, out)


_BUILDERS = {"t5": _build_t5, "bart": _build_bart, "causal": _build_causal}
