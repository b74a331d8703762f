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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from sim.staff import Task

NAN = math.nan

#: Column order of ``events.csv`` (process-mining tools read case_id,
#: activity, resource and the three timestamps).
COLUMNS: tuple[str, ...] = (
    "replication", "case_id", "workflow", "activity", "kind", "role", "resource",
    "enable_time", "start_time", "end_time", "outcome", "priority",
)
TIME_COLUMNS = ("enable_time", "start_time", "end_time")


class Record(NamedTuple):
    """One thing that happened. ``kind`` is the step kind, ``case`` for the
    ``case_start``/``case_end`` markers, or ``duty`` for recurring duties;
    ``role`` is a role id, or the outside party's id for ``wait`` steps;
    ``resource`` names the member(s), e.g. ``designer#3``."""
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


_INT_COLUMNS = ("replication", "case_id", "priority")


def _dtype(name: str) -> type:
    """The array type of a column: floats for times, int64, else strings (object)."""
    if name in TIME_COLUMNS:
        return float
    return np.int64 if name in _INT_COLUMNS else object


#: What the engine appends on its hot path: a plain tuple in ``COLUMNS``
#: order (a Record without the named-tuple overhead).
Row = tuple


def task_rows(rep: int, cid: int, wf: str, activity: str, kind: str, role: str, task: Task,
              enable: float, end: float, outcome: str, priority: int) -> list[Row]:
    """The records of one staff task. A task cut short by preemption leaves
    one record per stretch of work (outcome ``preempted`` for all but the
    last), each enabled when the one before was interrupted: busy time, waits
    and a member's concurrency then add up as they happened."""
    rows: list[Row] = []
    start = task.start
    if task.stretches:
        for name, a, b in task.stretches:
            rows.append((rep, cid, wf, activity, kind, role, name, enable, a, b, "preempted",
                         priority))
            enable = b
        start = task.resumed  # NaN while it waits in line again
    name = task.member.name if task.member is not None and start == start else ""
    rows.append((rep, cid, wf, activity, kind, role, name, enable, start, end, outcome, priority))
    return rows


@dataclass
class EventLog:
    """Column-oriented view of many records, plus the calendar it lives in."""
    epoch: dt.datetime
    horizon_hours: float
    columns: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Row], epoch: dt.datetime,
                     horizon_hours: float, meta: dict | None = None) -> "EventLog":
        rows = list(records)
        columns = list(zip(*rows)) if rows else [()] * len(COLUMNS)
        cols = {name: np.asarray(values, dtype=_dtype(name)) for name, values in zip(COLUMNS, columns)}
        return cls(epoch, horizon_hours, cols, dict(meta or {}))

    @classmethod
    def concat(cls, logs: list["EventLog"], meta: dict | None = None) -> "EventLog":
        """One log of several with the same calendar (chunks, replications)."""
        first = logs[0]
        cols = {c: np.concatenate([log.columns[c] for log in logs]) for c in COLUMNS}
        return cls(first.epoch, first.horizon_hours, cols, dict(first.meta if meta is None else meta))

    def __len__(self) -> int:
        return len(self.columns["case_id"])

    def where(self, mask: np.ndarray) -> "EventLog":
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
        self.columns = {c: np.empty(max(expected, 1024), dtype=_dtype(c)) for c in COLUMNS}

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
