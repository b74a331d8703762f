"""Why cases missed a window: where their time went between the window's
start and its end (or the horizon).

Each step of a missed case that overlaps the window's span adds hours to one
category: ``waiting`` (enabled, no one started it yet) and ``working``
(started, not finished) by role; ``outside`` (wait steps) by party. Of the
waiting, the hours when no member of the role was on duty are reported as
``waiting_off_duty`` (the role's on-duty union from :func:`rules.shifts.role_shifts`).
``other`` is what no step covers (hand-offs, rounding).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from rules.scenario import Scenario
from rules.shifts import all_shifts, merge
from rules.shifts import duty_clock as on_duty_clock  # re-exported: F(t) breakpoints
from sim.analysis.log_index import sorted_words
from sim.analysis.staffing import Shifts
from sim.analysis.windows import LogIndex, WindowCases, all_window_cases
from sim.log.records import EventLog

__all__ = ["explain_misses", "on_duty_between", "on_duty_clock", "time_budget", "window_misses"]

STAFF_KINDS = ("work", "approval", "contest", "meeting", "duty")
OUTSIDE_KINDS = ("wait", "scheduled")


def overlap(lo: np.ndarray, hi: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length of ``[lo, hi) & [a, b)``, elementwise, never negative."""
    return np.maximum(0.0, np.minimum(hi, b) - np.maximum(lo, a))


