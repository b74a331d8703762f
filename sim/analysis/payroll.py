"""People on duty per role and day, person-days, and what they cost.

Computed from the shifts the engine runs on (``rules.shifts``: rosters,
holidays, make-up days, temporary staff, overtime and absences), so the
staffing shown is the staffing simulated, not the documented headcount. A
regular member is paid every calendar day of the horizon, a temporary person
each day worked, overtime and rest days worked (``no_rest``) by the hour
(``rules/costs.yaml``).
"""
from __future__ import annotations

import numpy as np

from rules.scenario import Scenario
from rules.shifts import MemberShifts, all_shifts


def _hours_by_day(member: MemberShifts, days: int) -> np.ndarray:
    """On-duty hours of ``member`` on each day of the horizon."""
    out = np.zeros(days)
    for a, b in member.intervals:
        d = int(a // 24)
        while a < b and d < days:
            end = min(b, (d + 1) * 24.0)
            out[d] += end - a
            a, d = end, d + 1
    return out


def _without_overtime(s: Scenario) -> Scenario:
    # Rest days cancelled (no_rest) are paid like overtime: hours on top of the roster.
    kept = tuple(o for o in s.calendars.overrides if o.change not in ("overtime", "no_rest"))
    return s.model_copy(update={"calendars": s.calendars.model_copy(update={"overrides": kept})})


def daily_staffing(s: Scenario) -> dict[str, dict[str, np.ndarray]]:
    """Per role, per day: ``regular`` and ``temporary`` people on duty,
    ``hours`` on duty and the regular members' ``overtime_hours``."""
    days = s.horizon.days
    with_ot, without_ot = all_shifts(s), all_shifts(_without_overtime(s))
    out = {}
    for role, members in with_ot.items():
        hours = np.array([_hours_by_day(m, days) for m in members]).reshape(len(members), days)
        temp = np.array([m.temporary for m in members], dtype=bool)
        base = sum((_hours_by_day(m, days) for m in without_ot[role] if not m.temporary),
                   np.zeros(days))
        out[role] = {
            "regular": np.count_nonzero(hours[~temp] > 0, axis=0),
            "temporary": np.count_nonzero(hours[temp] > 0, axis=0),
            "hours": hours.sum(axis=0),
            "overtime_hours": np.maximum(hours[~temp].sum(axis=0) - base, 0.0),
        }
    return out


def staffing(s: Scenario, daily: dict[str, dict[str, np.ndarray]] | None = None) -> dict:
    """``staffing`` (per role: headcount, person-days on duty, temporary
    person-days, overtime hours, cost) and ``cost_cny_total`` of the summary."""
    daily = daily_staffing(s) if daily is None else daily
    c = s.costs
    roles = {}
    for role, d in daily.items():
        headcount = s.org.headcount(role)
        temp_days = int(d["temporary"].sum())
        overtime = float(d["overtime_hours"].sum())
        cost = (headcount * s.horizon.days * c.regular(role) + temp_days * c.temporary(role)
                + overtime * c.overtime(role))
        roles[role] = {"headcount": headcount,
                       "person_days": int(d["regular"].sum()) + temp_days,
                       "temporary_person_days": temp_days,
                       "overtime_hours": round(overtime, 2),
                       "cost_cny": round(cost, 2)}
    return {"staffing": roles,
            "cost_cny_total": round(sum(r["cost_cny"] for r in roles.values()), 2)}
