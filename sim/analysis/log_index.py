"""One log indexed for the windows: rows by activity and by case.

Shared by every window of a log (``sim.analysis.windows``), the missed
cases' time budgets and the planner's workload. Rows are found by comparing
the activity's code over the log once (``find`` does several activities in
one pass); what is known per case (its ``case_end``, whether it is among a
window's missed cases) is a table indexed by a dense case number, not a
sort of the rows by case.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.analysis.grouping import distinct, group_min, stable_order
from sim.log.records import EventLog

__all__ = ["LogIndex", "case_keys", "sorted_words"]


def sorted_words(log: EventLog, name: str, rows: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Text column ``name``'s codes at ``rows`` and the values they hold,
    sorted, with their codes: what ``log.sorted_codes`` numbers, by a
    table of the codes present (a sort of the rows took ten times as long)."""
    codes = log.arrays[name][rows]
    present = np.flatnonzero(np.bincount(codes, minlength=len(log.words))) if codes.size \
        else np.zeros(0, np.int64)
    return codes, sorted((log.words[c], c) for c in map(int, present))


def case_keys(replication: np.ndarray, case_id: np.ndarray) -> np.ndarray:
    """One int64 per (replication, case): case ids restart in each replication."""
    return (np.asarray(replication, dtype=np.int64) << 32) | np.asarray(case_id, dtype=np.int64)


