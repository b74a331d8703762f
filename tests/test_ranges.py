"""Every number in the schema has a finite range, stated in the schema (the
JSON schema's minimum and maximum), and is strictly typed."""
from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from rules.distributions import Exponential
from rules.org import Role
from rules.scenario import Scenario


def _numbers(schema: dict, defs: dict, path: str = "",
             seen: frozenset = frozenset()) -> list[tuple[str, dict]]:
    """Every integer or number in ``schema``, with its field path."""
    out: list[tuple[str, dict]] = []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else _numbers(defs[name], defs, path, seen | {name})
    if schema.get("type") in ("integer", "number"):
        out.append((path, schema))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            out += _numbers(sub, defs, path, seen)
    for name, sub in schema.get("properties", {}).items():
        out += _numbers(sub, defs, f"{path}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            out += _numbers(schema[key], defs, f"{path}[]", seen)
    for sub in schema.get("discriminator", {}).get("mapping", {}).values():
        out += _numbers({"$ref": sub}, defs, path, seen)
    return out


def test_every_number_in_the_schema_has_a_finite_range() -> None:
    schema = Scenario.model_json_schema()
    numbers = _numbers(schema, schema.get("$defs", {}))
    assert len(numbers) > 60
    unbounded = [path for path, s in numbers
                 if not ({"minimum", "exclusiveMinimum"} & set(s)
                         and {"maximum", "exclusiveMaximum"} & set(s))]
    assert unbounded == []


@pytest.mark.parametrize("value", [True, "5", 5.0, 10**20])
def test_a_count_takes_only_a_sensible_integer(value: Any) -> None:
    role = {"name_zh": "x", "department": "d", "headcount": value, "headcount_basis": "assumed"}
    with pytest.raises(ValidationError):
        Role.model_validate(role)


@pytest.mark.parametrize("value", [True, "2", float("inf"), 1e9])
def test_a_duration_takes_only_a_sensible_number(value: Any) -> None:
    with pytest.raises(ValidationError):
        Exponential.model_validate({"dist": "exponential", "mean": value})
    assert Exponential.model_validate({"dist": "exponential", "mean": 2}).mean == 2.0
