"""On-duty intervals of every staff member, from the scenario's calendars.

A member's intervals are sorted, non-overlapping ``(start, end)`` pairs in
simulation hours. Analysis uses the same function to know when people were
on duty, so the engine and the reports never disagree about shifts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rules.calendar import DayKinds, Override, RosterGroup, Shift
from rules.scenario import Scenario

if TYPE_CHECKING:  # imported on use: see rules.distributions
    import numpy as np

Intervals = list[tuple[float, float]]


@dataclass(frozen=True)
class MemberShifts:
    name: str
    intervals: tuple[tuple[float, float], ...]
    temporary: bool = False
    #: A member lent from another role: who they are there (``designer#5``).
    home: str = ""


def days_of(s: Scenario) -> list[dt.date]:
    return [s.horizon.start + dt.timedelta(days=i) for i in range(s.horizon.days)]


def shift_intervals(shift: Shift, days: list[dt.date], kinds: DayKinds,
                    first: dt.date) -> Intervals:
    """On-duty blocks of one shift over the given days."""
    blocks = shift.blocks()
    out: Intervals = []
    for day in days:
        if kinds.on_duty(shift, day):
            base = (day - first).days * 24.0
            out.extend((base + a, base + b) for a, b in blocks)
    return out


def merge(intervals: Intervals) -> Intervals:
    out: Intervals = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def duty_clock(intervals: Intervals) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints ``(x, F)`` of F(t) = hours inside the union of
    ``intervals`` before t, for ``np.interp(t, x, F)``."""
    import numpy as np

    iv = merge(list(intervals))
    if not iv:
        return np.array([0.0, 1.0]), np.array([0.0, 0.0])
    x = np.asarray(iv, dtype=float).ravel()
    lengths = np.diff(x)
    lengths[1::2] = 0.0  # the gaps between intervals add nothing
    return x, np.concatenate([[0.0], np.cumsum(lengths)])


def subtract(intervals: Intervals, lo: float, hi: float) -> Intervals:
    out: Intervals = []
    for a, b in intervals:
        if b <= lo or a >= hi:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo))
        if b > hi:
            out.append((hi, b))
    return out


def assign_groups(s: Scenario, role: str) -> list[tuple[RosterGroup, int]]:
    """The roster group of each regular member, with the offset of the
    member's rotation of rest days: fixed groups first, then ``all``;
    members left over when no group says ``all`` go round-robin.

    Within a group the offsets are spread evenly over the cycle (the group
    covers every day it can); each further rotating group is shifted by
    its rank over the role's rotating members, so that the groups do not
    rest on the same weekdays (4 agents in two groups of 6+1 rest on four
    different weekdays, not two agents each on two)."""
    groups = s.calendars.rosters[s.org.roles[role].roster]
    n = s.org.headcount(role)
    out: list[int] = []
    for i, g in enumerate(groups):
        if g.members != "all":
            out.extend([i] * g.members)
    rest = n - len(out)
    everyone = [i for i, g in enumerate(groups) if g.members == "all"]
    if everyone:
        out.extend([everyone[0]] * rest)
    else:
        out.extend(i % len(groups) for i in range(rest))
    out = out[:n]
    size = [out.count(i) for i in range(len(groups))]
    rotating = [i for i, g in enumerate(groups) if g.rotates and size[i]]
    total = sum(size[i] for i in rotating)
    seen = [0] * len(groups)
    placed = []
    for i in out:
        g, pos = groups[i], seen[i]
        rank = rotating.index(i) if i in rotating else 0
        # pos / size + rank / total of a cycle, in integers.
        offset = (pos * total + rank * size[i]) * g.cycle // (size[i] * max(total, 1))
        placed.append((g, offset))
        seen[i] += 1
    return placed


def member_days(group: RosterGroup, offset: int, days: list[dt.date]) -> list[dt.date]:
    """The days a member's rotation puts them on (all days without rest days)."""
    if not group.rotates:
        return days
    return [d for d in days if group.works(d, offset)]


def _roster(s: Scenario, role: str, kinds: DayKinds, days: list[dt.date]) -> list[Intervals]:
    """Each regular member's intervals by the roster, with the rest days
    that ``no_rest`` overrides cancel worked on the member's own shift."""
    cal, first = s.calendars, s.horizon.start
    placed = assign_groups(s, role)
    members = [shift_intervals(cal.shifts[g.shift], member_days(g, offset, days), kinds, first)
               for g, offset in placed]
    for o in cal.overrides:
        if o.role == role and o.change == "no_rest":
            span = [d for d in days if o.start <= d <= o.end]
            for i, (g, offset) in enumerate(placed[:o.members]):
                rest_days = [d for d in span if not g.works(d, offset)]
                members[i] = members[i] + shift_intervals(cal.shifts[g.shift], rest_days,
                                                          kinds, first)
    return members


