import pytest

from pipeline.prompts import PROMPTS_DIR, PromptError, load_prompts

FAMILIES = sorted(p.name for p in PROMPTS_DIR.iterdir() if p.is_dir())


@pytest.mark.parametrize("family", FAMILIES)
def test_every_prompt_set_has_every_stage_question(family):
    for path in (PROMPTS_DIR / family).glob("*.yaml"):
        prompts = load_prompts(family, path.stem)
        assert {"summarize", "claim", "claimant", "denier"} <= set(prompts.templates)
        rendered = prompts.render("claimant", context="C {x} $y", sentence="S", options="- A")
        assert "C {x} $y" in rendered  # article text is a value, never a template


def test_unknown_version_names_available_ones():
    with pytest.raises(PromptError, match="t5/v1"):
        load_prompts("t5", "v999")


def test_missing_value_fails_loudly():
    with pytest.raises(KeyError):
        load_prompts("t5", "v1").render("summarize")
