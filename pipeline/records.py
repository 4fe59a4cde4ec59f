"""Typed records that flow between stages and end up in the output files.

`FactsRecord` is the public contract (schema v1): `schema/facts.schema.json` is generated from it.
Every `Span` holds offsets into the input article's `text`, so `text[start:end] == span.text`.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"


class Span(BaseModel):
    """A verbatim piece of the article: `text == article_text[start:end]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(description="The assertion as a standalone sentence, without the attribution.")
    claimants: list[Span] = Field(default_factory=list, description="Who asserts the claim.")
    deniers: list[Span] = Field(default_factory=list, description="Who denies or disputes it.")
    evidence: list[Span] = Field(default_factory=list, description="Article spans stating or supporting it.")


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_revision: str | None = None
    backend: str
    prompt_version: str
    decoding: dict[str, Any] = Field(default_factory=dict)
    chunks: int = 1


class FactsRecord(BaseModel):
    """One processed article: the line written to facts.jsonl and facts/<safe-id>.json."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal["1"] = SCHEMA_VERSION
    id: str
    title: str | None = None
    summary: str
    model: str
    source_agency: Span | None = None
    claims: list[Claim] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    provenance: Provenance | None = None


class Article(BaseModel):
    """An input article after ingest. `line` is the 1-based position in the input (line or file number)."""

    id: str
    text: str
    title: str | None = None
    line: int
    warnings: list[str] = Field(default_factory=list)


class ErrorRecord(BaseModel):
    """One line of errors.jsonl: an input that produced no FactsRecord."""

    id: str | None
    line: int
    stage: str
    error: str
