"""Typed views of the Hydra config: validated once at start-up so config errors fail before any work.

A model config can only name a known backend and source: there is no `_target_`, so a config file can
never make us import or instantiate arbitrary code.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

KNOWN_STAGES = ("ingest", "summarize", "extract", "validate", "write")


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    name: str = Field(description="Model name written into each record.")
    #: "ctranslate2": a seq2seq model run by CTranslate2 (see pipeline/backends/ctranslate2.py);
    #: "llamacpp": a GGUF model run by llama.cpp, quantized (see pipeline/backends/llamacpp.py)
    backend: Literal["seq2seq", "causal", "ctranslate2", "llamacpp"]
    source: Literal["hub", "local", "packaged", "tiny"] = "hub"
    path: str = Field(description="Hub id, local directory, packaged model name or tiny model kind.")
    revision: str | None = None
    gguf_file: str | None = None
    prompts: str = Field(description="Prompt family under prompts/ (t5, instruct).")
    max_input_tokens: int = Field(512, gt=16)
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    compute_type: Literal["auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float32",
                          "float16", "bfloat16"] = Field(
        "auto", description="backend=ctranslate2 only: weight/compute type (auto: int8 on CPU, bfloat16 on CUDA).")


class RuntimeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: Literal["cpu", "cuda", "auto"] = "cpu"
    batch_size: int = Field(8, ge=1)
    threads: int | None = Field(None, ge=1)
    static_cache: bool = Field(
        False, description="Static KV cache for generate; on CUDA transformers then compiles the decoder step "
                           "with torch.compile (prompts padded to a multiple of 64 tokens to bound recompiles).")


class DecodingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_summary_tokens: int = Field(112, ge=1)
    max_claim_tokens: int = Field(48, ge=1)
    max_span_tokens: int = Field(16, ge=1)


class ExtractSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_claims: int = Field(5, ge=0)
    context_sentences: int = Field(1, ge=0, description="Sentences before a claim sentence shown as context.")
    rewrite_claims: bool = Field(True, description="The model restates each claim's proposition (else: copied "
                                                 "from the article).")
    ask_speakers: bool = Field(True, description="The model chooses, among the article's mentions, a speaker given "
                                                 "only as a pronoun the rules cannot resolve.")


def check_stages(stages: list[str]) -> list[str]:
    unknown = [s for s in stages if s not in KNOWN_STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; known: {list(KNOWN_STAGES)}")
    for required in ("ingest", "write"):
        if required not in stages:
            raise ValueError(f"stage {required!r} cannot be left out")
    return [s for s in KNOWN_STAGES if s in stages]
