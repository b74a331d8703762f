"""KPI tables written into the run directory: ``roles.csv``,
``workflows.csv`` and ``daily_roles.csv`` (one row per day and role)."""
from __future__ import annotations

import csv
import datetime as dt
import warnings
from pathlib import Path

import numpy as np

from rules.scenario import Scenario
from sim.analysis.payroll import daily_staffing
from sim.analysis.run_parts import RunView
from sim.analysis.slot_time import paused_spans
from sim.analysis.staffing import StaffLog, group_quantile, staff_log
from sim.log.records import EventLog

DAILY_COLUMNS = ("date", "role", "arrivals", "queue_mean", "queue_max", "wait_p95_hours",
                 "utilization")


def daily_roles(st: StaffLog) -> dict[str, np.ndarray]:
    """Arrays shaped ``(roles, days)``: arrivals (per replication), the queue
    sampled at each full hour and averaged over the day, the day's largest
    queue (mean over replications), the p95 wait of steps enabled that day
    and the day's utilisation. Kept with ``st``: the table and the plots
    read the same numbers, computed once."""
    if st.kept_daily is None:
        st.kept_daily = _daily_roles(st)
    return st.kept_daily


def _daily_roles(st: StaffLog) -> dict[str, np.ndarray]:
    nr, R, D, H = len(st.roles), st.R, st.days, st.horizon
    # These two first: their temporaries are gone before the ones below come.
    util, backlog = _daily_utilization(st), _backlog_days(st)
    rows, rid = st.role_row, st.role_id
    enable, start, rep = st.enable[rows], st.start[rows], st.rep[rows]
    day = np.minimum((enable // 24).astype(np.int64), D - 1)
    arrivals = np.bincount(rid * D + day, minlength=nr * D).reshape(nr, D) / R
    wait = st.wait[rows]
    # Quantiles and running maxima one role or one replication at a time:
    # each group lies in one, so the numbers are the same and the
    # temporaries a tenth (Double 11, 10 replications: 280 MB at once).
    flat_p95 = np.full(nr * D, np.nan)
    for r in range(nr):
        mine = np.flatnonzero(rid == r)
        if mine.size:
            flat_p95 = np.fmax(flat_p95, group_quantile(wait[mine], rid[mine] * D + day[mine], nr * D,
                                                        0.95))
    p95 = flat_p95.reshape(nr, D)

    g = rid * R + rep
    q = start > enable
    span = 2 * H + 1
    ke = np.sort(g[q] * span + enable[q])
    ks = np.sort(g[q] * span + start[q])
    hours = np.arange(D * 24, dtype=float)
    x = (np.arange(nr * R)[:, None] * span + hours[None, :]).ravel()
    sample = (np.searchsorted(ke, x, side="right") - np.searchsorted(ks, x, side="right"))
    sample = sample.reshape(nr, R, D, 24)
    queue_mean = sample.mean(axis=(1, 3))
    qmax = sample.max(axis=3).astype(float)  # (roles, reps, days)
    flat = qmax.reshape(nr * R, D)
    for p in range(R):
        mine = np.flatnonzero(q & (rep == p))
        if not mine.size:
            continue
        gg = np.concatenate([g[mine], g[mine]])
        t = np.concatenate([enable[mine], start[mine]])
        d = np.concatenate([np.ones(mine.size), -np.ones(mine.size)])
        order = np.lexsort((d, t, gg))
        level = np.cumsum(d[order])
        dd = np.minimum((t[order] // 24).astype(np.int64), D - 1)
        np.maximum.at(flat, (gg[order], dd), level)
    qmax = flat.reshape(nr, R, D)
    queue_max = qmax.mean(axis=1)
    # The spread across replications: each replication's own daily p95.
    flat_rep = np.full(nr * R * D, np.nan)
    for p in range(R):
        mine = np.flatnonzero(rep == p)
        if mine.size:
            flat_rep = np.fmax(flat_rep, group_quantile(wait[mine], (rid[mine] * R + p) * D + day[mine],
                                                        nr * R * D, 0.95))
    by_rep = flat_rep.reshape(nr, R, D)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN days: no band
        p95_lo, p95_hi = np.nanmin(by_rep, axis=1), np.nanmax(by_rep, axis=1)
    return {"arrivals": arrivals, "queue_mean": queue_mean, "queue_max": queue_max,
            "wait_p95_hours": p95, "wait_p95_lo": p95_lo, "wait_p95_hi": p95_hi,
            "utilization": util, "backlog_days": backlog}


def _backlog_days(st: StaffLog) -> np.ndarray:
    """Work waiting at the end of each day, in days of the role's capacity
    that day (mean over replications): utilisation stops at 100%, this
    tells a full day from one that leaves a week of work behind. A step not
    started by the horizon counts the role's mean work per step."""
    nr, R, D = len(st.roles), st.R, st.days
    edges = (np.arange(D) + 1) * 24.0
    backlog = np.zeros((nr, D))
    for r in range(nr):  # one role at a time: the same sums, a fraction of the memory
        rows = st.role_row[st.role_id == r]
        if not rows.size:
            continue
        enable, start, end, started = st.enable[rows], st.start[rows], st.end[rows], st.started[rows]
        work = np.where(started, np.maximum(end - start, 0.0), np.nan)
        done = np.flatnonzero(started)
        mean_work = np.bincount(np.zeros(done.size, np.int64), weights=work[done], minlength=1)[0] \
            / max(done.size, 1)
        work = np.where(started, work, mean_work)
        e_order, s_order = np.argsort(enable), np.argsort(start)
        cum_e = np.r_[0.0, np.cumsum(work[e_order])]
        cum_s = np.r_[0.0, np.cumsum(work[s_order])]
        waiting = (cum_e[np.searchsorted(enable[e_order], edges, side="right")]
                   - cum_s[np.searchsorted(start[s_order], edges, side="right")])
        backlog[r] = np.maximum(waiting, 0.0) / R  # cumulative sums: no -1e-13 left
    capacity = np.zeros((nr, D))
    for m in st.members:
        capacity[m.role] += np.diff(m.duty.F(np.arange(D + 1) * 24.0)) * st.concurrency(m.role)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(capacity > 0, backlog / capacity, np.where(backlog > 0, np.inf, np.nan))


def _daily_utilization(st: StaffLog) -> np.ndarray:
    nr, R, D = len(st.roles), st.R, st.days
    edges = np.arange(D + 1) * 24.0
    busy, duty = np.zeros((nr, D)), np.zeros((nr, D))
    for m, r in zip(st.members, st.started_rows_by_member()):
        fx = m.duty.F(edges)
        duty[m.role] += np.diff(fx) * R * st.concurrency_by_day(m.role)[:D]  # slot-hours
        for p in range(R):
            rp = r[st.rep[r] == p]
            if rp.size == 0:
                continue
            # A chat paused beside brief whole-member work adds nothing while
            # its member counts fully busy (as ``busy_time.busy_time``): its paused
            # stretches weigh -1 (review 10 item 2: days went above 1).
            pa, pb = paused_spans(st, rp)
            a, b = np.r_[st.start[rp], pa], np.r_[st.end[rp], pb]
            cum = _covered(m.duty.F(a), m.duty.F(b), a, b, edges, fx,
                           np.r_[st.slots_taken(rp, m.role), -np.ones(pa.size)])
            busy[m.role] += np.diff(cum)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(duty > 0, busy / duty, np.nan)


def _covered(fa: np.ndarray, fb: np.ndarray, a: np.ndarray, b: np.ndarray,
             x: np.ndarray, fx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_i w_i (F(min(b_i, x)) - F(min(a_i, x)))`` at each ``x``: busy
    on-duty slot-time in ``[0, x]`` (``fa, fb, fx`` are F at ``a, b, x``;
    ``w`` the slots each row held)."""
    def part(t, ft):
        o = np.argsort(t)
        t, ft, wo = t[o], ft[o], w[o]
        csum = np.r_[0.0, np.cumsum(ft * wo)]
        wsum = np.r_[0.0, np.cumsum(wo)]
        k = np.searchsorted(t, x, side="left")
        return csum[k] + (wsum[-1] - wsum[k]) * fx
    return part(b, fb) - part(a, fa)


def write_tables(out: Path, s: Scenario, run: EventLog | RunView, summary: dict,
                 staffed: dict | None = None) -> list[Path]:
    """Write the CSV tables; returns their paths. ``staffed``:
    ``payroll.daily_staffing`` of ``s``, when already computed."""
    st = run.st if isinstance(run, RunView) else staff_log(s, run)
    paths = [out / "roles.csv", out / "workflows.csv", out / "daily_roles.csv", out / "staffing.csv"]
    _dict_csv(paths[0], "role", summary.get("roles", {}))
    _dict_csv(paths[1], "workflow", summary.get("workflows", {}))
    daily = daily_roles(st)
    with open(paths[2], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(DAILY_COLUMNS)
        for d in range(st.days):
            date = (s.horizon.start + dt.timedelta(days=d)).isoformat()
            for r, role in enumerate(st.roles):
                if daily["arrivals"][r].sum() == 0 and not np.isfinite(daily["utilization"][r]).any():
                    continue
                w.writerow([date, safe_text(role)] + [_fmt(daily[c][r, d]) for c in DAILY_COLUMNS[2:]])
    write_staffing(paths[3], s, staffed)
    return paths


def write_staffing(path: Path, s: Scenario, daily: dict | None = None) -> None:
    """People on duty per role and day as simulated (regular, temporary),
    their hours and the regular members' overtime."""
    daily = daily_staffing(s) if daily is None else daily
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("date", "role", "regular_on_duty", "temporary_on_duty", "hours_on_duty",
                    "overtime_hours"))
        for d in range(s.horizon.days):
            date = (s.horizon.start + dt.timedelta(days=d)).isoformat()
            for role, x in daily.items():
                if x["hours"][d] > 0:
                    w.writerow((date, safe_text(role), int(x["regular"][d]), int(x["temporary"][d]),
                                _fmt(x["hours"][d]), _fmt(x["overtime_hours"][d])))


def _dict_csv(path: Path, key: str, table: dict[str, dict]) -> None:
    cols: list[str] = []
    for row in table.values():
        for c in row:
            if c not in cols:
                cols.append(c)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        header = [key]
        for c in cols:
            header += [f"{c}_low", f"{c}_high"] if c.endswith("_ci95") else [c]
        w.writerow(header)
        for name, row in table.items():
            line = [safe_text(name)]
            for c in cols:
                v = row.get(c)
                if c.endswith("_ci95"):
                    line += [_fmt(x) for x in (v or [None, None])]
                else:
                    line.append(_fmt(v))
            w.writerow(line)


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        return "" if not np.isfinite(v) else f"{float(v):.6g}"
    return safe_text(str(v))


#: A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """A text cell a spreadsheet shows and never runs: names come from
    scenario files, and ``=HYPERLINK(...)`` must stay text (a leading ``'``)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
