"""Service windows measured on the event log: did each case meet its window,
how sure are we across replications, and how did compliance move by day.

Everything here reads the :class:`~sim.log.records.EventLog` and the scenario's
rules and calendars, never the engine. A window's population is every case
of its workflows with a start point (and the ``only_if`` activity, and a
start inside ``active_hours``). A case whose end is missing at the horizon
is *open*: missed once the horizon is past its deadline, otherwise
*open_not_due*, which is kept out of the met share but reported. A case that
ended without reaching the end point (a chat the customer abandoned) is
*unreached* and missed; its time runs to the case's end, or to the
platform's act for a window whose timer settles it (``then: resume`` or
``end``: the case goes on elsewhere, e.g. after an automatic agreement, or ends).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from rules.calendar import DayKinds
from rules.scenario import Scenario
from rules.windows import ServiceWindow
from sim.analysis.clocks import in_active_hours, window_deadlines, working_flags
from sim.analysis.grouping import group_min, stable_order
from sim.analysis.log_index import LogIndex
from sim.analysis.window_stats import Z95, met_interval, t_interval, verdict, wilson
from sim.log.records import EventLog

__all__ = ["Z95", "LogIndex", "WindowCases", "all_window_cases", "concat_cases",
           "evaluate_windows", "met_interval", "t_interval", "verdict", "wilson", "window_cases"]

EDGE_COLUMN = {"enabled": "enable_time", "start": "start_time", "end": "end_time"}
EPS = 1e-9


@dataclass(frozen=True)
class WindowCases:
    """The population of one window: one entry per case."""
    key: np.ndarray
    #: The case's workflow: int16 codes, positions in the window's own
    #: ``workflows`` (the scenario's, the same in every replication: parts
    #: concatenate as they are); decoded only where text is shown.
    workflow: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NaN: open at the horizon
    deadline: np.ndarray
    horizon: float
    #: The case's end (``case_end``), or the platform's act if sooner on a
    #: case that never reached the end point; NaN while the case is open.
    closed: np.ndarray | None = None
    #: Cases with a start that have not reached ``only_if`` yet and are still
    #: open: they may still join the population (total over replications).
    pending_only_if: int = 0
    #: The window's ``customer_view``: its start (NaN: the case has none)
    #: and the deadline from it; None when the window has no such view.
    view_start: np.ndarray | None = None
    view_deadline: np.ndarray | None = None

    def where(self, mask: np.ndarray) -> WindowCases:
        """The cases ``mask`` selects (cases still waiting for ``only_if``
        are not told apart, so none are kept)."""
        vs, vd = self.view_start, self.view_deadline
        return WindowCases(self.key[mask], self.workflow[mask], self.start[mask], self.end[mask],
                           self.deadline[mask], self.horizon, self._closed[mask], 0,
                           None if vs is None else vs[mask], None if vd is None else vd[mask])

    def customer_view(self) -> WindowCases | None:
        """The cases with a view start, measured from it to the same end."""
        if self.view_start is None or self.view_deadline is None:
            return None
        has = ~np.isnan(self.view_start)
        return WindowCases(self.key[has], self.workflow[has], self.view_start[has],
                           self.end[has], self.view_deadline[has], self.horizon,
                           self._closed[has], 0)

    @property
    def replication(self) -> np.ndarray:
        return self.key >> 32

    @property
    def case_id(self) -> np.ndarray:
        return self.key & 0xFFFFFFFF

    @property
    def _closed(self) -> np.ndarray:
        return np.full(self.key.size, np.nan) if self.closed is None else self.closed

    @property
    def unreached(self) -> np.ndarray:
        """Ended without reaching the end point."""
        return np.isnan(self.end) & ~np.isnan(self._closed)

    @property
    def open(self) -> np.ndarray:
        """Neither reached the end point nor ended by the horizon."""
        return np.isnan(self.end) & np.isnan(self._closed)

    @property
    def met(self) -> np.ndarray:
        return ~np.isnan(self.end) & (self.end <= self.deadline + EPS)

    @property
    def missed(self) -> np.ndarray:
        late = ~np.isnan(self.end) & (self.end > self.deadline + EPS)
        return late | self.unreached | (self.open & (self.horizon > self.deadline + EPS))

    @property
    def open_not_due(self) -> np.ndarray:
        return self.open & ~(self.horizon > self.deadline + EPS)

    @property
    def stop(self) -> np.ndarray:
        """End point; the case's end (or the platform's act) when unreached;
        the horizon when open."""
        return np.where(self.open, self.horizon, np.where(self.unreached, self._closed, self.end))

    @property
    def hours(self) -> np.ndarray:
        return self.stop - self.start


def first_per_case(keys: np.ndarray, times: np.ndarray, numbers: np.ndarray | None = None,
                   cases: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unique keys, the earliest time of each (NaN only if all are)
    and the position of that earliest entry in the input. ``numbers``: the
    keys' dense case numbers below ``cases`` (``LogIndex.case_no``), if
    known: the order by key is then one stable sort of the times and a
    radix pass by number, the order ``lexsort`` gives in half its time."""
    if numbers is None:
        order = np.lexsort((times, keys))
    else:
        order = np.argsort(times, kind="stable")
        order = order[stable_order(numbers[order], cases)]
    k = keys[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return k[first], times[order][first], order[first]


def window_cases(s: Scenario, log: EventLog, wid: str, index: LogIndex | None = None,
                 working: np.ndarray | None = None) -> WindowCases:
    """Start, end and deadline of every case in window ``wid``'s population."""
    w = s.service_windows[wid]
    ix = index or LogIndex(log)
    c = log.arrays
    names = tuple(w.workflows)
    rows = ix.edge(w.start.activity, w.start.edge, names)
    keys, start, pos = first_per_case(ix.key_of(rows), c[EDGE_COLUMN[w.start.edge]][rows],
                                      ix.case_no(rows), ix.cases)
    workflow = workflow_codes(log, names)[c["workflow"][rows[pos]]]
    keep = ~np.isnan(start) & in_active_hours(start, w.active_hours)
    closed = ix.case_end(keys)
    pending = 0
    if w.only_if is not None:
        reached = np.isin(keys, ix.key_of(ix.edge(w.only_if, "enabled", names)))
        pending = int(np.count_nonzero(keep & ~reached & np.isnan(closed)))
        keep &= reached
    keys, start, workflow, closed = keys[keep], start[keep], workflow[keep], closed[keep]
    end = _ends(ix, c, w, keys, start)
    if w.timer is not None and w.timer.then != "continue":
        # The platform acted on a case that never reached the end point: the
        # window is settled then, whatever the case does afterwards (a case
        # that goes on after a charge still has the end point to reach).
        act = ix.case_end(keys, w.timer.action)
        closed = np.where(np.isnan(end) & ~np.isnan(act), np.fmin(closed, act), closed)
    if w.clock == "working_days" and working is None:
        working = _working_for(s, [w])
    due = window_deadlines(s, w, start, working)
    view_start = view_due = None
    if w.customer_view is not None:
        view = w.customer_view
        rows = ix.edge(view.activity, view.edge, names)
        vk, vt, _ = first_per_case(ix.key_of(rows), c[EDGE_COLUMN[view.edge]][rows])
        view_start = np.full(keys.size, np.nan)
        pos = np.clip(np.searchsorted(vk, keys), 0, max(vk.size - 1, 0))
        hit = (vk[pos] == keys) if vk.size else np.zeros(keys.size, dtype=bool)
        view_start[hit] = vt[pos[hit]]
        view_due = window_deadlines(s, w, view_start, working)
    return WindowCases(keys, workflow, start, end, due, log.horizon_hours, closed, pending,
                       view_start, view_due)


def workflow_codes(log: EventLog, names: tuple[str, ...]) -> np.ndarray:
    """A table from the log's codes to positions in ``names`` (-1: another
    workflow), for :attr:`WindowCases.workflow`."""
    table = np.full(len(log.words), -1, np.int16)
    for i, name in enumerate(names):
        if (code := log.code(name)) >= 0:
            table[code] = i
    return table


def _ends(ix: LogIndex, c: dict, w: ServiceWindow, keys: np.ndarray,
          start: np.ndarray) -> np.ndarray:
    """Earliest end point at or after each case's start; NaN if none."""
    end = np.full(keys.size, np.nan)
    rows = ix.edge(w.end.activity, w.end.edge, tuple(w.workflows))
    if rows.size == 0 or keys.size == 0:
        return end
    t = c[EDGE_COLUMN[w.end.edge]][rows]
    pos = ix.positions(keys)[ix.case_no(rows)]  # -1: a case not among ``keys``
    ok = (pos >= 0) & ~np.isnan(t)
    ok[ok] &= t[ok] >= start[pos[ok]] - EPS
    earliest = group_min(pos[ok], t[ok], keys.size)  # a case's earliest is its minimum
    found = earliest < np.inf
    end[found] = earliest[found]
    return end


def _working_for(s: Scenario, windows: list[ServiceWindow]) -> np.ndarray | None:
    days = [math.ceil(w.limit) for w in windows if w.clock == "working_days"]
    if not days:
        return None
    flags, _ = working_flags(DayKinds(s.calendars.holidays), s.horizon.start,
                             s.horizon.days + 2 * max(days) + 40)
    return flags


def _r(x: float, nd: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def summarize_window(s: Scenario, wid: str, wc: WindowCases, reps: int) -> dict:
    """The summary of one window (see :func:`evaluate_windows`)."""
    w = s.service_windows[wid]
    target = s.targets.get(wid)
    n = wc.key.size
    due = int(np.count_nonzero(~wc.open_not_due))
    n_met = int(np.count_nonzero(wc.met))
    n_missed = int(np.count_nonzero(wc.missed))
    ci, method = met_interval(wc, reps) if due else ((math.nan, math.nan), "none")
    hours = wc.hours
    out = {
        "name_zh": w.name_zh,
        "owner": w.owner,
        "clock": w.clock,
        "limit": w.limit,
        "limit_hours": w.limit_hours,
        "cases": _r(n / reps, 2),
        "due": _r(due / reps, 2),
        "met": _r(n_met / due) if due else None,
        "met_ci95": [_r(ci[0]), _r(ci[1])] if due else None,
        "ci_method": method,
        "p50_hours": _r(np.percentile(hours, 50), 2) if n else None,
        "p95_hours": _r(np.percentile(hours, 95), 2) if n else None,
        "max_hours": _r(hours.max(), 2) if n else None,
        "target": target,
        "verdict": verdict(ci, target, due),
        "open": _r(np.count_nonzero(wc.open) / reps, 2),
        "unreached": _r(np.count_nonzero(wc.unreached) / reps, 2),
        "open_not_due": _r(np.count_nonzero(wc.open_not_due) / reps, 2),
        "missed": _r(n_missed / reps, 2),
        "counts_are": "mean per replication",
    }
    if w.only_if is not None:
        out["pending_only_if"] = _r(wc.pending_only_if / reps, 2)
    if s.periods:
        out["periods"] = {name: _period(s, wc, reps, target, p.start, p.end)
                          for name, p in s.periods.items()}
    if w.owner == "platform":
        out["breaches_per_replication"] = _r(n_missed / reps, 2)
        out["on_breach"] = w.on_breach
    view = wc.customer_view()
    if view is not None and w.customer_view is not None:
        out["customer_view"] = {"from": {"activity": w.customer_view.activity,
                                         "edge": w.customer_view.edge}, **_view(view, reps)}
    if w.service_hours_view is not None:
        inside = wc.where(in_active_hours(wc.start, w.service_hours_view))
        out["service_hours_view"] = {"hours": list(w.service_hours_view), **_view(inside, reps)}
    return out


def _view(wc: WindowCases, reps: int) -> dict:
    """The window over another population: measured from the customer's
    event, or over the starts inside the service hours."""
    due = int(np.count_nonzero(~wc.open_not_due))
    ci, method = met_interval(wc, reps) if due else ((math.nan, math.nan), "none")
    hours = wc.hours
    return {"cases": _r(wc.key.size / reps, 2), "due": _r(due / reps, 2),
            "met": _r(np.count_nonzero(wc.met) / due) if due else None,
            "met_ci95": [_r(ci[0]), _r(ci[1])] if due else None, "ci_method": method,
            "p50_hours": _r(np.percentile(hours, 50), 2) if wc.key.size else None,
            "p95_hours": _r(np.percentile(hours, 95), 2) if wc.key.size else None}


def _period(s: Scenario, wc: WindowCases, reps: int, target: float | None, first: dt.date,
            last: dt.date) -> dict:
    """The verdict on the cases that started from ``first`` to ``last``."""
    lo = (first - s.horizon.start).days * 24.0
    hi = (last - s.horizon.start).days * 24.0 + 24.0
    mine = wc.where((wc.start >= lo) & (wc.start < hi))
    due = int(np.count_nonzero(~mine.open_not_due))
    ci, method = met_interval(mine, reps) if due else ((math.nan, math.nan), "none")
    return {
        "start": first.isoformat(), "end": last.isoformat(),
        "cases": _r(mine.key.size / reps, 2), "due": _r(due / reps, 2),
        "met": _r(np.count_nonzero(mine.met) / due) if due else None,
        "met_ci95": [_r(ci[0]), _r(ci[1])] if due else None,
        "ci_method": method, "verdict": verdict(ci, target, due),
    }


def all_window_cases(s: Scenario, log: EventLog) -> tuple[dict[str, WindowCases], LogIndex]:
    """Every window's population, sharing one index of the log."""
    ix = LogIndex(log)
    ix.find(["case_end", *(a for w in s.service_windows.values()
                           for a in (w.start.activity, w.end.activity, w.only_if,
                                     w.customer_view and w.customer_view.activity) if a)])
    working = _working_for(s, list(s.service_windows.values()))
    return {wid: window_cases(s, log, wid, ix, working) for wid in s.service_windows}, ix


def evaluate_windows(s: Scenario, log: EventLog, cases: dict[str, WindowCases] | None = None,
                     index: LogIndex | None = None) -> dict:
    """Per window: cases and open/missed counts (mean per replication), the
    pooled met share with its 95% interval, hours from start to end (to the
    horizon when open), the target and the verdict."""
    if cases is None:
        cases, index = all_window_cases(s, log)
    return windows_of_cases(s, cases, (index or LogIndex(log)).replications)


def windows_of_cases(s: Scenario, cases: dict[str, WindowCases], reps: int) -> dict:
    """:func:`evaluate_windows` from the windows' populations alone (for
    populations gathered replication by replication, without a log)."""
    return {wid: summarize_window(s, wid, wc, reps) for wid, wc in cases.items()}


def concat_cases(parts: list[WindowCases]) -> WindowCases:
    """One population of several (replications reduced one by one: their
    keys carry the replication, so they never collide)."""
    views = [p.view_start for p in parts]
    dues = [p.view_deadline for p in parts]
    return WindowCases(
        key=np.concatenate([p.key for p in parts]),
        workflow=np.concatenate([p.workflow for p in parts]),
        start=np.concatenate([p.start for p in parts]),
        end=np.concatenate([p.end for p in parts]),
        deadline=np.concatenate([p.deadline for p in parts]),
        horizon=parts[0].horizon,
        closed=np.concatenate([p._closed for p in parts]),
        pending_only_if=sum(p.pending_only_if for p in parts),
        view_start=None if any(v is None for v in views) else np.concatenate(views),  # type: ignore[arg-type]
        view_deadline=None if any(d is None for d in dues) else np.concatenate(dues))  # type: ignore[arg-type]
