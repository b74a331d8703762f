"""The work each role met, day by day: what a staffing search reads of a run.

Per role and day of the horizon (a step counts on the day it was enabled,
the day its work arrived):

- ``work_hours``: person-hours of service (a shared conversation's duration
  over the role's concurrency: an agent holding five chats serves each at a
  fifth of a person; any other step takes the whole person), the load the
  role actually met;
- ``unserved_hours``: steps that never started (abandoned, or still waiting
  at the horizon), each at the mean person-hours of its activity in the same
  run: the work the staffing turned away, without which the load measured on
  a short-staffed run would understate the load offered;
- ``wait_hours``: hours the role's steps waited to start.

And per service window, role and day: the hours that the window's *missed*
cases spent waiting for the role, inside the window's span, on the day the
waiting step was enabled. That is where more staff would have saved a case.
The same hours by the hour of the horizon the waiting step was enabled
(``window_waits_by_hour``, days x 24 flattened): the planner compares them
with the hours its allowed shifts work, to say when the missed cases' waits
began while nobody it may add is on duty (a weekend, a night).

One replication at a time (``evaluation.reduce``), so a search never needs
the log after the replication ends; ``mean_workload`` averages replications.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rules.scenario import Scenario
from sim.analysis.log_index import sorted_words
from sim.analysis.slot_time import paused_hours
from sim.analysis.staffing import StaffLog
from sim.analysis.window_misses import overlap
from sim.analysis.windows import LogIndex, WindowCases
from sim.log.records import EventLog

__all__ = ["Workload", "mean_workload", "workload"]

STAFF_KINDS = ("work", "approval", "contest", "meeting", "duty")


@dataclass(frozen=True)
class Workload:
    """One replication's (or the mean of several) daily load per role."""
    #: role -> per-day arrays (length: days of the horizon).
    work_hours: dict[str, np.ndarray] = field(default_factory=dict)
    unserved_hours: dict[str, np.ndarray] = field(default_factory=dict)
    wait_hours: dict[str, np.ndarray] = field(default_factory=dict)
    #: window -> role -> per-day waiting hours of the window's missed cases.
    window_waits: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    #: window -> role -> the same hours by the hour of their step's enabling
    #: (length: days x 24).
    window_waits_by_hour: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain lists (rounded) for JSON."""
        def arr(a: np.ndarray) -> list[float]:
            return [round(float(x), 3) for x in a]
        return {"work_hours": {r: arr(a) for r, a in self.work_hours.items()},
                "unserved_hours": {r: arr(a) for r, a in self.unserved_hours.items()},
                "wait_hours": {r: arr(a) for r, a in self.wait_hours.items()},
                "window_waits": {w: {r: arr(a) for r, a in x.items()}
                                 for w, x in self.window_waits.items()},
                "window_waits_by_hour": {w: {r: arr(a) for r, a in x.items()}
                                         for w, x in self.window_waits_by_hour.items()}}


def workload(s: Scenario, log: EventLog, st: StaffLog, windows: dict[str, WindowCases],
             index: LogIndex) -> Workload:
    """The daily load of one replication's log (``st`` and ``windows`` are
    the reductions :func:`sim.analysis.evaluation.reduce` already made)."""
    days = max(st.days, 1)
    n_roles = len(st.roles)
    # One entry per (step, role): a meeting of two roles loads both.
    row, rid = st.role_row, st.role_id
    day = np.clip((st.enable[row] // 24.0).astype(np.int64), 0, days - 1)
    # Each role's concurrency on each day (calendars.concurrency), at least 1.
    conc = np.ones((n_roles, days))
    for r in range(n_roles):
        k = st.concurrency_by_day(r)[:days]
        conc[r, :k.size] = np.maximum(k, 1)
    started = st.started[row]
    share = np.where(st.whole[row], 1.0, conc[rid, day])
    # A conversation's time paused beside brief whole-member work is not its work.
    hours = np.where(started, st.end[row] - st.start[row] - paused_hours(st)[row], 0.0) / share
    cell = rid * days + day
    size = n_roles * days
    work = np.bincount(cell, weights=hours, minlength=size).reshape(n_roles, days)
    wait = np.bincount(cell, weights=st.wait[row], minlength=size).reshape(n_roles, days)
    # Work turned away: each step never started, at its activity's mean.
    # The activities' codes are the log's (a few hundred: no renumbering needed).
    act = st.activity.astype(np.int64)
    n_act = int(act.max()) + 1 if act.size else 1
    key = rid * n_act + act[row]
    sums = np.bincount(key[started], weights=hours[started], minlength=n_roles * n_act)
    counts = np.bincount(key[started], minlength=n_roles * n_act)
    mean = np.divide(sums, counts, out=np.zeros(sums.size), where=counts > 0)
    missing = ~started
    unserved = np.bincount(cell[missing], weights=mean[key[missing]],
                           minlength=size).reshape(n_roles, days)
    keep = [(i, r) for i, r in enumerate(st.roles) if r in s.org.roles]
    # The staff view's rows when it was made of this log (a pooled view keeps none).
    by_hour = _window_waits(s, log, windows, index, days,
                            st.rows if len(st.kind_codes) == len(log) else None)
    by_day = {w: {r: a.reshape(days, 24).sum(axis=1) for r, a in x.items()}
              for w, x in by_hour.items()}
    return Workload({r: work[i] for i, r in keep}, {r: unserved[i] for i, r in keep},
                    {r: wait[i] for i, r in keep}, by_day, by_hour)


def _window_waits(s: Scenario, log: EventLog, windows: dict[str, WindowCases],
                  ix: LogIndex, days: int, staff_rows: np.ndarray | None = None
                  ) -> dict[str, dict[str, np.ndarray]]:
    """``staff_rows``: the log's staff rows (``StaffLog.rows``), if known."""
    c = log.arrays
    H = float(log.horizon_hours)
    staff = None
    if windows and staff_rows is not None:  # the staff view's rows: no pass over the kinds
        staff = np.zeros(len(log), bool)
        staff[staff_rows] = True
    elif windows:
        staff = log.isin("kind", *STAFF_KINDS)
    out: dict[str, dict[str, np.ndarray]] = {}
    for wid, wc in windows.items():
        missed = wc.missed
        out[wid] = {}
        if not missed.any():
            continue
        keys, lo, hi = wc.key[missed], wc.start[missed], wc.stop[missed]
        order = np.argsort(keys, kind="stable")
        keys, lo, hi = keys[order], lo[order], hi[order]
        rows, case = ix.rows_of(tuple(s.service_windows[wid].workflows), keys, staff)
        enable = c["enable_time"][rows]
        started = np.nan_to_num(c["start_time"][rows], nan=H, copy=False)  # a gather: its own copy
        hours = overlap(lo[case], hi[case], enable, started)
        hour = np.clip(enable.astype(np.int64), 0, max(days * 24 - 1, 0))
        code, names = sorted_words(log, "role", rows)
        for name, i in names:
            pick = code == i
            for role in name.split("+"):
                if role in s.org.roles:
                    add = np.bincount(hour[pick], weights=hours[pick], minlength=days * 24)
                    out[wid][role] = out[wid].get(role, np.zeros(days * 24)) + add
    return out


def mean_workload(parts: Sequence[Workload]) -> Workload:
    """The mean over replications (every part has the same roles and days)."""
    n = max(len(parts), 1)

    def mean(pick: str) -> dict[str, np.ndarray]:
        roles = dict.fromkeys(r for p in parts for r in getattr(p, pick))
        return {r: np.asarray(sum(getattr(p, pick).get(r, 0.0) for p in parts)) / n for r in roles}

    def windows(pick: str) -> dict[str, dict[str, np.ndarray]]:
        ww: dict[str, dict[str, np.ndarray]] = {}
        for p in parts:
            for wid, by_role in getattr(p, pick).items():
                target = ww.setdefault(wid, {})
                for role, a in by_role.items():
                    target[role] = target.get(role, 0.0) + a / n
        return ww

    return Workload(mean("work_hours"), mean("unserved_hours"), mean("wait_hours"),
                    windows("window_waits"), windows("window_waits_by_hour"))
