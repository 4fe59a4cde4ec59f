"""Python API for apps that embed newsfacts: texts in, validated `FactsRecord`s out, no run dir.

    from pipeline import extract_facts
    records = extract_facts(["North Korea denied ..."], model="smollm2_135m")

The same Hydra config as the CLI is composed (so `overrides` take the CLI's `key=value` syntax) and the
same stages run; the model is loaded once per `FactsExtractor`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.backends.base import ModelBackend
from pipeline.ingest import article_from_mapping
from pipeline.prompts import load_prompts
from pipeline.records import Article, ErrorRecord, FactsRecord, Provenance

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


def compose_config(model: str = "flan_t5_base", overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The job config the CLI would use for `model=MODEL OVERRIDES...`, resolved to plain data."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"model={model}", *overrides])
        data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return data


class FactsExtractor:
    """Holds a loaded model; call it on batches of texts (or {"id","title","text"} mappings)."""

    def __init__(self, model: str = "flan_t5_base", overrides: Sequence[str] = (),
                 backend: ModelBackend | None = None) -> None:
        from pipeline.runner import RunSettings

        self.config = compose_config(model, overrides)
        self.settings = RunSettings.from_config(self.config)
        self.prompts = load_prompts(self.settings.model.prompts, self.settings.prompt_version)
        if backend is None:
            from pipeline.backends.loading import load_backend

            backend = load_backend(self.settings.model, self.settings.runtime)
        self.backend = backend
        self.provenance = Provenance(model_revision=backend.revision, backend=self.settings.model.backend,
                                     prompt_version=self.prompts.id, decoding=self.settings.decoding.model_dump())

    def __call__(self, items: Sequence[str | Mapping[str, Any]]) -> list[FactsRecord | ErrorRecord]:
        from pipeline.runner import process_articles

        outcomes: list[FactsRecord | ErrorRecord | None] = [None] * len(items)
        articles: list[tuple[int, Article]] = []
        for n, item in enumerate(items):
            row = {"id": str(n), "text": item} if isinstance(item, str) else dict(item)
            parsed = article_from_mapping(row, n + 1)
            if isinstance(parsed, ErrorRecord):
                outcomes[n] = parsed
            else:
                articles.append((n, parsed))
        done = process_articles([a for _, a in articles], self.backend, self.prompts, self.settings, self.provenance, {})
        for (n, _), outcome in zip(articles, done, strict=True):
            outcomes[n] = outcome
        return outcomes  # type: ignore[return-value]


def extract_facts(texts: Sequence[str | Mapping[str, Any]], model: str = "flan_t5_base",
                  overrides: Sequence[str] = ()) -> list[FactsRecord | ErrorRecord]:
    """One outcome per input, in order: a validated FactsRecord, or an ErrorRecord saying why not."""
    return FactsExtractor(model, overrides)(texts)