def _rests(s: Scenario, role: str, members: list[Intervals]) -> list[set[int] | None]:
    """Per regular member, the days (indices) the roster has them on duty
    when their roster rotates rest days, None when it does not (overtime
    may then fall on any day: an office worker's Saturday)."""
    rotates = [g.rotates for g, _ in assign_groups(s, role)]
    return [{int(a // 24) for a, _ in iv} if r else None for r, iv in zip(rotates, members)]


def overtime_members(o: Override, on_days: list[set[int] | None], day: int,
                     members: list[Intervals], block: Intervals) -> list[int]:
    """The members an overtime override puts on ``day``: its first
    ``o.members`` that the roster has on duty that day and that are not on
    duty in the overtime's ``block`` already. A member resting by the
    rotation is never asked, so overtime never makes anyone work more days
    in a row than the roster allows (``rules.checks`` refuses an override
    asking more than there are)."""
    fit = [i for i, days in enumerate(on_days) if (days is None or day in days)
           and not any(a < hi and lo < b for a, b in members[i] for lo, hi in block)]
    return fit[:o.members]


def overtime_room(s: Scenario, role: str, shift: str) -> list[int]:
    """Per day of the horizon, how many of ``role``'s regular members
    overtime on ``shift`` may ask (``overtime_members``)."""
    days = days_of(s)
    kinds = DayKinds(s.calendars.holidays)
    members = _roster(s, role, kinds, days)
    on_days = _rests(s, role, members)
    blocks = s.calendars.shifts[shift].blocks()
    return [sum(1 for i, d in enumerate(on_days) if (d is None or k in d) and not any(
        a < k * 24 + hi and k * 24 + lo < b for a, b in members[i] for lo, hi in blocks))
        for k in range(len(days))]


def role_shifts(s: Scenario, role: str, kinds: DayKinds | None = None) -> list[MemberShifts]:
    """Every member of ``role`` (temporary staff included) with intervals."""
    kinds = kinds or DayKinds(s.calendars.holidays)
    days = days_of(s)
    first = s.horizon.start
    cal = s.calendars
    members = _roster(s, role, kinds, days)
    on_days = _rests(s, role, members)
    temps: list[Intervals] = []
    lent: list[tuple[str, Intervals]] = []
    # Absences (and members lent away) last, so they also cancel overtime on
    # the same dates, whatever order the scenario lists the overrides in.
    for o in sorted(cal.overrides, key=lambda o: o.change in ("absent", "lend")):
        if (o.role != role and o.to != role) or o.change == "no_rest":
            continue
        span = [d for d in days if o.start <= d <= o.end]
        lo = (o.start - first).days * 24.0
        hi = (o.end - first).days * 24.0 + 24.0
        if o.role == role and o.change in ("absent", "lend"):
            # The last members are away (as for an absence): lent ones work
            # for the other role, which lists them as its own below.
            for i in range(max(0, len(members) - o.members), len(members)):
                members[i] = subtract(members[i], lo, hi)
            continue
        # Overrides name extra working days: a temporary block is worked on
        # every day of the span, weekends and holidays included.
        if o.shift is None:  # Override._shape refuses this when loading
            raise ValueError(f"an '{o.change}' override needs a 'shift'")
        blocks = {(d - first).days: [((d - first).days * 24.0 + a, (d - first).days * 24.0 + b)
                                     for a, b in cal.shifts[o.shift].blocks()] for d in span}
        if o.change == "overtime":
            for day, block in blocks.items():
                for i in overtime_members(o, on_days, day, members, block):
                    members[i] = members[i] + block
        elif o.change == "lend":  # members of o.role working here
            lent.extend(_lent(s, o, kinds, days, blocks))
        else:
            temps.extend([[iv for b in blocks.values() for iv in b] for _ in range(o.members)])
    out = [MemberShifts(f"{role}#{i + 1}", tuple(merge(iv))) for i, iv in enumerate(members)]
    out += [MemberShifts(f"{role}#T{i + 1}", tuple(merge(iv)), True) for i, iv in enumerate(temps)]
    # Lent people are paid by their own role: neither temporary nor overtime here.
    out += [MemberShifts(f"{role}#L{i + 1}", tuple(merge(iv)), home=home)
            for i, (home, iv) in enumerate(lent)]
    return out


def _lent(s: Scenario, o: Override, kinds: DayKinds, days: list[dt.date],
          blocks: dict[int, Intervals]) -> list[tuple[str, Intervals]]:
    """The members ``o`` lends (the last ones of ``o.role``), each with the
    helped role's shift on the days of the loan their own roster has them
    on duty: a loan moves a working day, never a rest day."""
    own = _roster(s, o.role, kinds, days)
    out = []
    for i in range(max(0, len(own) - o.members), len(own)):
        on = {int(a // 24) for a, _ in own[i]}
        out.append((f"{o.role}#{i + 1}", [iv for d, b in blocks.items() if d in on for iv in b]))
    return out


def all_shifts(s: Scenario) -> dict[str, list[MemberShifts]]:
    kinds = DayKinds(s.calendars.holidays)
    return {role: role_shifts(s, role, kinds) for role in s.org.roles}


def concurrency_by_day(s: Scenario, role: str) -> list[int]:
    """Tasks a member of ``role`` holds at once, per day of the horizon: the
    role's ``concurrency``, or a ``calendars.concurrency`` period's value."""
    base = s.org.roles[role].concurrency if role in s.org.roles else 1
    out = [base] * s.horizon.days
    for p in s.calendars.concurrency:
        if p.role != role:
            continue
        for i, day in enumerate(days_of(s)):
            if p.start <= day <= p.end:
                out[i] = p.value
    return out


def concurrency_changes(s: Scenario, role: str) -> tuple[int, list[tuple[float, int]]]:
    """The role's concurrency at the start and ``(time, value)`` where it
    changes (at midnight), for the engine's pools."""
    by_day = concurrency_by_day(s, role)
    changes = [(i * 24.0, c) for i, c in enumerate(by_day) if i and c != by_day[i - 1]]
    return by_day[0], changes
