"""CTranslate2 backend for seq2seq models (T5 family): free text runs on a CTranslate2 `Translator`
(int8 on CPU by default), span questions on the Hugging Face model.

Select it with `model.backend=ctranslate2` on any seq2seq model config (e.g. `model=flan_t5_base
model.backend=ctranslate2`). The model's HF directory (hub snapshot, HF cache, local directory, tiny model)
is converted once with `ctranslate2.converters.TransformersConverter` into
`$NEWSFACTS_CACHE/ctranslate2/<fingerprint>` (default `~/.cache/newsfacts/ctranslate2`), keyed by the
model's revision (a hub commit or a content hash of the directory) and the CTranslate2 version, so a
changed model or library never reuses a stale conversion. Weights are stored unquantized; `compute_type`
quantizes them when they load (`auto`: int8 on CPU, bfloat16 on CUDA: T5 in float16 overflows).

Converting works for T5-family models (T5, Flan-T5, mT5). BART fails with transformers 5 and
CTranslate2 4.8 (BartConfig no longer has `normalize_before`): loading says so and names the fallback.

Span questions (claimants, deniers) need decoding constrained to the article's tokens at every step;
CTranslate2 has no per-step logits hook for that, so they go to the same model loaded with transformers
(`Seq2SeqBackend`, loaded at the first span question) and are decoded by `pipeline.grounding` exactly as
with `backend=seq2seq`; so are regenerations under the name constraint (`pipeline.name_constraint`).
Summaries and claim rewrites, most of the generated tokens, run on CTranslate2. With int8 weights the free
text can differ slightly from the float32 transformers model's.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.backends.base import ModelBackend, NameSource, SpanQuestion
from pipeline.backends.hf import TokenizerBackend, dedupe_calls, plan_batches
from pipeline.records import Span


class CTranslate2Backend(TokenizerBackend):
    kind = "seq2seq"
    #: padded source tokens per translate_batch call at most (memory; see plan_batches)
    max_batch_tokens = 16384

    def __init__(self, translator: Any, tokenizer: Any, vocabulary: list[str], *, name: str,
                 revision: str | None, generation_config: Any = None, batch_size: int = 8,
                 max_input_tokens: int = 512, span_backend: Callable[[], ModelBackend] | ModelBackend | None = None,
                 compute_type: str = "int8") -> None:
        self.translator = translator
        self.tokenizer = tokenizer
        self.vocabulary = list(vocabulary)
        self._token_ids: dict[str, int] = {}
        for i, token in enumerate(self.vocabulary):
            self._token_ids.setdefault(token, i)
        self.name = name
        self.revision = revision
        self.generation_config = generation_config
        self.batch_size = max(1, int(batch_size))
        self._max_input_tokens = int(max_input_tokens)
        self._span_backend = span_backend
        self.compute_type = compute_type

    def generate_ids(self, prompts: list[str], max_new_tokens: int) -> list[list[int]]:
        """Generated token ids per prompt, greedy: as `Seq2SeqBackend.generate_ids` (after the decoder start,
        a forced BOS included, up to and including the end token)."""
        return dedupe_calls(prompts, lambda unique: self._translate(unique, max_new_tokens))

    def generate_spans(self, questions: list[SpanQuestion], max_new_tokens: int) -> list[Span | None]:
        return self.span_backend().generate_spans(questions, max_new_tokens)

    def generate_constrained(self, prompts: list[str], sources: list[NameSource], max_new_tokens: int) -> list[str]:
        # CTranslate2 has no per-step logits hook either: constrained regeneration runs where span questions do.
        return self.span_backend().generate_constrained(prompts, sources, max_new_tokens)

    def span_backend(self) -> ModelBackend:
        """The transformers backend that answers span questions (loaded on first use)."""
        if self._span_backend is None:
            raise RuntimeError("this CTranslate2 backend was built without a backend for span questions")
        if callable(self._span_backend) and not isinstance(self._span_backend, ModelBackend):
            self._span_backend = self._span_backend()
        return self._span_backend

    # -- internals ---------------------------------------------------------------------------------------
    def _translate(self, prompts: list[str], max_new_tokens: int) -> list[list[int]]:
        if not prompts:
            return []
        encoded = self.tokenizer(prompts, truncation=True, max_length=self.max_input_tokens)["input_ids"]
        source = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        prefix = self._forced_prefix()
        options = self._decoding_options(max_new_tokens)
        out: list[list[int]] = [[] for _ in prompts]
        lengths = [len(ids) for ids in encoded]
        for group in plan_batches(lengths, max_new_tokens, self.batch_size, self.max_batch_tokens):
            results = self.translator.translate_batch(
                [source[i] for i in group], target_prefix=[list(prefix) for _ in group] if prefix else None,
                max_batch_size=len(group), batch_type="examples", beam_size=1, max_input_length=0,
                return_end_token=True, **options)
            for i, result in zip(group, results):
                out[i] = [self._token_ids.get(t, self.tokenizer.unk_token_id) for t in result.hypotheses[0]]
        return out

    def _forced_prefix(self) -> tuple[str, ...]:
        """BART-style models force a BOS after the decoder start; CTranslate2 takes it as a target prefix."""
        forced = getattr(self.generation_config, "forced_bos_token_id", None)
        return (self.vocabulary[forced],) if forced is not None else ()

    def _decoding_options(self, max_length: int) -> dict[str, Any]:
        """The HF generation config's settings that change greedy output, in CTranslate2's terms (the
        transformers backend applies the same config, so both backends decode alike)."""
        config = self.generation_config
        options: dict[str, Any] = {"max_decoding_length": max_length}
        if config is None:
            return options
        eos = config.eos_token_id
        eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos]) - {None}
        suppressed = set(config.suppress_tokens or [])
        min_new = config.min_new_tokens or 0
        if eos_ids and eos_ids <= suppressed:
            min_new = max_length  # end of sequence can never be produced: every output runs to the limit
        if min_new:
            options["min_decoding_length"] = min(max_length, int(min_new))
        rest = sorted(suppressed - eos_ids)
        if rest:
            options["suppress_sequences"] = [[self.vocabulary[t]] for t in rest if t < len(self.vocabulary)]
        if config.no_repeat_ngram_size:
            options["no_repeat_ngram_size"] = int(config.no_repeat_ngram_size)
        if config.repetition_penalty and config.repetition_penalty != 1.0:
            options["repetition_penalty"] = float(config.repetition_penalty)
        return options


# -- loading ----------------------------------------------------------------------------------------------
class CTranslate2ConversionError(ValueError):
    """The model could not be converted (e.g. BART with transformers 5: its config lost attributes the
    converter reads); the message names the versions and the fallback."""


def ct2_cache_root() -> Path:
    from pipeline.cache import newsfacts_cache

    return newsfacts_cache("ctranslate2")


def pick_compute_type(compute_type: str, device: str) -> str:
    """`auto`: int8 weights on CPU (CTranslate2's fastest there), bfloat16 on CUDA (T5 overflows in fp16)."""
    if compute_type != "auto":
        return compute_type
    return "bfloat16" if device == "cuda" else "int8"


def ensure_converted(model_dir: str | Path, fingerprint: str, cache_root: Path | None = None) -> Path:
    """The CTranslate2 conversion of the HF model in `model_dir`, converted on first use.

    `fingerprint` must change whenever the model's files do (loading passes the hub commit or a content
    hash of the directory). Conversions go to a temporary sibling renamed into place, so concurrent runs
    never see a half-written model.
    """
    import ctranslate2

    root = Path(cache_root) if cache_root is not None else ct2_cache_root()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in fingerprint)
    target = root / f"{safe}-ct2-{ctranslate2.__version__}"
    if (target / "model.bin").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        try:
            ctranslate2.converters.TransformersConverter(str(model_dir)).convert(str(tmp / "model"), force=True)
        except Exception as exc:  # the converter trails transformers releases; say so instead of a traceback
            import transformers

            raise CTranslate2ConversionError(
                f"CTranslate2 {ctranslate2.__version__} could not convert {model_dir} with transformers "
                f"{transformers.__version__} ({type(exc).__name__}: {exc}); use model.backend=seq2seq") from exc
        (tmp / "model").chmod(0o755)
        try:
            os.rename(tmp / "model", target)
        except OSError:
            if not (target / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def read_vocabulary(converted: Path) -> list[str]:
    for name in ("shared_vocabulary.json", "target_vocabulary.json"):
        path = converted / name
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no vocabulary file in {converted}")


def load_ctranslate2_backend(spec, runtime, location: str, revision: str | None, device: str,
                             span_backend: Callable[[], ModelBackend] | None) -> CTranslate2Backend:
    try:
        import ctranslate2
    except ImportError as exc:  # an optional dependency: say how to get it
        raise ImportError("model.backend=ctranslate2 needs the ctranslate2 package: pip install ctranslate2") from exc
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    if spec.gguf_file or spec.source == "packaged":
        raise ValueError("model.backend=ctranslate2 converts Hugging Face model directories, not GGUF files")
    config = AutoConfig.from_pretrained(location)
    if not getattr(config, "is_encoder_decoder", False):
        raise ValueError(f"model.backend=ctranslate2 supports seq2seq models (T5, BART); {spec.path} is "
                         f"{config.model_type}, use model.backend=causal")
    converted = ensure_converted(location, f"{Path(spec.path).name}-{revision or 'unversioned'}")
    compute_type = pick_compute_type(spec.compute_type, device)
    translator = ctranslate2.Translator(str(converted), device=device, compute_type=compute_type,
                                        inter_threads=1, intra_threads=runtime.threads or 0)
    tokenizer = AutoTokenizer.from_pretrained(location)
    try:
        generation_config = GenerationConfig.from_pretrained(location)
    except OSError:
        generation_config = GenerationConfig.from_model_config(config)
    max_input = spec.max_input_tokens
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        max_input = min(max_input, positions)
    return CTranslate2Backend(translator, tokenizer, read_vocabulary(converted), name=spec.name, revision=revision,
                              generation_config=generation_config, batch_size=runtime.batch_size,
                              max_input_tokens=max_input, span_backend=span_backend, compute_type=compute_type)
