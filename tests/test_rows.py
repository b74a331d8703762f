"""The record schema is declared once, and every row is built in one place."""
from __future__ import annotations

import ast
import datetime as dt
import math
import typing
from pathlib import Path

import numpy as np

from sim.cases import rows
from sim.log.records import COLUMNS, FIELDS, INT_COLUMNS, TEXT_COLUMNS, TIME_COLUMNS, EventLog, Record
from sim.log.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
NAN = math.nan


def _same(a: tuple, b: tuple) -> bool:
    return all((x != x and y != y) or x == y for x, y in zip(a, b, strict=True))


def test_fields_are_the_records_fields_with_a_type_and_a_meaning() -> None:
    assert tuple(f.name for f in FIELDS) == Record._fields == COLUMNS
    hints = typing.get_type_hints(Record)
    python_type = {"int": int, "time": float, "text": str}
    for f in FIELDS:
        assert hints[f.name] is python_type[f.type], f.name
        assert len(f.meaning) > 10, f.name
    assert set(TIME_COLUMNS) | set(INT_COLUMNS) | set(TEXT_COLUMNS) == set(COLUMNS)


def _record(row: tuple, words: list[str]) -> Record:
    """A builder's row (text as codes) as a ``Record`` of strings."""
    return Record(*(words[x] if f.type == "text" else x for f, x in zip(FIELDS, row, strict=True)))


def test_builders_put_every_value_in_its_named_field() -> None:
    """The builders write codes of the replication's vocabulary, the
    engine's own words at fixed codes; decoded, each value is in its field."""
    vocab = Vocabulary(rows.WORDS)
    c, words = vocab.__getitem__, vocab.words
    assert [rows.WORDS[k] for k in (rows.EMPTY, rows.DONE, rows.CASE_END, rows.PREEMPTED,
                                    rows.FORCED)] == ["", "done", "case_end", "preempted", "forced"]
    assert _record(rows.row(1, 2, c("wf"), c("act"), rows.WORK, c("role"), c("m#1"), 1.0, 2.0,
                            3.0, rows.DONE, 4), words) == Record(
        replication=1, case_id=2, workflow="wf", activity="act", kind="work", role="role",
        resource="m#1", enable_time=1.0, start_time=2.0, end_time=3.0, outcome="done", priority=4)
    assert _record(rows.marker(0, 7, c("wf"), rows.CASE_START, 5.0, rows.DONE), words) == Record(
        replication=0, case_id=7, workflow="wf", activity="case_start", kind="case", role="",
        resource="", enable_time=5.0, start_time=5.0, end_time=5.0, outcome="done", priority=0)
    assert _record(rows.instant(0, 7, c("wf"), c("pick"), rows.BRANCH, 5.0, c("exchange"), 2),
                   words) == Record(
        replication=0, case_id=7, workflow="wf", activity="pick", kind="branch", role="",
        resource="", enable_time=5.0, start_time=5.0, end_time=5.0, outcome="exchange", priority=2)
    assert _record(rows.outside(0, 7, c("wf"), c("ship"), rows.WAIT, c("courier"), 5.0, 9.0, 2),
                   words) == Record(
        replication=0, case_id=7, workflow="wf", activity="ship", kind="wait", role="courier",
        resource="", enable_time=5.0, start_time=5.0, end_time=9.0, outcome="done", priority=2)
    left, end = rows.abandoned(0, 7, c("wf"), c("chat"), c("customer_service"), 5.0, 6.5, 1)
    assert _same(_record(left, words), Record(
        replication=0, case_id=7, workflow="wf", activity="chat", kind="work",
        role="customer_service", resource="", enable_time=5.0, start_time=NAN, end_time=6.5,
        outcome="abandoned", priority=1))
    assert end == rows.marker(0, 7, c("wf"), rows.CASE_END, 6.5, rows.ENDED)


def test_only_the_row_builders_spell_out_a_whole_record() -> None:
    """No module but ``sim/cases/rows.py`` writes a tuple literal as long as
    a record: writers go through the builders, readers through the names."""
    offenders = []
    for path in sorted(ROOT.glob("sim/**/*.py")):
        if path == ROOT / "sim/cases/rows.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and len(node.elts) == len(COLUMNS) and not (
                    all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
                    or all(isinstance(e, ast.Tuple) for e in node.elts)):  # names, FIELDS
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_log_stores_each_field_by_its_type() -> None:
    log = EventLog.from_records([(0, 1, "wf", "case_start", "case", "", "", 0.0, 0.0, 0.0, "done", 0)],
                                epoch=dt.datetime(2026, 10, 1),
                                horizon_hours=24.0)
    for f in FIELDS:
        kind = log.arrays[f.name].dtype
        assert kind == {"int": np.int64, "time": np.float64, "text": np.int32}[f.type], f.name
        # Decoded for callers that want strings.
        kind = log.columns[f.name].dtype
        assert kind == {"int": np.int64, "time": np.float64, "text": object}[f.type], f.name
