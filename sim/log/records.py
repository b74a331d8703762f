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
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.log.vocabulary import CODE, Vocabulary, decoder, first_seen, in_order

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

_DTYPES: dict[str, type] = {"int": np.int64, "time": float, "text": CODE}


def _dtype(name: str) -> type:
    """The array type of a column: int64, float hours, or int32 codes."""
    return _DTYPES[_FIELD_TYPES[name]]


_FIELD_TYPES = {f.name: f.type for f in FIELDS}
#: ``struct`` formats of the columns a batch packs (``LogBuilder.add_coded``).
_PACKED = {name: {"int": "q", "time": "d", "text": "i"}[kind] for name, kind in _FIELD_TYPES.items()}

#: What the engine appends on its hot path: a plain tuple in ``COLUMNS``
#: order (a Record without the named-tuple overhead), built by ``sim.cases.rows``.
Row = tuple


class Decoded(Mapping[str, np.ndarray]):
    """A log's columns with the text decoded (object arrays of str), each
    decoded once when first read: what ``EventLog.columns`` gives callers
    that want strings. The analysis reads ``EventLog.arrays`` (codes)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._text: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in TEXT_COLUMNS:
            return self._log.arrays[name]
        if name not in self._text:
            self._text[name] = self._log.text(name)
        return self._text[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._log.arrays)

    def __len__(self) -> int:
        return len(self._log.arrays)


@dataclass
class EventLog:
    """Column-oriented view of many records, plus the calendar it lives in.

    ``arrays`` holds the columns: ints, float hours, and for the text
    columns int32 codes into ``words`` (one vocabulary for all of them,
    ``sim.log.vocabulary``). ``columns`` gives the same columns with the
    text decoded, for callers that want strings; :meth:`code` looks a
    value's code up once, so a comparison is one of integers
    (``log.arrays["activity"] == log.code("case_start")``). Text columns
    given as strings (object arrays) are coded when the log is made.
    """
    epoch: dt.datetime
    horizon_hours: float
    arrays: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)
    words: Sequence[str] = ()

    def __post_init__(self) -> None:
        vocab: Vocabulary | None = None
        for name in TEXT_COLUMNS:
            col = self.arrays.get(name)
            if col is not None and col.dtype.kind in "OUS":
                vocab = vocab or Vocabulary(self.words)
                self.arrays[name] = vocab.encode(col.tolist())
        if vocab is not None:
            self.words = vocab.words
        self.words = tuple(self.words)
        self._index: dict[str, int] | None = None
        self._decoder: np.ndarray | None = None

    @classmethod
    def from_records(cls, records: Iterable[Row], epoch: dt.datetime,
                     horizon_hours: float, meta: dict | None = None) -> EventLog:
        """A log of records (``Record``s or tuples in ``COLUMNS`` order)."""
        rows = list(records)
        builder = LogBuilder(len(rows))
        builder.add(rows)
        return builder.build(epoch, horizon_hours, meta)

    @classmethod
    def concat(cls, logs: list[EventLog], meta: dict | None = None) -> EventLog:
        """One log of several with the same calendar (chunks, replications);
        each one's codes are translated into the first's vocabulary, extended."""
        first = logs[0]
        builder = LogBuilder(sum(len(log) for log in logs), first.words)
        for log in logs:
            builder.add_log(log)
        return builder.build(first.epoch, first.horizon_hours,
                             first.meta if meta is None else meta)

    @property
    def columns(self) -> Decoded:
        """The columns with the text as strings (decoded on first read)."""
        return Decoded(self)

    def code(self, word: str) -> int:
        """The code of a text value in this log; -1 (matching no cell) if no
        column holds it."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index.get(word, -1)

    def codes(self, *words: str) -> list[int]:
        """The codes of these values that the log holds."""
        return [c for c in map(self.code, words) if c >= 0]

    def isin(self, name: str, *words: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Whether text column ``name`` (its ``rows``) holds one of ``words``:
        one lookup in a table by code (``np.isin`` of the codes made
        several passes and temporaries: ten times as long)."""
        table = np.zeros(len(self.words) + 1, bool)
        table[self.codes(*words)] = True
        codes = self.arrays[name]
        return table[codes if rows is None else codes[rows]]

    def text(self, name: str, rows: np.ndarray | slice | None = None) -> np.ndarray:
        """Text column ``name`` (its ``rows``) decoded: an object array of str."""
        if self._decoder is None:
            self._decoder = decoder(self.words)
        codes = self.arrays[name]
        return self._decoder[codes if rows is None else codes[rows]]

    def factorize(self, name: str, rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
        """Text column ``name`` (its ``rows``) as codes numbered in the order
        its values first occur, and those values (as factorizing the decoded
        column would give, computed on the codes)."""
        codes = self.arrays[name]
        return first_seen(codes if rows is None else codes[rows], self.words)

    def sorted_codes(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Text column ``name``'s ``rows`` as codes numbered in the sorted
        order of their values, and those values sorted."""
        return in_order(self.arrays[name][rows], self.words)

    def __len__(self) -> int:
        return len(self.arrays["case_id"])

    def where(self, mask: np.ndarray) -> EventLog:
        return EventLog(self.epoch, self.horizon_hours,
                        {k: v[mask] for k, v in self.arrays.items()}, self.meta, self.words)

    def records(self) -> list[Record]:
        columns = self.columns
        cols = [columns[c].tolist() for c in COLUMNS]
        return [Record(*row) for row in zip(*cols)]

    def timestamp(self, hours: float) -> dt.datetime:
        return self.epoch + dt.timedelta(hours=hours)


#: Where a builder's columns live: ``np.empty``'s ``(rows, dtype)``, or
#: memory another process reads too (``sim.runs.log_stream``).
Allocate = Callable[[int, np.dtype], np.ndarray]


class LogBuilder:
    """Column arrays filled batch by batch while a run goes on.

    Each batch of rows is written straight into its place in arrays with
    room to spare (grown by half when full), while the rows are still in the
    CPU's cache; the run then ends without a final concatenation of cold
    chunks (at 10x Double 11 that copy alone cost 1.5 s). ``expected`` rows
    are room for a first guess. Text is coded as it comes, into the
    builder's vocabulary (which starts with ``words``). ``alloc`` makes
    the arrays (``np.empty`` by default).
    """

    def __init__(self, expected: int = 1 << 16, words: Iterable[str] = (),
                 vocab: Vocabulary | None = None, alloc: Allocate | None = None) -> None:
        if expected < 0:
            raise ValueError('"expected" must be >= 0.')
        self.size = 0
        self.vocab = Vocabulary(words) if vocab is None else vocab
        self._alloc: Allocate = np.empty if alloc is None else alloc
        self.columns: dict[str, np.ndarray] = {c: self._alloc(max(expected, 1024), np.dtype(_dtype(c)))
                                               for c in COLUMNS}

    def __len__(self) -> int:
        return self.size

    def _reserve(self, n: int) -> tuple[int, int]:
        """The slice ``n`` more rows will fill, the arrays grown to hold it."""
        lo, hi = self.size, self.size + n
        if hi > len(self.columns["case_id"]):
            self._grow(hi)
        return lo, hi

    def add(self, rows: list[Row]) -> None:
        """Append ``rows`` (tuples in ``COLUMNS`` order)."""
        n = len(rows)
        if not n:
            return
        lo, hi = self._reserve(n)
        code = self.vocab.__getitem__
        for name, values in zip(COLUMNS, zip(*rows)):
            if name in TEXT_COLUMNS:
                self.columns[name][lo:hi] = np.fromiter(map(code, values), CODE, n)
            else:
                self.columns[name][lo:hi] = values
        self.size = hi

    def add_coded(self, rows: list[Row]) -> None:
        """Append ``rows`` whose text fields are already codes of the
        builder's vocabulary (the engine's: ``sim.cases.rows``).

        Each column goes through ``struct``, which converts a tuple of
        Python numbers to C values in one call, a third faster than
        numpy's conversion of the tuple (and in fewer instructions than
        copying object pointers was)."""
        n = len(rows)
        if not n:
            return
        lo, hi = self._reserve(n)
        for name, values in zip(COLUMNS, zip(*rows)):
            col = self.columns[name]
            col[lo:hi] = np.frombuffer(struct.pack(f"={n}{_PACKED[name]}", *values), col.dtype)
        self.size = hi

    def add_log(self, log: EventLog) -> None:
        """Append every record of ``log`` (a replication's log, as it comes
        in: the caller can then drop it, so a run never holds its
        replications twice, once apart and once together); its codes are
        translated into the builder's vocabulary."""
        n = len(log)
        lo, hi = self.size, self.size + n
        if hi > len(self.columns["case_id"]):
            self._grow(hi)
        same = list(log.words) == self.vocab.words[:len(log.words)]
        remap = None if same else self.vocab.encode(list(log.words))
        for name in COLUMNS:
            values = log.arrays[name]
            if remap is not None and name in TEXT_COLUMNS:
                values = remap[values]
            self.columns[name][lo:hi] = values
        self.size = hi

    def _grow(self, need: int) -> None:
        room = max(need, len(self.columns["case_id"]) * 3 // 2)
        for name, col in self.columns.items():
            bigger = self._alloc(room, col.dtype)
            bigger[:self.size] = col[:self.size]
            self.columns[name] = bigger

    def build(self, epoch: dt.datetime, horizon_hours: float, meta: dict | None = None) -> EventLog:
        """The log so far: views of the builder's arrays, or copies when more
        than half of the room is unused (memory over a copy's cost)."""
        n = self.size
        trim = len(self.columns["case_id"]) > 2 * n + 1024
        cols = {c: (a[:n].copy() if trim else a[:n]) for c, a in self.columns.items()}
        return EventLog(epoch, horizon_hours, cols, dict(meta or {}), tuple(self.vocab.words))
