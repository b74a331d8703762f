"""Stage 1: what no plan can go below, and a first guess for chats.

The *load bound*: per role and stretch of days (each period of the scenario,
and the days outside every period), the person-hours of work offered
(``work_hours + unserved_hours`` of :mod:`sim.analysis.workload`, measured
on the scenario as it is) beyond the on-duty hours of the staff it already
has must be worked by temporary people, at most one shift's hours per
person-day. It assumes the work arriving in a stretch is done in it (the
windows allow a few days of carry-over at most) and 100% utilisation, so it
is optimistic: every plan that keeps up with the work costs at least this.

The *Erlang C start* for windows measured in minutes (the chat's first
reply): per hour of each day, the fewest agents (each serving
``concurrency`` chats) for which an M/M/c queue with the hour's offered
load answers the target share within the limit; the shortfall against the
members on duty that hour is the search's first guess for the shift
covering it. Stationary per hour, without patience: a start, not a bound.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np

from rules.scenario import Scenario
from rules.shifts import concurrency_by_day, role_shifts
from rules.workflow import walk
from sim.analysis.payroll import daily_staffing
from sim.plan.decisions import Plan, Slots

__all__ = ["erlang_c", "erlang_start", "load_bound", "on_duty_by_hour", "segments"]


def segments(s: Scenario) -> dict[str, list[int]]:
    """Day indices of each period, and ``outside_periods`` for the rest."""
    out: dict[str, list[int]] = {}
    used: set[int] = set()
    for name, p in s.periods.items():
        days = [d for d in range(s.horizon.days)
                if p.start <= s.horizon.start + _td(d) <= p.end]
        out[name] = days
        used.update(days)
    rest = [d for d in range(s.horizon.days) if d not in used]
    if rest:
        out["outside_periods"] = rest
    return out


def _td(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


CAVEATS = (
    "work is done in the stretch it arrives in, at 100% utilisation: real queues need slack",
    "the offered load is measured on the scenario as it is (a mean over the search's "
    "replications, an estimate); work held up upstream never reaches later roles and is "
    "not counted",
    "each missing hour is priced at the role's cheapest allowed rate (a temporary day rate "
    "over the shift's hours, or an overtime hour)",
)


def load_bound(s: Scenario, workload: dict, sl: Slots, roles: list[str]) -> dict:
    """Per role and stretch: offered and on-duty person-hours, the hours
    missing, what they cost at the cheapest allowed hourly rate, and the
    temporary person-days they would take; totals and the caveats."""
    staffed = daily_staffing(s)
    out: dict = {"roles": {}, "person_days": 0, "cost_cny": 0.0, "caveats": list(CAVEATS)}
    for role in roles:
        mine = [k for k in sl.slots if k[0] == role and sl.change[k] != "permanent"]
        shift_hours = max((float(sl.hours[k].max()) for k in mine), default=8.0)
        rates = [s.costs.temporary(role) / max(float(sl.hours[k].max()), 1e-9)
                 if sl.change[k] == "extra" else s.costs.overtime(role) for k in mine]
        rate = min(rates, default=s.costs.temporary(role) / shift_hours)
        offered = (np.asarray(workload["work_hours"].get(role, np.zeros(sl.days)))
                   + np.asarray(workload["unserved_hours"].get(role, np.zeros(sl.days))))
        on_duty = staffed[role]["hours"] if role in staffed else np.zeros(sl.days)
        per: dict = {}
        for name, days in segments(s).items():
            need = float(offered[days].sum())
            have = float(on_duty[days].sum())
            missing = max(0.0, need - have)
            per[name] = {"offered_hours": round(need, 1), "on_duty_hours": round(have, 1),
                         "missing_hours": round(missing, 1),
                         "person_days": math.ceil(missing / shift_hours - 1e-9),
                         "cost_cny": round(missing * rate, 2)}
        role_pd = sum(x["person_days"] for x in per.values())
        role_cost = round(sum(x["cost_cny"] for x in per.values()), 2)
        out["roles"][role] = {"stretches": per, "person_days": role_pd, "cost_cny": role_cost,
                              "cheapest_hourly_rate": round(rate, 2)}
        out["person_days"] += role_pd
        out["cost_cny"] = round(out["cost_cny"] + role_cost, 2)
    return out


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a``
    (Erlang C; 1 when ``a >= c``)."""
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0  # Erlang B by its recursion, stable for large c
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1.0 - (a / c) * (1.0 - b))


def servers_for(a: float, mu: float, limit: float, target: float, cap: int = 10_000) -> int:
    """The fewest servers answering ``target`` of arrivals within ``limit``
    hours: ``1 - C(c, a) exp(-(c mu - a mu) limit) >= target``."""
    c = max(1, math.ceil(a))
    while c < cap:
        if 1.0 - erlang_c(c, a) * math.exp(-(c - a) * mu * limit) >= target:
            return c
        c += 1
    return cap


def erlang_start(s: Scenario, workload: dict, plan: Plan, targets: dict[str, float]) -> Plan:
    """``plan`` with the Erlang C shortfall of each minute-scale window's role
    added on the slots whose shift covers the short hours."""
    out = plan
    for wid, w in s.service_windows.items():
        target = targets.get(wid)
        if target is None or w.limit_hours >= 1.0:
            continue
        found = _step(s, w.workflows, w.start.activity)
        if found is None:
            continue
        role, mean_hours = found
        slots = [k for k in plan.slots.slots if k[0] == role and plan.slots.change[k] == "extra"]
        if not slots or mean_hours <= 0:
            continue
        days = plan.slots.days
        # The day's concurrency (calendars.concurrency: more chats at a peak).
        conc = np.maximum(np.asarray(concurrency_by_day(s, role), float)[:days], 1.0)
        offered = (np.asarray(workload["work_hours"].get(role, np.zeros(days)))
                   + np.asarray(workload["unserved_hours"].get(role, np.zeros(days))))
        profile = np.asarray(s.demand.hour_profile if s.demand else (1.0,) * 24, float)
        share = profile / profile.sum()
        # Busy person-hours x concurrency = chat-hours; spread over the day's hours.
        load = offered[:, None] * conc[:, None] * share[None, :]
        need = np.zeros((days, 24))
        lo, hi = w.active_hours or (0, 24)
        for d in range(days):
            for h in range(lo, hi):
                if load[d, h] > 0:
                    need[d, h] = math.ceil(servers_for(load[d, h], 1.0 / mean_hours,
                                                       w.limit_hours, target) / conc[d])
        short = np.maximum(need - on_duty_by_hour(s, role, days), 0)
        for slot in slots:
            covers = plan.slots.cover[slot]
            add = np.array([short[d][covers[d]].max() if covers[d].any() else 0
                            for d in range(days)])
            out = out.set_days(slot, np.maximum(out.people[slot], add))
    return out


def _step(s: Scenario, workflows: tuple[str, ...], activity: str) -> tuple[str, float] | None:
    for wf in workflows:
        for _, step, _ in walk(s.workflows[wf].steps):
            role, duration = getattr(step, "role", None), getattr(step, "duration", None)
            if getattr(step, "id", None) == activity and isinstance(role, str) and duration:
                return role, float(duration.mean_hours())
    return None


def on_duty_by_hour(s: Scenario, role: str, days: int) -> np.ndarray:
    """Members on duty in each hour (counted when on duty at its middle)."""
    mid = np.arange(days * 24) + 0.5
    count = np.zeros(days * 24)
    for m in role_shifts(s, role):
        for a, b in m.intervals:
            count += (mid >= a) & (mid < b)
    return count.reshape(days, 24)

