"""What one more person buys: re-run with a role's headcount + 1.

The variant runs with the same seed and replications as the base run, so
replication i of both shares its random numbers (common random numbers)
and the paired differences isolate the effect of the extra person.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rules.scenario import Scenario
from sim.analysis.ci import paired_diff
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import StaffLog
from sim.analysis.windows import WindowCases, all_window_cases
from sim.log.records import EventLog


def plus_one(s: Scenario, role: str) -> Scenario:
    """``s`` with one more regular member in ``role`` (a ``per_project``
    headcount becomes the number it resolves to, plus one)."""
    r = s.org.roles[role]
    roles = dict(s.org.roles)
    roles[role] = r.model_copy(update={"headcount": s.org.headcount(role) + 1})
    return s.model_copy(update={"org": s.org.model_copy(update={"roles": roles})})


def window_reps(s: Scenario, log: EventLog, reps: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Met share of each service window per replication (cases not yet due
    at the horizon left out)."""
    reps = np.unique(log.arrays["replication"]) if reps is None else reps
    cases, _ = all_window_cases(s, log)
    return window_reps_of(cases, reps)


def window_reps_of(cases: dict[str, WindowCases], reps: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`window_reps` from the windows' populations."""
    out = {}
    for wid, wc in cases.items():
        idx = np.searchsorted(reps, wc.replication)
        due = ~wc.open_not_due
        n = np.bincount(idx[due], minlength=reps.size).astype(float)
        k = np.bincount(idx[due & wc.met], minlength=reps.size).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[wid] = np.where(n > 0, k / n, np.nan)
    return out


#: A run as the what-if reads it: its staff view and its windows' populations.
Staffed = tuple[StaffLog, dict[str, WindowCases]]
Runner = Callable[[Scenario], Staffed]


def what_if_plus_one(s: Scenario, base_run: Staffed, roles: list[str], rerun: Runner) -> list[dict]:
    """For each role: the paired change in every window's met share and in
    the role's mean wait when it gets one more person. ``rerun`` simulates
    a scenario with the base run's seed and replications."""
    base, base_cases = base_run
    base_waits = role_reps(base)
    base_windows = window_reps_of(base_cases, base.reps)
    out = []
    for role in roles:
        v = plus_one(s, role)
        st, cases = rerun(v)
        waits = role_reps(st)
        windows = window_reps_of(cases, st.reps)
        entry: dict[str, Any] = {
            "role": role,
            "headcount": [s.org.headcount(role), v.org.headcount(role)],
            "wait_mean_hours": {"base": float(np.nanmean(base_waits[role]["wait_mean"])),
                                "plus_one": float(np.nanmean(waits[role]["wait_mean"])),
                                **paired_diff(base_waits[role]["wait_mean"], waits[role]["wait_mean"])},
            "utilization": {"base": float(np.nanmean(base_waits[role]["utilization"])),
                            "plus_one": float(np.nanmean(waits[role]["utilization"])),
                            **paired_diff(base_waits[role]["utilization"], waits[role]["utilization"])},
            "windows": {},
        }
        for wid, b in base_windows.items():
            if wid in windows and b.size == windows[wid].size:
                entry["windows"][wid] = {"base": float(np.nanmean(b)),
                                         "plus_one": float(np.nanmean(windows[wid])),
                                         **paired_diff(b, windows[wid])}
        out.append(entry)
    return out
