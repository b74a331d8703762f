"""Service-window compliance by the day cases start, with its spread across
replications (the daily series of the summary and the report's plot)."""
from __future__ import annotations

import datetime as dt

import numpy as np

from rules.scenario import Scenario
from sim.analysis.grouping import distinct
from sim.analysis.windows import LogIndex, WindowCases, all_window_cases
from sim.log.records import EventLog


def compliance_by_day(s: Scenario, log: EventLog, cases: dict[str, WindowCases] | None = None,
                      index: LogIndex | None = None) -> dict:
    """Per window and day of the window's start: cases (mean per replication)
    and the met share of the cases due (None when none is due yet)."""
    if cases is None:
        cases, index = all_window_cases(s, log)
    return compliance_of_cases(s, cases, (index or LogIndex(log)).replications)


def compliance_of_cases(s: Scenario, cases: dict[str, WindowCases], reps: int) -> dict:
    """:func:`compliance_by_day` from the windows' populations alone."""
    out = {}
    for wid, wc in cases.items():
        day = np.floor(wc.start / 24.0).astype(np.int64)
        # The days with cases, sorted (``np.unique``), by a count per day.
        days = np.flatnonzero(np.bincount(day)) if day.size and day.min() >= 0 else np.unique(day)
        due = ~wc.open_not_due
        n = np.bincount(day, minlength=days.max() + 1 if days.size else 0)
        n_due = np.bincount(day, weights=due, minlength=n.size)
        n_met = np.bincount(day, weights=wc.met, minlength=n.size)
        low, high = _spread(wc, day, due, n.size)
        out[wid] = {
            "dates": [(s.horizon.start + dt.timedelta(days=int(d))).isoformat() for d in days],
            "cases": [round(float(n[d]) / reps, 2) for d in days],
            "met": [round(float(n_met[d] / n_due[d]), 4) if n_due[d] else None for d in days],
            # The spread across replications: the lowest and highest
            # replication's met share of the day (None: no case due).
            "met_min": [_share(low[d]) for d in days],
            "met_max": [_share(high[d]) for d in days],
        }
    return out


def _spread(wc: WindowCases, day: np.ndarray, due: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per day: the lowest and highest met share among the replications
    with a case due that day (NaN where none has)."""
    reps = distinct(wc.replication)
    rep = np.searchsorted(reps, wc.replication)  # ``np.unique``'s inverse, without its sort
    g = rep * days + day
    n_due = np.bincount(g, weights=due, minlength=reps.size * days).reshape(reps.size, days)
    n_met = np.bincount(g, weights=wc.met & due, minlength=reps.size * days).reshape(reps.size, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_due > 0, n_met / n_due, np.nan)
    low = np.where(np.isnan(share), np.inf, share).min(axis=0) if reps.size else np.full(days, np.inf)
    high = np.where(np.isnan(share), -np.inf, share).max(axis=0) if reps.size else np.full(days, -np.inf)
    return np.where(np.isinf(low), np.nan, low), np.where(np.isinf(high), np.nan, high)


def _share(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)

