"""When planned work and recurring duties fall in calendar time.

Calendar triggers (``every``) fall on the shop's working days: a date that is
a holiday or a weekend moves to the next working day. Rate triggers are a
homogeneous Poisson process around the clock; the work then waits for the
people's shifts like any other.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from rules.calendar import WEEKDAYS, DayKinds, hours_of
from rules.org import Duty
from rules.scenario import Scenario
from rules.workflow import Trigger, Workflow
from sim.inputs.streams import Streams

HOURS_PER = {"hour": 1.0, "day": 24.0, "week": 168.0, "month": 24.0 * 30.4375}


def _due_dates(every: str, weekday: str, day: int, month: int,
               days: list[dt.date]) -> list[dt.date]:
    if every == "day":
        return list(days)
    if every == "week":
        return [d for d in days if WEEKDAYS[d.weekday()] == weekday]
    if every == "month":
        return [d for d in days if d.day == day]
    if every == "quarter":
        # In the last month of each quarter: the plan for the next quarter.
        return [d for d in days if d.day == day and d.month % 3 == 0]
    return [d for d in days if d.day == day and d.month == month]


def _next_working(d: dt.date, kinds: DayKinds, last: dt.date) -> dt.date | None:
    while not kinds.is_working_day(d):
        d += dt.timedelta(days=1)
        if d > last:
            return None
    return d


def calendar_times(every: str, at: str, weekday: str, day: int, month: int,
                   s: Scenario, kinds: DayKinds, working_only: bool = True) -> list[float]:
    first = s.horizon.start
    days = [first + dt.timedelta(days=i) for i in range(s.horizon.days)]
    out: set[float] = set()
    for d in _due_dates(every, weekday, day, month, days):
        if working_only:
            working = _next_working(d, kinds, days[-1])
            if working is None:
                continue
            d = working
        out.add((d - first).days * 24.0 + hours_of(at))
    return sorted(out)


def trigger_times(t: Trigger, s: Scenario, kinds: DayKinds, rng: np.random.Generator) -> list[float]:
    if t.kind == "every":
        if t.every is None:  # Trigger._shape refuses this when loading
            raise ValueError("a trigger of kind 'every' needs 'every'")
        return calendar_times(t.every, t.at, t.weekday, t.day, t.month, s, kinds)
    if t.kind == "rate":
        horizon = s.horizon.hours
        n = rng.poisson(t.mean * horizon / HOURS_PER[t.per])
        return sorted((rng.random(n) * horizon).tolist())
    if t.kind == "campaign" and s.demand is not None:
        out = []
        for c in s.demand.campaigns.values():
            when = (c.start - s.horizon.start).days * 24.0 - t.lead_days * 24.0 + hours_of(t.at)
            if 0 <= when < s.horizon.hours:
                out.append(when)
        return sorted(out)
    return []


def _outside_campaign_months(times: list[float], triggers: tuple[Trigger, ...], s: Scenario,
                             kinds: DayKinds) -> list[float]:
    """``times`` but those in a month in which one of the workflow's
    campaign triggers starts a case (campaign triggers draw nothing)."""
    start = s.horizon.start

    def month(t: float) -> tuple[int, int]:
        d = start + dt.timedelta(hours=t)
        return d.year, d.month

    taken = {month(t) for x in triggers if x.kind == "campaign"
             for t in trigger_times(x, s, kinds, np.random.default_rng(0))}
    return [t for t in times if month(t) not in taken]


def planned_arrivals(wid: str, wf: Workflow, s: Scenario, kinds: DayKinds,
                     streams: Streams) -> list[tuple[float, dict]]:
    """``(time, attributes)`` of every case the workflow's triggers start,
    in time order: a batch's ``items`` drawn per case where the trigger
    gives a batch size. The first trigger keeps the stream it always had, so
    adding a trigger or a batch size leaves the other draws as they were."""
    out: list[tuple[float, int, dict]] = []
    triggers = (wf.trigger, *wf.extra_triggers)
    for k, trigger in enumerate(triggers):
        name = f"trigger:{wid}" if k == 0 else f"trigger:{wid}:{k}"
        times = trigger_times(trigger, s, kinds, streams.rng(name))
        if trigger.replaced_by_campaign:
            times = _outside_campaign_months(times, triggers, s, kinds)
        if trigger.items is None:
            out.extend((t, k, {}) for t in times)
            continue
        items = streams.rng(f"items:{wid}:{k}").integers(
            trigger.items.low, trigger.items.high + 1, size=len(times))
        out.extend((t, k, {"items": int(n)}) for t, n in zip(times, items.tolist()))
    out.sort(key=lambda x: (x[0], x[1]))
    return [(t, attrs) for t, _, attrs in out]


def duty_times(duty: Duty, s: Scenario, kinds: DayKinds) -> list[float]:
    # Daily duties happen on the role's own working days (customer service
    # works weekends); the others on the shop's working days.
    working_only = duty.every != "day"
    return calendar_times(duty.every, duty.at, duty.weekday, duty.day, 1, s, kinds, working_only)
