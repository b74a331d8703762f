"""Window clocks: when a service window that starts at a given time is due.

Times are simulation hours (hours since 00:00 of the horizon's first day),
so day ``i`` of the horizon spans ``[24 i, 24 i + 24)``. Every function
takes and returns numpy arrays and is pure; the working-day clock takes the
day flags from :func:`working_flags`.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np

from rules.calendar import DayKinds
from rules.scenario import Scenario
from rules.windows import ServiceWindow

__all__ = ["calendar_day_deadline", "deadlines", "elapsed_deadline", "in_active_hours",
           "window_deadlines", "working_day_deadline", "working_flags"]

DAY = 24.0


def elapsed_deadline(start: np.ndarray, limit: float) -> np.ndarray:
    """``limit`` hours after the start; nights and weekends count."""
    return np.asarray(start, dtype=float) + limit


def calendar_day_deadline(start: np.ndarray, limit: float) -> np.ndarray:
    """The end of the ``limit``-th calendar day after the start's day
    (started on day d, a 3-day limit is due at 00:00 of day d + 4)."""
    day = np.floor(np.asarray(start, dtype=float) / DAY)
    return (day + math.ceil(limit) + 1) * DAY


def working_day_deadline(start: np.ndarray, limit: float, working: np.ndarray) -> np.ndarray:
    """The end of the ``limit``-th working day after the start's day.

    ``working[i]`` says whether day ``i`` of the horizon is a working day; it
    must reach far enough past the last start (see :func:`working_flags`).
    The start's own day never counts, working or not.
    """
    start = np.asarray(start, dtype=float)
    n = math.ceil(limit)
    if n < 1:
        raise ValueError(f'"limit" must be >= 1 working day, got {limit}')
    counted = np.cumsum(np.asarray(working, dtype=np.int64))
    day = np.floor(start / DAY).astype(np.int64)
    if start.size and (day.min() < 0 or day.max() >= len(counted)):
        raise ValueError("a start lies outside the working-day flags; extend them")
    due = np.searchsorted(counted, counted[day] + n, side="left")
    if start.size and due.max() >= len(counted):
        raise ValueError("the working-day flags end before a deadline; extend them")
    return (due + 1) * DAY


def working_flags(kinds: DayKinds, first: dt.date, n_days: int) -> tuple[np.ndarray, list[int]]:
    """Working-day flags for ``n_days`` days from ``first``, and the years for
    which the holiday calendar had no data (those days count Monday to
    Friday)."""
    flags = np.zeros(n_days, dtype=bool)
    unknown: set[int] = set()
    for i in range(n_days):
        day = first + dt.timedelta(days=i)
        try:
            flags[i] = kinds.is_working_day(day)
        except NotImplementedError:
            unknown.add(day.year)
            flags[i] = day.weekday() < 5
    return flags, sorted(unknown)


def deadlines(clock: str, start: np.ndarray, limit: float,
              working: np.ndarray | None = None) -> np.ndarray:
    """Deadline of each start under the named clock."""
    if clock == "elapsed_hours":
        return elapsed_deadline(start, limit)
    if clock == "calendar_days":
        return calendar_day_deadline(start, limit)
    if clock == "working_days":
        if working is None:
            raise ValueError('the "working_days" clock needs working-day flags')
        return working_day_deadline(start, limit, working)
    raise ValueError(f"unknown clock {clock!r}")


def in_active_hours(start: np.ndarray, hours: tuple[int, int] | None) -> np.ndarray:
    """Starts whose hour of the day lies in ``[from, to)``; all when None."""
    start = np.asarray(start, dtype=float)
    if hours is None:
        return np.ones(start.shape, dtype=bool)
    of_day = np.mod(start, DAY)
    return (of_day >= hours[0]) & (of_day < hours[1])


def window_deadlines(s: Scenario, w: ServiceWindow, start: np.ndarray,
               working: np.ndarray | None) -> np.ndarray:
    """Each start's deadline; with ``limit_periods``, the limit of the
    start's day (as the engine's timers take it: ``sim.cases.timers``)."""
    if not w.limit_periods:
        return deadlines(w.clock, start, w.limit, working)
    day = np.floor(np.nan_to_num(start, nan=-1.0) / 24.0).astype(np.int64)
    limits = np.asarray([w.limit_on(s.horizon.start + dt.timedelta(days=i))
                         for i in range(s.horizon.days)], dtype=float)
    inside = (day >= 0) & (day < limits.size)
    limit = np.full(start.shape, float(w.limit))
    limit[inside] = limits[day[inside]]
    return np.asarray(start, dtype=float) + limit
