"""Which role holds the center back, when, and what it delays.

Detection follows the active-period method (Roser, Nakano and Tanaka,
2001-2002): a station's *active period* is a maximal stretch in which it is
not waiting for work; at any moment the station whose current active
period is the longest is the momentary bottleneck. Where the active period
of the bottleneck overlaps the one of the bottleneck before or after it,
the bottleneck is *shifting* during the overlap, else it is the *sole*
bottleneck.

For a pool of people: the role is active while work waits in its queue or
while every on-duty slot is busy. Off-duty hours neither count towards an
active period's length nor break it when work is waiting through the night
(a backlog left overnight is still a backlog), so nights cannot make the
customer-service queue look long.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from rules.scenario import Scenario
from sim.analysis.clocks import in_active_hours
from sim.analysis.grouping import group_min
from sim.analysis.kpis import role_reps
from sim.analysis.log_index import LogIndex
from sim.analysis.staffing import StaffLog
from sim.log.records import EventLog

STEP = 0.05  # hours per grid cell of the momentary bottleneck (3 minutes)


def active_periods(st: StaffLog, rid: int, rep: int) -> np.ndarray:
    """``(start, end, active on-duty hours)`` rows of role ``rid`` in replication ``rep``."""
    H = st.horizon
    rr = st.grouped("role", rid, rep)
    members = st.role_members(rid)
    # Slots of each on-duty interval: the concurrency of the day it starts
    # (shifts do not cross midnight; calendars.concurrency changes by day).
    k_day = st.concurrency_by_day(rid)
    mrow = st.grouped("member", rid, rep)
    mrow = mrow[st.started[mrow]]
    q = rr[st.start[rr] > st.enable[rr]]
    caps_a = [a for m in members for a in st.members[m].duty.a]
    caps_b = [b for m in members for b in st.members[m].duty.b]
    t = np.concatenate([st.enable[q], st.start[q], st.start[mrow], st.end[mrow],
                        caps_a, caps_b, [0.0, H]])
    # The levels' changes: steps queued, busy slots (a shared conversation
    # holds one, any other task all of them), slots on duty. Whole numbers,
    # kept as small integers: their gathers in time order move an eighth of
    # the bytes of floats, and their sums are exact either way.
    nq, nm, nc = q.size, mrow.size, len(caps_a)
    dq = np.zeros(t.size, np.int8)
    dq[:nq], dq[nq:2 * nq] = 1, -1
    held = st.slots_taken(mrow, rid).astype(np.int32)
    db = np.zeros(t.size, np.int32)
    db[2 * nq:2 * nq + nm], db[2 * nq + nm:2 * nq + 2 * nm] = held, -held
    k = k_day[np.clip((np.asarray(caps_a, float) // 24).astype(np.int64), 0, max(k_day.size - 1, 0))] \
        if k_day.size else np.ones(nc)
    dc = np.zeros(t.size, np.int32)
    at = 2 * nq + 2 * nm
    dc[at:at + nc], dc[at + nc:at + 2 * nc] = k, -k
    # The levels are read after all the events of a moment: the same in any
    # order of a moment's events, so the unstable sort (half the time of the
    # stable one) gives the same periods.
    order = np.argsort(t)
    t, Q, B, C = t[order], np.cumsum(dq[order]), np.cumsum(db[order]), np.cumsum(dc[order])
    last = np.flatnonzero(np.r_[t[1:] != t[:-1], True])  # state after all events at a time
    t, Q, B, C = t[last], Q[last], B[last], C[last]
    length = np.diff(t)
    Q, B, C = Q[:-1], B[:-1], C[:-1]
    active = (Q > 0.5) | ((B > 0.5) & (B >= C - 0.5))
    counted = (C > 0.5) if st.pauses(rid) else ((C > 0.5) | (B > 0.5))
    weight = length * counted
    if not active.any():
        return np.zeros((0, 3))
    edge = np.diff(np.r_[0, active.astype(np.int8), 0])
    first, stop = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    cum = np.r_[0.0, np.cumsum(np.where(active, weight, 0.0))]
    out = np.column_stack([t[first], t[stop], cum[stop] - cum[first]])
    return out[out[:, 2] > 1e-9]


def momentary(st: StaffLog, rep: int, runner_up: bool = False) -> tuple[np.ndarray, ...]:
    """Per grid cell of ``STEP`` hours: the bottleneck role (-1: none) and
    whether it is shifting (overlapping the previous or next bottleneck);
    with ``runner_up`` also the role with the second-longest active period."""
    H = st.horizon
    n = round(H / STEP)
    centers = (np.arange(n) + 0.5) * STEP
    nr = len(st.roles)
    dur = np.zeros((nr, n))
    pid = np.full((nr, n), -1, np.int64)
    periods: list[np.ndarray] = []
    for r in range(nr):
        p = active_periods(st, r, rep)
        periods.append(p)
        if p.size == 0:
            continue
        i0 = np.searchsorted(centers, p[:, 0])
        i1 = np.searchsorted(centers, p[:, 1])
        d = np.zeros(n + 1)
        ids = np.zeros(n + 1)
        np.add.at(d, i0, p[:, 2])
        np.add.at(d, i1, -p[:, 2])
        np.add.at(ids, i0, np.arange(len(p)) + 1)
        np.add.at(ids, i1, -(np.arange(len(p)) + 1))
        dur[r] = np.cumsum(d)[:n]
        pid[r] = np.rint(np.cumsum(ids)[:n]).astype(np.int64) - 1
    best, top = _first_max(dur)
    has = top > 1e-9
    role = np.where(has, best, -1)
    period = np.where(has, pid[best, np.arange(n)], -1)
    shifting = np.zeros(n, bool)
    idx = np.flatnonzero(has)
    if idx.size > 1:
        rs, ps = role[idx], period[idx]
        change = np.flatnonzero((rs[1:] != rs[:-1]) | (ps[1:] != ps[:-1]))
        for j in change:
            rx, px, ry, py = rs[j], ps[j], rs[j + 1], ps[j + 1]
            if rx == ry:
                continue
            a = max(periods[rx][px, 0], periods[ry][py, 0])
            b = min(periods[rx][px, 1], periods[ry][py, 1])
            if b > a:
                lo, hi = np.searchsorted(centers, a), np.searchsorted(centers, b)
                seg = slice(lo, hi)
                shifting[seg] |= (role[seg] == rx) | (role[seg] == ry)
    if not runner_up:
        return role, shifting
    nxt, top = _first_max(dur, best)
    return role, shifting, np.where(top > 1e-9, nxt, -1)


def _first_max(rows: np.ndarray, leave: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``rows.argmax(axis=0)`` and the largest values, with the entries
    ``leave`` names (a row per column) taken as 0. A pass along each row
    keeping the first row that holds the largest, as ``argmax`` does: its
    strided walk down the columns of a (roles, cells) grid took 2 ms."""
    best = np.zeros(rows.shape[1], np.int64)
    top = np.full(rows.shape[1], -np.inf)
    for r in range(rows.shape[0]):
        row = rows[r] if leave is None else np.where(leave == r, 0.0, rows[r])
        more = row > top
        best[more] = r
        top = np.where(more, row, top)
    return best, top


