#!/usr/bin/python3
"""Validates answers files (TOML) against the answers JSON Schema.

    validate-answers-schema.py SCHEMA.json FILE.toml...

Independent of glance-wizard's own parser: Python's tomllib reads each file, and
python3-jsonschema (Debian) checks it as JSON against the schema, itself checked
first as a draft-7 schema. Prints one line per file, "valid PATH" or
"invalid PATH: MESSAGE; MESSAGE", and exits 0 when every file was read.
"""
import json
import sys
import tomllib

from jsonschema import Draft7Validator


def main(schema_path, paths):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema)
    for path in paths:
        with open(path, "rb") as f:
            document = json.loads(json.dumps(tomllib.load(f)))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        if errors:
            said = "; ".join(
                f"{'.'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors
            )
            print(f"invalid {path}: {said}")
        else:
            print(f"valid {path}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
