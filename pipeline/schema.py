"""The JSON Schema of a facts record, generated from the pydantic model.

`python -m pipeline.schema` rewrites schema/facts.schema.json; a test fails when the committed file is
out of date, so downstream consumers always read the schema the code actually writes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.records import FactsRecord

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "facts.schema.json"


def facts_schema() -> dict:
    schema = FactsRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/newsfacts/newsfacts/schema/facts.schema.json"
    return schema


def render() -> str:
    return json.dumps(facts_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
