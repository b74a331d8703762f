"""The numbers behind the plots that no other analysis module computes.

Staff steps come from :class:`sim.analysis.staffing.StaffLog` (a meeting
counts in every role that joins it; a step never started waits until the
horizon; open steps run to the horizon). Counts and durations are means per
replication. Daily utilisation and p95 waits come from
:func:`sim.report.tables.daily_roles`, window compliance from
:mod:`sim.analysis.windows`.
"""
from __future__ import annotations

import math

import numpy as np

from rules.scenario import Scenario
from rules.shifts import all_shifts, duty_clock
from sim.analysis.grouping import stable_order
from sim.analysis.staffing import Shifts, StaffLog
from sim.log.records import EventLog

#: Categories of a case's time, in stacking order.
TIME_PARTS = ("work", "waiting for staff", "outside staff hours",
              "waiting on outside parties", "waiting for a set time")


def campaign_spans(s: Scenario) -> list[tuple[float, float, str, str]]:
    """``(start_hour, end_hour, id, name_zh)`` of every campaign inside the horizon."""
    if s.demand is None:
        return []
    out = []
    for cid, c in s.demand.campaigns.items():
        lo = max((c.start - s.horizon.start).days, 0) * 24.0
        hi = min((c.end - s.horizon.start).days + 1, s.horizon.days) * 24.0
        if hi > lo:
            out.append((lo, hi, cid, c.name_zh))
    return sorted(out)


def role_coverage(s: Scenario, shifts: Shifts | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per role: the hours when at least one member is on duty (``shifts``:
    the scenario's ``all_shifts``, when already made)."""
    return {role: duty_clock([iv for m in members for iv in m.intervals])
            for role, members in (all_shifts(s) if shifts is None else shifts).items()}


def queue_hourly(st: StaffLog) -> dict[str, np.ndarray]:
    """Steps waiting for staff at each full hour before the horizon, per role
    (mean per replication); roles that never queue are left out."""
    return {role: level.mean(axis=0) for role, level in queue_hourly_by_rep(st).items()}


def queue_hourly_by_rep(st: StaffLog) -> dict[str, np.ndarray]:
    """:func:`queue_hourly` per replication: arrays shaped ``(replications, hours)``."""
    n = math.ceil(st.horizon)
    rows, rid = st.role_row, st.role_id
    a = np.clip(np.ceil(st.enable[rows]).astype(np.int64), 0, n + 1)
    b = np.clip(np.ceil(st.start[rows]).astype(np.int64), 0, n + 1)
    width, groups = n + 2, len(st.roles) * st.R
    g = rid * st.R + st.rep[rows]
    diff = (np.bincount(g * width + a, minlength=groups * width)
            - np.bincount(g * width + b, minlength=groups * width))
    level = np.cumsum(diff.reshape(len(st.roles), st.R, width), axis=2)[:, :, :n].astype(float)
    return {role: level[r] for r, role in enumerate(st.roles) if level[r].any()}


def waits_by_role(st: StaffLog) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per role with steps: the waits in hours and whether each step started
    (a never-started step's wait runs to the horizon, a lower bound)."""
    rows, rid = st.role_row, st.role_id
    order = stable_order(rid, len(st.roles))
    cuts = np.searchsorted(rid[order], np.arange(len(st.roles) + 1))
    out = {}
    for r, role in enumerate(st.roles):
        mine = rows[order[cuts[r]:cuts[r + 1]]]
        if mine.size:
            out[role] = (st.wait[mine], st.started[mine])
    return out


def time_breakdown(s: Scenario, log: EventLog, st: StaffLog) -> dict[str, dict[str, float]]:
    """Per workflow: mean hours per case in each of :data:`TIME_PARTS`.

    A staff step's queue and work split into on-duty time (waiting for staff,
    work) and the hours when nobody of the role is on duty (outside staff
    hours). ``wait`` steps are outside parties; ``scheduled`` steps wait for
    a clock time. Step-hours, so parallel branches of a case add up."""
    c = log.arrays
    code, names = log.factorize("workflow")
    n = len(names)
    cases = np.bincount(code[c["activity"] == log.code("case_start")], minlength=n)
    outside = np.flatnonzero(log.isin("kind", "wait", "scheduled"))
    return time_breakdown_of(s, st, names, cases, code[outside], c["enable_time"][outside],
                             c["end_time"][outside], c["kind"][outside] == log.code("wait"))


def time_breakdown_of(s: Scenario, st: StaffLog, names: list, cases: np.ndarray,
                      o_code: np.ndarray, o_enable: np.ndarray, o_end: np.ndarray,
                      o_wait: np.ndarray) -> dict[str, dict[str, float]]:
    """:func:`time_breakdown` from the workflows (first seen first), their
    cases started, and the outside steps: workflow code, enable and end
    times (NaN: open), and whether each waits on a party (else on the clock)."""
    cover = role_coverage(s, st.shifts)
    rows, rid = st.role_row, st.role_id
    first = np.ones(rows.size, dtype=bool)  # a meeting counts once per case
    first[1:] = rows[1:] != rows[:-1]
    rows, rid = rows[first], rid[first]
    del first  # temporaries freed as soon as done with: a run's staff rows are many
    a = st.start[rows]
    e = st.enable[rows]
    b = np.where(st.started[rows], st.end[rows], a)
    work, queue = b - a, a - e
    for r, role in enumerate(st.roles):
        mine = rid == r
        if role not in cover or not mine.any():
            continue
        ge, ga, gb = (np.interp(t[mine], *cover[role]) for t in (e, a, b))
        work[mine], queue[mine] = gb - ga, ga - ge
    del rid
    off = b - e
    del a, b, e
    off -= work
    off -= queue
    np.maximum(off, 0.0, out=off)

    n = len(names)
    index = {w: i for i, w in enumerate(names)}
    wf_of_code = np.array([index.get(w, -1) for w in st.workflows], dtype=np.int64)
    step_wf = wf_of_code[st.wf_code[rows]]
    del rows
    ok = step_wf >= 0
    every = bool(ok.all())
    sums = [np.bincount(step_wf if every else step_wf[ok], weights=v if every else v[ok], minlength=n)
            for v in (work, queue, off)]
    ends = np.where(np.isnan(o_end), st.horizon, o_end)
    span = np.maximum(ends - o_enable, 0.0)
    for m in (o_wait, ~o_wait):
        sums.append(np.bincount(o_code[m], weights=span[m], minlength=n))
    return {str(names[i]): {k: float(v[i]) / cases[i] for k, v in zip(TIME_PARTS, sums)}
            for i in range(n) if cases[i] > 0}


def rolling_share(met: np.ndarray, cases: np.ndarray, days: int = 7) -> np.ndarray:
    """Case-weighted share met over a trailing window of ``days`` entries
    (NaN where no case is due)."""
    has = ~np.isnan(met)
    k = np.convolve(np.where(has, met * cases, 0.0), np.ones(days))[: met.size]
    n = np.convolve(np.where(has, cases, 0.0), np.ones(days))[: met.size]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, k / n, np.nan)
