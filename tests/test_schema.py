import json

import jsonschema

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
