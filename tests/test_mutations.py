"""Valid scenarios mutated at random (types, ranges, keys, nesting, fields
deleted or duplicated, lines of the file garbled) are either accepted or
refused with exit status 2 and one ``error: FILE...`` line per problem;
never a traceback. A mutated scenario that passes ``check`` must also run."""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.loader import load_document
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^error: .+: .+$")
#: libyaml's emitter when installed: the pure-Python one takes most of a second
#: for the merged Double 11 document.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False)

#: Values a careless or hostile file puts where something else belongs.
ODD_VALUES: list[Any] = [
    None, True, False, "yes", "on", 0, -1, 1, 2, 10**20, -(10**20), 1e300, float("inf"),
    float("nan"), 0.5, -0.5, "", "x" * 500, "d\u0435signer", "[bold]x[/]", "=1+1", "2026-02-30",
    "2026-11-11", "..", "../../etc/passwd", [], [1, 2], {}, {"dist": "weibull"},
    {"dist": "fixed", "value": -1}, {"a": {"b": {"c": 1}}}, "all", "per_project", "\x00",
]


#: Values that often fit, so that many mutated scenarios pass the check and run.
PLAUSIBLE: list[Any] = [1, 2, 3, 5, 0.1, 0.9, 24, 2.5, "hours", "minutes", "days", "finish", "pause",
                        "all", "exponential", {"dist": "fixed", "value": 0.5}, "2026-03-03"]
VALUES = st.one_of(st.sampled_from(ODD_VALUES), st.sampled_from(PLAUSIBLE))


def _paths(node: Any, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, here + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, here + (i,))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def mutate(doc: dict, path: tuple, how: str, value: Any) -> dict:
    """``doc`` with one change at ``path`` (deep-copied through YAML)."""
    doc = copy.deepcopy(doc)
    if not path:
        return doc
    parent, key = _parent(doc, path), path[-1]
    if how == "replace":
        parent[key] = value
    elif how == "delete":
        del parent[key]
    elif how == "wrap_list":
        parent[key] = [parent[key]]
    elif how == "wrap_dict":
        parent[key] = {"value": parent[key]}
    elif how == "unwrap" and isinstance(parent[key], (dict, list)) and parent[key]:
        inner = parent[key]
        parent[key] = next(iter(inner.values())) if isinstance(inner, dict) else inner[0]
    elif how == "duplicate" and isinstance(parent, dict):
        parent[f"{key}_copy" if isinstance(key, str) else key] = parent[key]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(key, parent[key])
    elif how == "rename" and isinstance(parent, dict) and isinstance(key, str):
        parent[key[:-1] or "x"] = parent.pop(key)
    elif how == "add_key" and isinstance(parent[key], dict):
        parent[key]["unknown_field"] = value
    return doc


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    docs = {}
    for name in ("scenarios/double11.yaml", "scenarios/validation/mmc.yaml"):
        doc, _ = load_document(ROOT / name)  # the merged document: every field in one file
        doc.pop("rules", None)
        docs[name] = doc
    return docs


def _expect_clean(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert lines and all(LINE.match(line) for line in lines), err


HOW = st.sampled_from(["replace", "replace", "replace", "delete", "wrap_list", "wrap_dict", "unwrap",
                       "duplicate", "rename", "add_key"])


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pick=st.integers(0, 10**6), how=HOW, value=st.sampled_from(ODD_VALUES))
def test_a_mutated_scenario_is_checked_cleanly(documents, tmp_path_factory, capsys, pick: int, how: str,
                                               value: Any) -> None:
    doc = documents["scenarios/double11.yaml"]
    paths = _paths(doc)
    changed = mutate(doc, paths[pick % len(paths)], how, value)
    path = tmp_path_factory.mktemp("m") / "s.yaml"
    path.write_text(dump(changed), encoding="utf-8")
    code = main(["check", str(path)])
    _expect_clean(code, capsys.readouterr().err)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pick=st.integers(0, 10**6), how=HOW, value=VALUES)
def test_a_mutated_scenario_that_passes_the_check_also_runs(documents, tmp_path_factory, capsys, pick: int,
                                                            how: str, value: Any) -> None:
    doc = documents["scenarios/validation/mmc.yaml"]
    doc = {**doc, "horizon": {"start": "2026-03-02", "end": "2026-03-08"}}
    paths = _paths(doc)
    changed = mutate(doc, paths[pick % len(paths)], how, value)
    folder = tmp_path_factory.mktemp("m")
    path = folder / "s.yaml"
    path.write_text(dump(changed), encoding="utf-8")
    code = main(["run", str(path), "-n", "1", "-j", "1", "--no-report", "--out", str(folder / "run")])
    _expect_clean(code, capsys.readouterr().err)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(line=st.integers(0, 10**6), how=st.sampled_from(["delete", "duplicate", "indent", "dedent", "colon",
                                                        "quote", "tab", "truncate"]))
def test_a_garbled_file_is_refused_cleanly(tmp_path_factory, capsys, line: int, how: str) -> None:
    path = tmp_path_factory.mktemp("g") / "s.yaml"
    base = os.path.relpath(ROOT / "scenarios/baseline.yaml", path.parent)
    lines = (ROOT / "scenarios/double11.yaml").read_text(encoding="utf-8").replace(
        "extends: baseline.yaml", f"extends: {base}").splitlines()
    i = line % len(lines)
    text = lines[i]
    lines[i:i + 1] = {"delete": [], "duplicate": [text, text], "indent": ["  " + text],
                      "dedent": [text.lstrip()], "colon": [text.replace(":", "", 1)],
                      "quote": ['"' + text], "tab": ["\t" + text], "truncate": [text[: len(text) // 2]]}[how]
    path.write_text("\n".join(lines), encoding="utf-8")
    code = main(["check", str(path)])
    _expect_clean(code, capsys.readouterr().err)
