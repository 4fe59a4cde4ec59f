import json

import jsonschema
import pytest
from pydantic import ValidationError

from pipeline.records import Claim, FactsRecord, Span
from pipeline.schema import SCHEMA_PATH, render


def test_committed_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run: python -m pipeline.schema"


def test_schema_accepts_a_record_and_rejects_a_broken_one():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    rec = FactsRecord(id="a", summary="s", model="m", source_agency=Span(text="AFP", start=0, end=3),
                      claims=[Claim(claim="c", claimants=[Span(text="X", start=5, end=6)])])
    jsonschema.validate(rec.model_dump(mode="json"), schema)
    broken = rec.model_dump(mode="json")
    broken["claims"][0]["claimants"][0].pop("start")
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("schema accepted a span without start")


def test_schema_v2_records_where_each_text_comes_from():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    rec = FactsRecord(id="a", summary="s", summary_origin="extractive", model="m",
                      claims=[Claim(claim="c", claim_origin="regenerated")])
    data = rec.model_dump(mode="json")
    assert data["schema_version"] == "2" and data["summary_origin"] == "extractive"
    assert data["claims"][0]["claim_origin"] == "regenerated"
    jsonschema.validate(data, schema)
    data["summary_origin"] = "invented"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_a_v1_record_is_still_read_with_unknown_origins():
    v1 = ('{"schema_version": "1", "id": "a", "title": null, "summary": "s", "model": "m", "source_agency": null, '
          '"claims": [{"claim": "c", "claimants": [], "deniers": [], "evidence": []}], "warnings": [], '
          '"provenance": null}')
    record = FactsRecord.model_validate_json(v1)
    assert record.schema_version == "2" and record.summary_origin is None and record.claims[0].claim_origin is None
    assert record.summary == "s" and record.claims[0].claim == "c"


def test_an_unknown_schema_version_is_a_clear_error():
    with pytest.raises(ValidationError, match="schema_version '3' is not one this newsfacts reads \\(1, 2\\); it writes 2"):
        FactsRecord.model_validate({"schema_version": "3", "id": "a", "summary": "s", "model": "m"})
