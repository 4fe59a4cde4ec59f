"""The Python API (`from pipeline import extract_facts`) and the `newsfacts` console script, with the real
tiny_t5 model."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import pipeline
from pipeline import ErrorRecord, FactsExtractor, FactsRecord, extract_facts
from pipeline.schema import SCHEMA_PATH
from tests.conftest import SEED_TEXT, read_jsonl, write_jsonl

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
TEXTS = [
    SEED_TEXT,
    "",  # not an article: an ErrorRecord in its place, the others still processed
    "The minister denied the report on Monday. Critics said the plan would fail, according to Reuters.",
    "Officials said the bridge would reopen. The mayor dismissed the claim.",
]
CONSOLE_SCRIPT = Path(sys.executable).parent / "newsfacts"


def spans_of(record: FactsRecord):
    if record.source_agency:
        yield record.source_agency
    for claim in record.claims:
        yield from claim.claimants + claim.deniers + claim.evidence


@pytest.fixture(scope="module")
def extractor() -> FactsExtractor:
    return FactsExtractor(model="tiny_t5", overrides=["cache.enabled=false"])


@pytest.fixture(scope="module")
def outcomes(extractor) -> list:
    return extractor(TEXTS)


def test_one_outcome_per_text_in_order(outcomes):
    assert [type(o) for o in outcomes] == [FactsRecord, ErrorRecord, FactsRecord, FactsRecord]
    assert [o.id for o in outcomes] == ["0", "1", "2", "3"]  # plain texts are numbered by position


def test_empty_text_is_an_error_record(outcomes):
    error = outcomes[1]
    assert (error.id, error.line, error.stage, error.error) == ("1", 2, "ingest", "'text' is empty")


def test_records_are_grounded_and_schema_valid(outcomes):
    for text, outcome in zip(TEXTS, outcomes):
        if isinstance(outcome, ErrorRecord):
            continue
        assert outcome.model == "newsfacts/tiny-t5" and outcome.provenance.prompt_version == "t5/v4"
        spans = list(spans_of(outcome))
        assert all(span.text and text[span.start:span.end] == span.text for span in spans)
        jsonschema.validate(outcome.model_dump(mode="json"), SCHEMA)
    seed = outcomes[0]
    assert seed.source_agency.text == "AFP" and seed.claims and all(c.evidence for c in seed.claims)


def test_mappings_keep_their_ids_and_titles(extractor):
    [record] = extractor([{"id": "wire-7", "title": "Bridge", "text": TEXTS[3]}])
    assert (record.id, record.title) == ("wire-7", "Bridge")


def test_extract_facts_honours_overrides():
    [record] = extract_facts([SEED_TEXT], model="tiny_t5", overrides=["extract.max_claims=1", "cache.enabled=false"])
    assert isinstance(record, FactsRecord) and len(record.claims) == 1


def test_unknown_model_fails_at_once():
    with pytest.raises(Exception, match="no_such_model"):
        extract_facts(["text"], model="no_such_model")


def test_public_names():
    assert {"extract_facts", "FactsExtractor", "FactsRecord", "ErrorRecord", "Span", "Claim"} <= set(pipeline.__all__)


@pytest.mark.skipif(not CONSOLE_SCRIPT.is_file(), reason="newsfacts console script not installed (pip install -e .)")
def test_console_script_runs_the_cli_and_matches_the_api(outcomes, tmp_path):
    rows = [{"id": str(n), "text": t} for n, t in enumerate(TEXTS)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # From another directory: the installed script finds its configs and prompts wherever it runs.
    proc = subprocess.run([str(CONSOLE_SCRIPT), "model=tiny_t5", f"input.path={source}", "cache.enabled=false",
                           f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr  # like `python -m pipeline`: exit 1 because one input failed
    assert f"newsfacts: read 4, written 3, failed 1 -> {tmp_path / 'run'}" in proc.stderr
    api_records = [o.model_dump(mode="json") for o in outcomes if isinstance(o, FactsRecord)]
    assert read_jsonl(tmp_path / "run" / "facts.jsonl") == api_records  # CLI and API give the same records
    assert read_jsonl(tmp_path / "run" / "errors.jsonl") == [outcomes[1].model_dump(mode="json")]


@pytest.mark.skipif(not CONSOLE_SCRIPT.is_file(), reason="newsfacts console script not installed (pip install -e .)")
def test_console_script_config_error_exit_status(tmp_path):
    proc = subprocess.run([str(CONSOLE_SCRIPT), "model=no_such_model"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2
    assert proc.stderr.startswith("newsfacts: config error: unknown model 'no_such_model'")


def test_default_summary_is_written_by_the_model_and_checked(outcomes, nlp):
    """The default is a model-written summary; the tiny model's random text names things the article does not,
    so the faithfulness stage regenerates or replaces it, and the record says which."""
    from pipeline.extractive import extractive_summary
    from pipeline.faithfulness import support_for, unsupported

    seed = outcomes[0]
    assert unsupported(nlp(seed.summary), support_for(nlp, TEXTS[0])) == []
    assert seed.summary_origin in {"generated", "regenerated", "extractive"}
    if seed.summary_origin == "extractive":
        assert seed.summary == extractive_summary(TEXTS[0])
    else:
        assert seed.summary != extractive_summary(TEXTS[0])
    assert {c.claim_origin for c in seed.claims} <= {"generated", "regenerated", "extractive"}