def detect(st: StaffLog) -> dict:
    """Momentary bottlenecks of every replication, summarised per role and day.

    Returns ``{"share": (roles,) sole+shifting share of time,
    "sole": (roles,), "daily": (days, roles) share of each day, "next":
    (days, roles) share of each day as the runner-up}``."""
    return detect_of(st, [momentary(st, rep, runner_up=True) for rep in range(st.R)])


def detect_of(st: StaffLog, grids: Sequence[tuple[np.ndarray, ...]]) -> dict:
    """:func:`detect` from each replication's :func:`momentary` grid (bottleneck,
    shifting, runner-up), in order; role codes are ``st.roles``'."""
    nr, days = len(st.roles), st.days
    share, sole = np.zeros(nr), np.zeros(nr)
    daily, second = np.zeros((days, nr)), np.zeros((days, nr))
    per_day = round(24 / STEP)
    for role, shifting, nxt in grids:
        n = role.size
        ok = role >= 0
        share += np.bincount(role[ok], minlength=nr) / n
        sole += np.bincount(role[ok & ~shifting], minlength=nr) / n
        day = np.minimum(np.arange(n) // per_day, days - 1)
        np.add.at(daily, (day[ok], role[ok]), 1.0 / per_day)
        np.add.at(second, (day[nxt >= 0], nxt[nxt >= 0]), 1.0 / per_day)
    return {"share": share / st.R, "sole": sole / st.R, "daily": daily / st.R, "next": second / st.R}


def day_runs(st: StaffLog, daily: np.ndarray, epoch: dt.date,
             second: np.ndarray | None = None) -> tuple[list[dict], list[dict]]:
    """The bottleneck of each day (and the runner-up: the role most often
    second-longest active) and the runs of days with the same bottleneck."""
    days = []
    for d in range(daily.shape[0]):
        r = int(daily[d].argmax())
        role = st.roles[r] if daily[d, r] > 0 else None
        entry = {"date": (epoch + dt.timedelta(days=d)).isoformat(), "role": role,
                 "share_of_day": float(daily[d, r])}
        if second is not None:
            row = second[d].copy()
            if role is not None:
                row[r] = 0.0
            k = int(row.argmax())
            entry["next"] = st.roles[k] if row[k] > 0 else None
        days.append(entry)
    return days, runs_of(days, "role")


def runs_of(days: list[dict], key: str) -> list[dict]:
    """Maximal runs of consecutive days with the same ``day[key]`` role."""
    runs: list[dict] = []
    for day in days:
        role = day.get(key)
        if runs and runs[-1]["role"] == role:
            runs[-1].update(end=day["date"], days=runs[-1]["days"] + 1)
        else:
            runs.append({"role": role, "start": day["date"], "end": day["date"], "days": 1})
    return [r for r in runs if r["role"] is not None]


def workflow_delays(st: StaffLog, rid: int, top: int = 3) -> list[dict]:
    """The workflows whose steps wait longest in ``rid``'s queue."""
    rows = st.role_row[st.role_id == rid]
    wait = np.bincount(st.wf_code[rows], weights=st.wait[rows], minlength=len(st.workflows))
    total = wait.sum()
    out = []
    for i in np.argsort(-wait)[:top]:
        if wait[i] <= 0:
            break
        out.append({"workflow": st.workflows[i], "wait_hours_per_replication": float(wait[i] / st.R),
                    "share_of_role_wait": float(wait[i] / total)})
    return out


def window_delays(st: StaffLog, log: EventLog) -> dict[str, np.ndarray]:
    """Per service window: staff-waiting hours of each role (per replication)
    that fall inside the window's clock (between its start and end events),
    over the window's population (``only_if`` reached, start in ``active_hours``)."""
    return {wid: np.bincount(rid, weights=overlap, minlength=len(st.roles)) / st.R
            for wid, (rid, overlap) in window_overlaps(st, log).items()}


def window_overlaps(st: StaffLog, log: EventLog, index: LogIndex | None = None
                    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per service window with cases: each role row's role and its waiting
    hours inside the window's clock (:func:`window_delays` sums them).
    ``index``: the windows' :class:`LogIndex` of ``log`` (its rows by
    activity and by workflow are found once for every window)."""
    s, c, H = st.scenario, log.arrays, st.horizon
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if not s.service_windows or not len(log):
        return out
    ix = index if index is not None else LogIndex(log)
    # Cases numbered densely as the index numbers them (replication index x
    # widest id + id): what is known per case is a table looked up by that
    # number, not a search of sorted keys for each role row (Double 11:
    # 0.03 s of a reduction).
    width = int(c["case_id"].max()) + 1
    cases = ix.cases
    rows_all = st.role_row
    number = (st.rep[rows_all].astype(np.int64) * width + st.case_id[rows_all])
    wf_rows = st.wf_code[rows_all]
    r_enable, r_start = st.enable[rows_all], st.start[rows_all]
    edge_col = {"enabled": "enable_time", "start": "start_time", "end": "end_time"}

    def first_time(activity: str, names: tuple[str, ...], col: str) -> np.ndarray:
        """Per case number, the earliest time of ``activity`` in these
        workflows (inf: none)."""
        rows = ix.activity(activity)
        rows = rows[ix.workflows(names)[rows]]
        t = c[col][rows]
        has = ~np.isnan(t)
        return group_min(ix.case_no(rows[has]), t[has], cases)

    for wid, w in s.service_windows.items():
        names = tuple(w.workflows)
        t0 = first_time(w.start.activity, names, edge_col[w.start.edge])
        has = np.flatnonzero(t0 < np.inf)
        keep = in_active_hours(t0[has], w.active_hours)
        if w.only_if is not None:  # the window's population: cases that reached only_if
            keep &= first_time(w.only_if, names, "enable_time")[has] < np.inf
        if not keep.any():
            continue
        lo = np.full(cases, np.inf)
        lo[has[keep]] = t0[has[keep]]
        hi = first_time(w.end.activity, names, edge_col[w.end.edge])
        hi[hi == np.inf] = H
        wanted = np.zeros(len(st.workflows) + 1, bool)
        wanted[[i for i, x in enumerate(st.workflows) if x in names]] = True
        sel = np.flatnonzero(wanted[wf_rows])
        no = number[sel]
        overlap = np.maximum(np.minimum(r_start[sel], hi[no]) - np.maximum(r_enable[sel], lo[no]),
                             0.0)  # ``np.clip(..., 0.0, None)``'s numbers, in a third of its time
        out[wid] = (st.role_id[sel], overlap)
    return out


def bottlenecks(s: Scenario, log: EventLog, st: StaffLog | None = None,
                reps: dict | None = None, top: int | None = None) -> dict:
    """The ``bottlenecks`` section: a ranked list with evidence, and the
    bottleneck of each day with the runs of days it holds."""
    st = st or StaffLog(s, log)
    return ranked_bottlenecks(st, reps or role_reps(st), detect(st), window_delays(st, log), top)


def ranked_bottlenecks(st: StaffLog, reps: dict, found: dict, windows: dict[str, np.ndarray],
                       top: int | None = None) -> dict:
    """:func:`bottlenecks` from the role KPIs per replication, :func:`detect`'s
    shares and :func:`window_delays`."""
    s = st.scenario
    days, runs = day_runs(st, found["daily"], s.horizon.start, found["next"])
    waits = np.array([reps[r]["wait_sum"].sum() for r in st.roles])
    total_wait = waits.sum() or 1.0
    ranked = []
    for r in np.argsort(-found["share"]):
        if found["share"][r] <= 0:
            break
        role = st.roles[r]
        util = reps[role]["utilization"]
        delayed: list[dict[str, Any]] = []
        for wid, by_role in windows.items():
            if by_role[r] > 1e-6:
                delayed.append({"window": wid, "wait_hours_inside_per_replication": float(by_role[r]),
                                "share_of_window_wait": float(by_role[r] / (by_role.sum() or 1.0))})
        delayed.sort(key=lambda x: -x["wait_hours_inside_per_replication"])
        ranked.append({
            "role": role,
            "bottleneck_share": float(found["share"][r]),
            "sole_share": float(found["sole"][r]),
            "shifting_share": float(found["share"][r] - found["sole"][r]),
            "days_as_bottleneck": int(sum(1 for d in days if d["role"] == role)),
            "evidence": {
                "utilization": float(np.nanmean(util)) if np.isfinite(util).any() else None,
                "share_of_staff_wait": float(waits[r] / total_wait),
                "wait_mean_hours": float(np.nanmean(reps[role]["wait_mean"])),
                "workflows_delayed": workflow_delays(st, r),
                "windows_delayed": delayed,
            },
            "binds": [x for x in runs if x["role"] == role],
        })
    if top is not None:
        ranked = ranked[:top]
    return {"method": "active period (Roser, Nakano and Tanaka); grid of "
                      f"{STEP * 60:.0f} min; shares are of all simulated time",
            "ranked": ranked, "daily": days, "runs": runs, "next_runs": runs_of(days, "next")}