def on_duty_between(clock: tuple[np.ndarray, np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    x, f = clock
    return np.interp(hi, x, f) - np.interp(lo, x, f)


def role_on_duty(s: Scenario, role: str, shifts: Shifts | None = None) -> list[tuple[float, float]]:
    """Hours when at least one member of ``role`` is on duty; a meeting's
    joined roles (``a+b``) count when anyone of them is. ``shifts``: the
    scenario's ``all_shifts``, when already made."""
    parts = [r for r in role.split("+") if r in s.org.roles]
    if shifts is None:
        shifts = all_shifts(s) if parts else {}
    return merge([iv for r in parts for m in shifts[r] for iv in m.intervals])


def time_budget(s: Scenario, log: EventLog, wid: str, wc: WindowCases, mask: np.ndarray,
                ix: LogIndex, duty: dict | None = None) -> dict:
    """Hours of each category summed over the selected cases of ``wc``.

    ``mask`` picks cases of ``wc``, window ``wid``'s population; ``duty`` caches each
    role's on-duty clock between calls.
    Returns per-case arrays too (``per_case``), aligned with the selection.
    """
    columns = budget_columns(s, log, wid, wc, mask, ix, duty)
    return budget_of(columns, wc.stop[mask] - wc.start[mask])


#: A category and a role (or party): a column of the per-case budget.
Column = tuple[str, str]
CATEGORIES = ("waiting", "working", "outside", "waiting_off_duty")


def budget_columns(s: Scenario, log: EventLog, wid: str, wc: WindowCases, mask: np.ndarray,
                   ix: LogIndex, duty: dict | None = None, shifts: Shifts | None = None
                   ) -> dict[Column, np.ndarray]:
    """Per category and role (or party) with steps: the hours of each
    selected case (:func:`budget_of` adds them up; a run's replications
    reduced one by one give the same columns, their cases one after the other).
    ``shifts``: the scenario's ``all_shifts``, when already made."""
    sel_keys = wc.key[mask]
    lo, hi = wc.start[mask], wc.stop[mask]
    n = sel_keys.size
    c = log.arrays
    rows, case = ix.rows_of(tuple(s.service_windows[wid].workflows), sel_keys)
    kind = np.zeros(len(log.words) + 1, np.int8)  # 1: a staff step, 2: an outside one
    kind[log.codes(*STAFF_KINDS)], kind[log.codes(*OUTSIDE_KINDS)] = 1, 2
    kind = kind[c["kind"][rows]]
    either = kind > 0
    rows, case, kind = rows[either], case[either], kind[either]
    staff, outside = kind == 1, kind == 2
    H = log.horizon_hours
    enable = c["enable_time"][rows]
    started = np.nan_to_num(c["start_time"][rows], nan=H, copy=False)  # a gather: its own copy
    ended = np.nan_to_num(c["end_time"][rows], nan=H, copy=False)
    clo, chi = lo[case], hi[case]
    wait = np.where(staff, overlap(clo, chi, enable, started), 0.0)
    work = np.where(staff, overlap(clo, chi, started, ended), 0.0)
    away = np.where(outside, overlap(clo, chi, enable, ended), 0.0)
    code, names = sorted_words(log, "role", rows)
    off = np.zeros(rows.size)
    duty = {} if duty is None else duty
    for name, i in names:
        pick = staff & (code == i) & (wait > 0)
        if not pick.any():
            continue
        a = np.maximum(clo[pick], enable[pick])
        b = np.minimum(chi[pick], started[pick])
        if name not in duty:
            if shifts is None:
                shifts = all_shifts(s)
            duty[name] = on_duty_clock(role_on_duty(s, name, shifts))
        off[pick] = (b - a) - on_duty_between(duty[name], a, b)
    out: dict[Column, np.ndarray] = {}
    # Each category's hours by role and case in one bincount (each sum adds
    # the same rows in the same order as one bincount per role did).
    rank = np.zeros(len(log.words) + 1, np.int64)
    rank[[i for _, i in names]] = np.arange(len(names))
    role = rank[code]
    for cat, hours, which in zip(CATEGORIES, (wait, work, away, off), (staff, staff, outside, staff)):
        r = role[which]
        sums = np.bincount(r * n + case[which], weights=hours[which],
                           minlength=len(names) * n).reshape(len(names), n)
        has = np.bincount(r, minlength=len(names)) > 0
        for j, (name, _) in enumerate(names):
            if has[j]:
                out[(cat, str(name))] = sums[j]
    return out


def pooled_columns(parts: list[tuple[dict[Column, np.ndarray], int]]) -> dict[Column, np.ndarray]:
    """The columns of several selections one after the other (each part:
    its columns and its number of cases; a column a part lacks is zero there)."""
    keys = sorted({k for cols, _ in parts for k in cols}, key=lambda k: (CATEGORIES.index(k[0]), k[1]))
    return {k: np.concatenate([cols[k] if k in cols else np.zeros(n) for cols, n in parts])
            for k in keys}


def budget_of(columns: dict[Column, np.ndarray], span: np.ndarray) -> dict:
    """:func:`time_budget` from :func:`budget_columns` and each case's span."""
    n = span.size
    out: dict = {"cases": n, "waiting": {}, "working": {}, "outside": {}, "waiting_off_duty": {}}
    per_case = np.zeros((n, 0))
    labels: list[str] = []
    names = sorted({name for _, name in columns})
    for cat in CATEGORIES:
        for name in names:
            sums = columns.get((cat, name))
            if sums is None or sums.sum() <= 0:
                continue
            out[cat][name] = float(sums.sum())
            if cat != "waiting_off_duty":
                per_case = np.column_stack([per_case, sums])
                labels.append(f"{cat}:{name}")
    covered = per_case.sum(axis=1) if labels else np.zeros(n)
    out["other"] = float(np.maximum(0.0, span - covered).sum())
    out["total"] = float(span.sum())
    out["per_case"] = (labels, per_case)
    return out


def _mean(d: dict, n: int) -> dict:
    return {k: round(v / n, 2) for k, v in sorted(d.items(), key=lambda kv: -kv[1])}


def explain_misses(s: Scenario, log: EventLog, wid: str, wc: WindowCases, ix: LogIndex,
                   examples: int = 10, duty: dict | None = None) -> dict:
    """Time budget of the missed cases of one window (mean hours per missed case)."""
    missed = wc.missed
    columns = budget_columns(s, log, wid, wc, missed, ix, duty) if missed.any() else {}
    return misses_of(s, wid, wc, columns, ix.replications, log.epoch, examples)


def misses_of(s: Scenario, wid: str, wc: WindowCases, columns: dict[Column, np.ndarray],
              reps: int, epoch: dt.datetime, examples: int = 10) -> dict:
    """:func:`explain_misses` from the budget columns of the missed cases."""
    w = s.service_windows[wid]
    missed = wc.missed
    n = int(np.count_nonzero(missed))
    out: dict = {"missed": n, "missed_per_replication": round(n / reps, 2),
                 "limit_hours": w.limit_hours}
    if n == 0:
        return out
    b = budget_of(columns, wc.stop[missed] - wc.start[missed])
    budget = {cat: _mean(b[cat], n) for cat in ("waiting", "working", "outside", "waiting_off_duty")}
    budget["other"] = round(b["other"] / n, 2)
    budget["total"] = round(b["total"] / n, 2)
    out["budget_hours"] = budget
    if b["waiting"]:
        role, hours = max(b["waiting"].items(), key=lambda kv: kv[1])
        out["largest_queue"] = {"role": role, "hours": round(hours / n, 2),
                                "share_of_limit": round(hours / n / w.limit_hours, 3),
                                "off_duty_hours": round(b["waiting_off_duty"].get(role, 0.0) / n, 2)}
    out["examples"] = _examples(epoch, wc, w.workflows, missed, b["per_case"], examples)
    return out


def _examples(epoch: dt.datetime, wc: WindowCases, workflows: tuple[str, ...], missed: np.ndarray,
              per_case: tuple[list[str], np.ndarray], k: int) -> list[dict]:
    """The ``k`` missed cases that overran most, with their largest category
    (``workflows``: the window's, what its cases' codes stand for)."""
    labels, table = per_case
    idx = np.flatnonzero(missed)
    overrun = wc.stop[idx] - wc.deadline[idx]
    order = np.argsort(-overrun, kind="stable")[:k]
    out = []

    def stamp(hours: float) -> str:
        return (epoch + dt.timedelta(hours=hours)).isoformat(timespec="minutes")
    for j in order:
        i = idx[j]
        end = wc.end[i]
        row = table[j] if labels else np.zeros(0)
        top = labels[int(np.argmax(row))] if row.size and row.max() > 0 else None
        out.append({
            "replication": int(wc.replication[i]), "case_id": int(wc.case_id[i]),
            "workflow": workflows[wc.workflow[i]],
            "start": stamp(float(wc.start[i])),
            "deadline": stamp(float(wc.deadline[i])),
            "end": None if np.isnan(end) else stamp(float(end)),
            "status": "late" if not np.isnan(end) else ("unreached" if wc.unreached[i] else "open"),
            "hours": round(float(wc.stop[i] - wc.start[i]), 2),
            "overrun_hours": round(float(overrun[j]), 2),
            "largest": top,
            "largest_hours": round(float(row.max()), 2) if top else None,
        })
    return out


def window_misses(s: Scenario, log: EventLog, cases: dict[str, WindowCases] | None = None,
                  index: LogIndex | None = None, examples: int = 10) -> dict:
    """Per window: how many cases missed it and where their time went."""
    if cases is None:
        cases, index = all_window_cases(s, log)
    ix = index or LogIndex(log)
    duty: dict = {}
    return {wid: explain_misses(s, log, wid, wc, ix, examples, duty)
            for wid, wc in cases.items()}