class LogIndex:
    """Masks and keys of one log, computed once and shared by all windows.

    Cases are also numbered densely (``case_no``: replication index times
    the widest case id, plus the case id), so that what is known per case
    is a table looked up by that number, not a sort of the rows by case."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        rep, case_id = log.arrays["replication"], log.arrays["case_id"]
        self._keys: np.ndarray | None = None
        self.rep_ids = distinct(rep)
        self._width = int(case_id.max()) + 1 if case_id.size else 1
        self._activity: dict[str, np.ndarray] = {}
        self._workflows: dict[tuple[str, ...], np.ndarray] = {}
        self._numbers: np.ndarray | None = None
        self._case_end: dict[str, np.ndarray] = {}
        reps = int(log.meta.get("replications", 0) or 0)
        if reps < 1:
            reps = len(self.rep_ids)
        self.replications = max(reps, 1)

    @property
    def keys(self) -> np.ndarray:
        """Each row's case key (``case_keys``)."""
        if self._keys is None:
            self._keys = case_keys(self.log.arrays["replication"], self.log.arrays["case_id"])
        return self._keys

    def key_of(self, rows: np.ndarray) -> np.ndarray:
        """The case keys of ``rows`` (without keying the whole log)."""
        return case_keys(self.log.arrays["replication"][rows], self.log.arrays["case_id"][rows])

    @property
    def cases(self) -> int:
        """Size of the dense case numbering."""
        return max(self.rep_ids.size, 1) * self._width

    def case_no(self, rows: np.ndarray) -> np.ndarray:
        """The cases of ``rows``, numbered densely."""
        case_id = self.log.arrays["case_id"][rows]
        if self.rep_ids.size == 1:
            return case_id
        return np.searchsorted(self.rep_ids, self.log.arrays["replication"][rows]) * self._width \
            + case_id

    def number(self, keys: np.ndarray) -> np.ndarray:
        """The dense numbers of case ``keys`` (cases of this log)."""
        return np.searchsorted(self.rep_ids, keys >> 32) * self._width + (keys & 0xFFFFFFFF)

    def activity(self, name: str) -> np.ndarray:
        """Rows of activity ``name`` (a few per case: one comparison of
        integers over the log, then small arrays)."""
        if name not in self._activity:
            self._activity[name] = np.flatnonzero(self.log.arrays["activity"] == self.log.code(name))
        return self._activity[name]

    def find(self, names: Iterable[str]) -> None:
        """Find the rows of all these activities in one pass over the log
        (for :meth:`activity`; each alone is a pass of its own)."""
        todo = {name: self.log.code(name) for name in names if name not in self._activity}
        if len(todo) < 2:
            return
        col = self.log.arrays["activity"]
        wanted = np.zeros(len(self.log.words) + 1, bool)
        wanted[[c for c in todo.values() if c >= 0]] = True
        rows = np.flatnonzero(wanted[col])
        # The rows by activity (a radix pass, in log order within each), then
        # each activity's slice: not a comparison of all of them per activity.
        found = col[rows]
        order = stable_order(found, len(self.log.words))
        rows, found = rows[order], found[order]
        for name, code in todo.items():
            lo, hi = np.searchsorted(found, [code, code + 1])
            self._activity[name] = rows[lo:hi]

    def edge(self, name: str, edge: str, names: tuple[str, ...]) -> np.ndarray:
        """Rows of activity ``name`` in workflows ``names`` that can mark its
        ``edge``. A preempted step's earlier stretches (outcome
        ``preempted``) end when it was interrupted, not when it was done, so
        they never mark an ``end``; its first stretch still marks ``enable``
        and ``start``. Nor does a step nobody did: a customer who left
        (``abandoned``), work a platform timer withdrew (``withdrawn``) or a
        duty due again before anyone started it (``skipped``)."""
        rows = self.activity(name)
        rows = rows[self.log.isin("workflow", *names, rows=rows)]
        if edge == "end":
            rows = rows[~self.log.isin("outcome", "preempted", "withdrawn", "abandoned", "skipped",
                                       rows=rows)]
        return rows

    def workflows(self, names: tuple[str, ...]) -> np.ndarray:
        if names not in self._workflows:
            self._workflows[names] = self.log.isin("workflow", *names)
        return self._workflows[names]

    def case_end(self, keys: np.ndarray, marker: str = "case_end") -> np.ndarray:
        """Time of each case's first ``marker`` (its ``case_end``, or a
        platform act; cases of this log, by key); NaN while it has none."""
        if marker not in self._case_end:
            rows = self.activity(marker)
            t = self.log.arrays["end_time"][rows]
            has = ~np.isnan(t)  # as ``np.fmin.at``: a NaN is no time
            table = group_min(self.case_no(rows[has]), t[has], self.cases)
            table[np.isinf(table)] = np.nan
            self._case_end[marker] = table
        return self._case_end[marker][self.number(keys)]

    def rows_of(self, names: tuple[str, ...], keys: np.ndarray,
                among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows of these workflows whose case key is in ``keys`` (distinct:
        a window's cases), by the case's position in ``keys``, then in log
        order, and that position (``np.searchsorted(keys, key)`` for sorted
        keys); only rows ``among`` selects, if given. Masks over the whole
        log (one look-up of each row's case in a table of the chosen ones,
        then ``and``s), not the workflows' rows gathered and filtered, and
        one radix pass by position: a third of the time."""
        chosen = np.zeros(self.cases, bool)
        chosen[self.number(keys)] = True
        mask = chosen[self.all_numbers]  # a gather of bytes over the log, positions for its rows only
        mask &= self.workflows(names)
        if among is not None:
            mask &= among
        rows = np.flatnonzero(mask)
        case = self.positions(keys)[self.case_no(rows)]
        order = stable_order(case, keys.size)
        return rows[order], case[order]

    def positions(self, keys: np.ndarray) -> np.ndarray:
        """A table by case number: each case's position in ``keys``
        (distinct case keys of this log), -1 for the cases not in them."""
        position = np.full(self.cases, -1, np.int64)
        position[self.number(keys)] = np.arange(keys.size)
        return position

    @property
    def all_numbers(self) -> np.ndarray:
        """Every row's case, numbered densely (``case_no`` of the whole log)."""
        if self._numbers is None:
            case_id = self.log.arrays["case_id"]
            self._numbers = case_id if self.rep_ids.size == 1 else self.case_no(np.arange(case_id.size))
        return self._numbers
