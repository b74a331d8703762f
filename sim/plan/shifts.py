"""The shifts a role's temporary staff may work, and when they work.

By default a role's temporaries work the role's own roster shifts. That
leaves a role on an office week (Monday to Friday) without anybody the
planner can add on Saturday and Sunday, although the platform's clocks run
on: a refusal inspected on Saturday waits until Monday, behind the weekend's
backlog, whatever the planner adds on weekdays (issue 16, the ninth
session's Double 11 plan). So the default (:func:`default_shifts`): a role
whose own shifts leave days of the horizon without a shift, and that works
steps of a targeted window whose clock runs on every calendar day
(``elapsed_hours``, ``calendar_days``), is offered beside its own shifts
the scenario's every-day shift whose hours of the day are most like its own
(the most hours in common over the hours either covers). ``--shifts``
replaces the default. A temporary person on another shift costs the
role's day rate, as on its own (``costs.temporary_daily``).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np

from rules.calendar import DayKinds
from rules.scenario import Scenario
from rules.shifts import days_of, shift_intervals
from rules.workflow import walk

__all__ = ["closest_every_day_shift", "day_names", "default_shifts", "roster_shifts",
           "shift_cover", "uncovered_days"]

#: Clocks that run on every calendar day (``working_days`` skips the days off).
CALENDAR_CLOCKS = ("elapsed_hours", "calendar_days")
#: Dates a sentence names before "N more days".
MAX_DATES = 6


def roster_shifts(s: Scenario, role: str) -> list[str]:
    """The distinct shifts of the groups of ``role``'s roster."""
    groups = s.calendars.rosters.get(s.org.roles[role].roster) or ()
    return list(dict.fromkeys(g.shift for g in groups))


def shift_cover(s: Scenario, name: str) -> tuple[np.ndarray, np.ndarray]:
    """On-duty hours per day of the horizon of shift ``name``, and the hours
    it covers (days x 24, on duty at the middle of the hour)."""
    days = days_of(s)
    per_day = np.zeros(len(days))
    on = np.zeros(len(days) * 24, bool)
    mid = np.arange(len(days) * 24) + 0.5
    kinds = DayKinds(s.calendars.holidays)
    for a, b in shift_intervals(s.calendars.shifts[name], days, kinds, s.horizon.start):
        d = int(a // 24)
        if 0 <= d < len(days):
            per_day[d] += b - a
        on |= (mid >= a) & (mid < b)
    return per_day, on.reshape(len(days), 24)


def uncovered_days(s: Scenario, shifts: Iterable[str]) -> list[int]:
    """Days of the horizon on which none of ``shifts`` works."""
    worked = np.zeros(s.horizon.days, bool)
    for name in shifts:
        worked |= shift_cover(s, name)[0] > 0
    return [int(d) for d in np.flatnonzero(~worked)]


def closest_every_day_shift(s: Scenario, own: Sequence[str]) -> str | None:
    """The scenario's shift that works every day of the horizon and whose
    hours of the day are most like those of ``own`` (hours in common over
    hours either covers; the first in ``calendars.shifts`` on a tie), or
    None when no every-day shift shares an hour with them."""
    mine = np.zeros(24, bool)
    for name in own:
        mine |= shift_cover(s, name)[1].any(axis=0)
    best, score = None, 0.0
    for name in s.calendars.shifts:
        if name in own:
            continue
        per_day, cover = shift_cover(s, name)
        if not (per_day > 0).all():
            continue
        hours = cover.any(axis=0)
        common = float((hours & mine).sum())
        share = common / max(float((hours | mine).sum()), 1.0)
        if share > score:
            best, score = name, share
    return best


def _runs_every_day(s: Scenario, role: str, windows: Iterable[str]) -> bool:
    """Does ``role`` do steps of a window whose clock runs on every day?"""
    for wid in windows:
        w = s.service_windows[wid]
        if w.clock not in CALENDAR_CLOCKS:
            continue
        for wf in w.workflows:
            if any(getattr(step, "role", None) == role
                   for _, step, _ in walk(s.workflows[wf].steps)):
                return True
    return False


def default_shifts(s: Scenario, role: str, windows: Iterable[str]) -> list[str]:
    """The shifts ``role``'s temporaries may work by default: its roster's,
    and where those leave days without a shift while a targeted window's
    clock runs through them, the closest every-day shift too."""
    own = roster_shifts(s, role)
    if not own or not uncovered_days(s, own) or not _runs_every_day(s, role, windows):
        return own
    extra = closest_every_day_shift(s, own)
    return own + ([extra] if extra is not None else [])


def day_names(s: Scenario, days: Iterable[int], scope: Iterable[int] | None = None) -> str:
    """Days of the horizon in words: a weekday by its name when at least
    half of its dates in ``scope`` (default: the horizon) are among
    ``days`` ("Saturday/Sunday": a make-up working Saturday does not
    unname it), the other dates as dates ("1 Oct"), the first few."""
    days = sorted(set(days))
    within = set(range(s.horizon.days) if scope is None else scope) | set(days)
    start = s.horizon.start

    def weekday(d: int) -> int:
        return (start + dt.timedelta(days=d)).weekday()

    named = [w for w in range(7) if any(weekday(d) == w for d in days)
             and 2 * sum(weekday(d) == w for d in days) >= sum(weekday(d) == w for d in within)]
    rest = [start + dt.timedelta(days=d) for d in days if weekday(d) not in named]
    text = [f"{x.day} {calendar.month_abbr[x.month]}" for x in rest[:MAX_DATES]]
    if len(rest) > MAX_DATES:
        text.append(f"{len(rest) - MAX_DATES} more days")
    return "/".join(calendar.day_name[w] for w in named) + (
        " and " if named and text else "") + ", ".join(text)
