"""Versioned prompt templates, loaded by name from `prompts/<family>/<version>.yaml`.

Templates are never inlined in code: a prompt change is a new version file, and the version lands in
each record's provenance and in the run manifest (and in the cache key), so results stay traceable.
Article text is only ever a *value* substituted into our template, never parsed as a template itself.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class PromptSet:
    family: str
    version: str
    templates: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.family}/{self.version}"

    def render(self, name: str, **values: str) -> str:
        try:
            template = self.templates[name]
        except KeyError:
            raise PromptError(f"prompt {name!r} missing from {self.id}") from None
        # Template substitution with $names: braces in article text are inert, and a missing value fails.
        return string.Template(template).substitute(values)


@lru_cache(maxsize=16)
def load_prompts(family: str, version: str, prompts_dir: Path = PROMPTS_DIR) -> PromptSet:
    path = prompts_dir / family / f"{version}.yaml"
    if not path.is_file():
        available = sorted(p.relative_to(prompts_dir).with_suffix("").as_posix() for p in prompts_dir.glob("*/*.yaml"))
        raise PromptError(f"no prompt set {family}/{version} (have: {', '.join(available)})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    templates = data.get("templates") if isinstance(data, dict) else None
    if not isinstance(templates, dict) or not all(isinstance(v, str) for v in templates.values()):
        raise PromptError(f"{path}: expected a mapping 'templates: {{name: text}}'")
    return PromptSet(family=family, version=version, templates=dict(templates))
