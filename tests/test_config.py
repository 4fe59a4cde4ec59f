"""Compose every option of every config group (as lightning-hydra-template does) and build what it names."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from pipeline.backends.loading import ModelUnavailableError, _resolve
from pipeline.config import ModelSpec
from pipeline.runner import RunSettings

CONF = Path(__file__).resolve().parent.parent / "conf"
GROUPS = {g.name: sorted(p.stem for p in g.glob("*.yaml")) for g in CONF.iterdir() if g.is_dir()}
OPTIONS = [(group, option) for group, options in GROUPS.items() for option in options]
HUB_MODELS = ["flan_t5_small", "flan_t5_base", "flan_t5_large", "flan_t5_xl", "bart_large_cnn"]


def _compose(*overrides: str) -> dict:
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
        # ${hydra:...} resolvers need the hydra node; drop it after resolving
        container = OmegaConf.to_container(cfg, resolve=False)
    container.pop("hydra", None)
    return container


def test_required_groups_and_models_exist():
    assert {"model", "input"} <= set(GROUPS)
    assert set(HUB_MODELS + ["tiny_t5", "smollm2_135m", "qwen2_5_coder_0_5b", "qwen2_5_coder_1_5b"]) <= set(GROUPS["model"])


def test_default_model_is_flan_t5_base_and_input_the_example():
    cfg = _compose()
    assert cfg["model"]["path"] == "google/flan-t5-base"
    assert cfg["input"]["kind"] == "jsonl" and cfg["input"]["path"] is None


@pytest.mark.parametrize("group, option", OPTIONS)
def test_every_option_composes_into_valid_settings(group, option):
    overrides = [f"{group}={option}"]
    if group == "input" and option == "text_dir":
        overrides.append("input.path=/tmp")
    settings = RunSettings.from_config(_compose(*overrides))
    assert settings.stages[0] == "ingest" and settings.stages[-1] == "write"
    if group == "model":
        assert settings.model.prompts in {"t5", "instruct"}
        assert (settings.model.backend == "seq2seq") == (settings.model.prompts == "t5")


@pytest.mark.parametrize("option", HUB_MODELS)
def test_uncached_hub_model_fails_at_once_with_remedy(option, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path))
    spec = ModelSpec(**_compose(f"model={option}")["model"])
    t0 = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as err:
        _resolve(spec)
    assert time.perf_counter() - t0 < 30
    message = str(err.value)
    assert spec.path in message and "model=smollm2_135m" in message and "HF_HOME" in message


def test_tiny_t5_option_builds_a_loadable_model():
    spec = ModelSpec(**_compose("model=tiny_t5")["model"])
    location, revision, extra = _resolve(spec)
    assert (Path(location) / "config.json").is_file() and revision.startswith("dir-") and extra == {}


def test_model_config_cannot_name_arbitrary_code():
    with pytest.raises(ValueError):
        ModelSpec(**{**_compose("model=tiny_t5")["model"], "_target_": "os.system"})
    with pytest.raises(ValueError):
        ModelSpec(**{**_compose("model=tiny_t5")["model"], "backend": "my.module.Backend"})


def test_unknown_stage_is_a_config_error():
    cfg = _compose("stages=[ingest,translate,write]")
    with pytest.raises(ValueError, match="unknown stage"):
        RunSettings.from_config(cfg)
