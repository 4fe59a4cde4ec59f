"""The tiny offline models: real architectures and tokenizers, random weights, built deterministically."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

from pipeline.backends.tiny import TINY_KINDS, ensure_tiny_model, tiny_cache_root, tiny_model_dirname

SEED_ARTICLE = (Path(__file__).resolve().parents[1] / "examples" / "dprk-wagner.txt").read_text(encoding="utf-8")


def _load(kind: str, directory: Path):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model_cls = AutoModelForCausalLM if kind == "causal" else AutoModelForSeq2SeqLM
    return tokenizer, model_cls.from_pretrained(directory).eval()


def _state_dict_hash(model) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def loaded():
    return {kind: _load(kind, ensure_tiny_model(kind)) for kind in TINY_KINDS}


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown tiny model kind"):
        ensure_tiny_model("gpt5")


def test_default_cache_root_follows_newsfacts_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSFACTS_CACHE", str(tmp_path))
    assert tiny_cache_root() == tmp_path / "tiny"
    monkeypatch.delenv("NEWSFACTS_CACHE")
    assert tiny_cache_root() == Path.home() / ".cache" / "newsfacts" / "tiny"


@pytest.mark.parametrize("kind", TINY_KINDS)
def test_model_is_tiny_and_of_the_real_architecture(loaded, kind):
    _, model = loaded[kind]
    expected = {
        "t5": "T5ForConditionalGeneration",
        "bart": "BartForConditionalGeneration",
        "causal": "Qwen2ForCausalLM",
    }
    assert type(model).__name__ == expected[kind]
    assert sum(p.numel() for p in model.parameters()) < 500_000
    config = model.config
    assert getattr(config, "d_model", getattr(config, "hidden_size", None)) <= 64


@pytest.mark.parametrize("kind", TINY_KINDS)
def test_tokenizer_has_a_real_vocabulary_and_offsets(loaded, kind):
    tokenizer, _ = loaded[kind]
    assert 1000 <= len(tokenizer) <= 2000
    encoded = tokenizer(SEED_ARTICLE, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
    assert len(ids) == len(offsets)
    # Whole frequent words are single pieces, not characters: it is a trained vocabulary.
    assert len(ids) < len(SEED_ARTICLE) / 2.5
    for start, end in offsets:
        assert 0 <= start <= end <= len(SEED_ARTICLE)
    assert offsets[-1][1] >= len(SEED_ARTICLE.rstrip()) - 1
    # Offsets point at the text the pieces stand for.
    korea = [i for i, (s, e) in enumerate(offsets) if SEED_ARTICLE[s:e].strip() == "Korea"]
    assert korea, "'Korea' should be one piece"


def test_t5_tokenizer_is_sentencepiece_style(loaded):
    tokenizer, _ = loaded["t5"]
    assert type(tokenizer).__name__ == "T5Tokenizer"  # transformers 5: T5TokenizerFast is this class
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
    assert tokenizer.tokenize("North Korea")[:2] == ["▁North", "▁Korea"]
    # After an opening quote the same word is an inner piece, without the word-boundary mark.
    assert "Korea" in tokenizer.tokenize("“Korea")
    # Like Flan-T5, no braces: they become <unk>, and offsets still point at them.
    encoded = tokenizer("a {b}", add_special_tokens=False, return_offsets_mapping=True)
    unk_offsets = [o for i, o in zip(encoded["input_ids"], encoded["offset_mapping"]) if i == tokenizer.unk_token_id]
    assert [("a {b}")[s:e] for s, e in unk_offsets] == ["{", "}"]
    assert tokenizer("x").input_ids[-1] == tokenizer.eos_token_id
    assert "<extra_id_0>" in tokenizer.get_vocab()


def test_bart_tokenizer_is_byte_level_bpe(loaded):
    tokenizer, model = loaded["bart"]
    assert type(tokenizer).__name__ in {"RobertaTokenizer", "BartTokenizer", "BartTokenizerFast"}
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    assert tokenizer.convert_ids_to_tokens(tokenizer.mask_token_id) == "<mask>"
    assert tokenizer.mask_token_id == len(tokenizer) - 1
    assert tokenizer.unk_token_id not in tokenizer("emoji 😀 café {x}").input_ids  # bytes: nothing unknown
    text = "emoji 😀 café {x}"
    assert tokenizer.decode(tokenizer(text, add_special_tokens=False).input_ids) == text
    assert model.generation_config.forced_bos_token_id == 0
    assert model.generation_config.decoder_start_token_id == 2


def test_causal_tokenizer_has_a_chat_template(loaded):
    tokenizer, model = loaded["causal"]
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Who denied it?"}], tokenize=False, add_generation_prompt=True
    )
    assert prompt == "<|im_start|>user\nWho denied it?<|im_end|>\n<|im_start|>assistant\n"
    ids = tokenizer(prompt).input_ids
    assert ids[0] == tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert tokenizer.eos_token == "<|im_end|>"
    assert tokenizer.pad_token_id is not None and tokenizer.pad_token_id != tokenizer.eos_token_id
    assert tokenizer.eos_token_id in model.generation_config.eos_token_id


@pytest.mark.parametrize("kind", TINY_KINDS)
def test_generate_runs_and_returns_token_ids(loaded, kind):
    tokenizer, model = loaded[kind]
    if kind == "causal":
        tokenizer.padding_side = "left"
    batch = tokenizer([SEED_ARTICLE[:300], "Short one."], return_tensors="pt", padding=True)
    with torch.no_grad():
        out = model.generate(**batch, max_new_tokens=5, do_sample=False)
    assert out.dtype == torch.long and out.shape[0] == 2
    prompt_len = batch["input_ids"].shape[1] if kind == "causal" else 0
    new_tokens = out.shape[1] - prompt_len
    assert 1 <= new_tokens <= 5 + 2  # seq2seq outputs start with the decoder start (and forced BOS)
    assert int(out.max()) < model.config.vocab_size


@pytest.mark.parametrize("kind", TINY_KINDS)
def test_build_is_deterministic(loaded, kind, tmp_path):
    _, model = loaded[kind]
    rebuilt_dir = ensure_tiny_model(kind, cache_dir=tmp_path)
    assert rebuilt_dir == tmp_path / tiny_model_dirname(kind)
    assert rebuilt_dir.name.startswith(f"{kind}-v1-")
    _, rebuilt = _load(kind, rebuilt_dir)
    assert _state_dict_hash(rebuilt) == _state_dict_hash(model)
    original_dir = ensure_tiny_model(kind)
    assert (rebuilt_dir / "tokenizer.json").read_bytes() == (original_dir / "tokenizer.json").read_bytes()


def test_second_call_reuses_the_cached_directory(tmp_path):
    first = ensure_tiny_model("causal", cache_dir=tmp_path)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert ensure_tiny_model("causal", cache_dir=tmp_path) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp


def test_concurrent_builds_leave_one_complete_directory(tmp_path):
    results: list[Path] = []
    errors: list[BaseException] = []

    def build():
        try:
            results.append(ensure_tiny_model("causal", cache_dir=tmp_path))
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [tmp_path / tiny_model_dirname("causal")] * 2
    assert [p.name for p in tmp_path.iterdir()] == [tiny_model_dirname("causal")]  # no temp leftovers
    AutoModelForCausalLM.from_pretrained(results[0])
