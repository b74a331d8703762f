"""The event log: immutable records of what happened, and nothing else.

The engine appends one :class:`Record` per step of a case (and per duty and
case boundary). Analysis, windows, KPIs and plots read an :class:`EventLog`,
never the engine, so a saved run can be re-analysed without re-simulating.

Times are float hours since ``epoch`` (00:00 of the horizon's first day,
China Standard Time, naive). A step still unfinished at the horizon has
``end_time`` NaN and outcome ``open``; one never started also has
``start_time`` NaN.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

NAN = math.nan


class Record(NamedTuple):
    """One thing that happened: the schema of the event log.

    The fields below, in this order, are the columns of ``events.csv`` and
    ``events.parquet`` (process-mining tools read ``case_id``, ``activity``,
    ``resource`` and the three timestamps); ``FIELDS`` gives each one's
    storage type and meaning. Every writer builds its rows through
    ``sim.cases.rows`` (in this order), every reader goes by these names.
    """
    replication: int
    case_id: int
    workflow: str
    activity: str
    kind: str
    role: str
    resource: str
    enable_time: float
    start_time: float
    end_time: float
    outcome: str
    priority: int


class Field(NamedTuple):
    """A column of the event log: its name, how it is stored (``int``: int64;
    ``time``: float hours since the epoch, NaN while open; ``text``: a
    string from a small vocabulary) and what it means."""
    name: str
    type: str
    meaning: str


#: The event log's columns, declared once: names and order are ``Record``'s.
FIELDS: tuple[Field, ...] = tuple(Field(name, kind, meaning) for name, (kind, meaning) in zip(
    Record._fields, (
        ("int", "the replication, from 0"),
        ("int", "the case, numbered from 1 in order of start within a replication"),
        ("text", "the workflow id (``duty`` for recurring duties)"),
        ("text", "the step id; ``case_start``/``case_end`` for a case's markers; the duty id"),
        ("text", "the step kind (work, approval, meeting, contest, wait, scheduled, "
                 "milestone, branch), ``case`` for the markers, ``duty`` for duties"),
        ("text", "the role id; the outside party for a wait; roles joined with + for a meeting"),
        ("text", "the member(s) who did it, e.g. designer#3, joined with + for several"),
        ("time", "when the step became ready (queued)"),
        ("time", "when staff started it; NaN if never started"),
        ("time", "when it finished; NaN while open at the horizon"),
        ("text", "done, approved, rejected, forced, the branch taken, abandoned, entry, "
                 "selected, ended, open or preempted"),
        ("int", "the step's priority (smaller is more urgent)"),
    ), strict=True))

COLUMNS: tuple[str, ...] = Record._fields
TIME_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "time")
INT_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "int")
TEXT_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "text")

_DTYPES: dict[str, type] = {"int": np.int64, "time": float, "text": object}


def _dtype(name: str) -> type:
    """The array type of a column: int64, float hours, or strings (object)."""
    return _DTYPES[_FIELD_TYPES[name]]


_FIELD_TYPES = {f.name: f.type for f in FIELDS}

#: What the engine appends on its hot path: a plain tuple in ``COLUMNS``
#: order (a Record without the named-tuple overhead), built by ``sim.cases.rows``.
Row = tuple


@dataclass
class EventLog:
    """Column-oriented view of many records, plus the calendar it lives in."""
    epoch: dt.datetime
    horizon_hours: float
    columns: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Row], epoch: dt.datetime,
                     horizon_hours: float, meta: dict | None = None) -> EventLog:
        rows = list(records)
        columns = list(zip(*rows)) if rows else [()] * len(COLUMNS)
        cols: dict[str, np.ndarray] = {name: np.asarray(values, dtype=_dtype(name))
                                       for name, values in zip(COLUMNS, columns)}
        return cls(epoch, horizon_hours, cols, dict(meta or {}))

    @classmethod
    def concat(cls, logs: list[EventLog], meta: dict | None = None) -> EventLog:
        """One log of several with the same calendar (chunks, replications)."""
        first = logs[0]
        cols = {c: np.concatenate([log.columns[c] for log in logs]) for c in COLUMNS}
        return cls(first.epoch, first.horizon_hours, cols, dict(first.meta if meta is None else meta))

    def __len__(self) -> int:
        return len(self.columns["case_id"])

    def where(self, mask: np.ndarray) -> EventLog:
        return EventLog(self.epoch, self.horizon_hours,
                        {k: v[mask] for k, v in self.columns.items()}, self.meta)

    def records(self) -> list[Record]:
        cols = [self.columns[c] for c in COLUMNS]
        return [Record(*(col[i].item() if hasattr(col[i], "item") else col[i] for col in cols))
                for i in range(len(self))]

    def timestamp(self, hours: float) -> dt.datetime:
        return self.epoch + dt.timedelta(hours=hours)


class LogBuilder:
    """Column arrays filled batch by batch while a run goes on.

    Each batch of rows is written straight into its place in arrays with
    room to spare (grown by half when full), while the rows are still in the
    CPU's cache; the run then ends without a final concatenation of cold
    chunks (at 10x Double 11 that copy alone cost 1.5 s). ``expected`` rows
    are room for a first guess.
    """

    def __init__(self, expected: int = 1 << 16) -> None:
        if expected < 0:
            raise ValueError('"expected" must be >= 0.')
        self.size = 0
        self.columns: dict[str, np.ndarray] = {c: np.empty(max(expected, 1024), dtype=_dtype(c))
                                               for c in COLUMNS}

    def __len__(self) -> int:
        return self.size

    def add(self, rows: list[Row]) -> None:
        """Append ``rows`` (tuples in ``COLUMNS`` order)."""
        n = len(rows)
        if not n:
            return
        lo, hi = self.size, self.size + n
        if hi > len(self.columns["case_id"]):
            self._grow(hi)
        for name, values in zip(COLUMNS, zip(*rows)):
            self.columns[name][lo:hi] = values
        self.size = hi

    def add_log(self, log: EventLog) -> None:
        """Append every record of ``log`` (a replication's log, as it comes
        in: the caller can then drop it, so a run never holds its
        replications twice, once apart and once together)."""
        n = len(log)
        lo, hi = self.size, self.size + n
        if hi > len(self.columns["case_id"]):
            self._grow(hi)
        for name in COLUMNS:
            self.columns[name][lo:hi] = log.columns[name]
        self.size = hi

    def _grow(self, need: int) -> None:
        room = max(need, len(self.columns["case_id"]) * 3 // 2)
        for name, col in self.columns.items():
            bigger = np.empty(room, dtype=col.dtype)
            bigger[:self.size] = col[:self.size]
            self.columns[name] = bigger

    def build(self, epoch: dt.datetime, horizon_hours: float, meta: dict | None = None) -> EventLog:
        """The log so far: views of the builder's arrays, or copies when more
        than half of the room is unused (memory over a copy's cost)."""
        n = self.size
        trim = len(self.columns["case_id"]) > 2 * n + 1024
        cols = {c: (a[:n].copy() if trim else a[:n]) for c, a in self.columns.items()}
        return EventLog(epoch, horizon_hours, cols, dict(meta or {}))
