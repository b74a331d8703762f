"""A staffing plan: temporary people per role, shift and day.

The plan is what a shop hires: ``extra`` members on a roster shift for a
stretch of dates (``calendars.overrides``, as ``--temp`` writes them). It is
kept as one integer per day of the horizon for each (role, shift) that may
get staff, and turned into the fewest overrides (one per run of days with
the same number). Moves change a *block* of days (one day, or a week from
the horizon's start with ``granularity="week"``), only on days the shift
works, so no plan pays for a person on a day off.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from rules.scenario import Scenario
from rules.shifts import days_of, overtime_room, role_shifts
from sim.plan.shifts import roster_shifts, shift_cover

Slot = tuple[str, str]  # (role, shift), or (role, PERMANENT)
#: The slot of a role's permanent headcount: one number for the whole
#: horizon, written as ``org.roles.ROLE.headcount``, paid every calendar day.
PERMANENT = "+permanent"


@dataclass(frozen=True)
class Slots:
    """The (role, shift) pairs a plan may staff, and each shift's hours per
    day of the horizon (0 on its days off)."""
    start: dt.date
    days: int
    hours: dict[Slot, np.ndarray]
    #: Per slot, the hours of each day its shift covers (days x 24, boolean).
    cover: dict[Slot, np.ndarray]
    #: Blocks of day indices a move changes together.
    blocks: tuple[tuple[int, ...], ...]
    #: Most people per slot and day.
    cap: dict[Slot, int]
    #: ``extra`` (temporary people), ``overtime`` (regular members staying
    #: on) or ``permanent`` (more regular members).
    change: dict[Slot, str]
    #: The scenario's headcount of each role (what permanent people add to).
    headcount: dict[str, int]
    #: The scenario, for what the nth permanent hire adds (:meth:`hire`).
    scenario: Scenario | None = field(default=None, repr=False, compare=False)
    _hires: dict[tuple[Slot, int], Hire] = field(default_factory=dict, repr=False,
                                                 compare=False)

    def hire(self, slot: Slot, nth: int) -> Hire:
        """What the ``nth`` more member of a permanent slot's role adds to
        its roster (the second hire from the headcount plus one to plus two)."""
        if self.change.get(slot) != "permanent" or self.scenario is None:
            raise ValueError(f"slot {slot!r} is not a permanent headcount")
        if (slot, nth) not in self._hires:
            self._hires[(slot, nth)] = hire(self.scenario, slot[0], self.days, nth)
        return self._hires[(slot, nth)]

    @property
    def slots(self) -> list[Slot]:
        return list(self.hours)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def expand(self, days: Sequence[int]) -> list[int]:
        """Every day of the blocks that ``days`` touch: a plan hired by the
        week changes by whole weeks."""
        touched = set(days)
        return [d for block in self.blocks if touched.intersection(block) for d in block]

    def blocks_of(self, slot: Slot) -> list[tuple[int, ...]]:
        """The blocks a move of ``slot`` changes: the whole horizon at once
        for a permanent headcount."""
        if self.change[slot] == "permanent":
            return [tuple(range(self.days))]
        return list(self.blocks)


def slots(s: Scenario, roles: list[str], shifts: dict[str, list[str]] | None = None,
          granularity: str = "week", cap: dict[str, int] | None = None,
          overtime: dict[str, str] | None = None, permanent: bool = False) -> Slots:
    """Slots of ``roles``: each role's roster shifts unless ``shifts`` names
    them (at most ``cap[role]`` temporary people each), an overtime slot per
    role of ``overtime`` (role -> shift; at most the members the roster has
    on duty and not on that shift on the tightest day), and with
    ``permanent`` a headcount slot per role (at most ``cap[role]`` more; its
    hours are those one more member adds to the role's roster, day by day:
    :func:`hire_hours`)."""
    if granularity not in ("day", "week"):
        raise ValueError(f'granularity must be "day" or "week", got {granularity!r}')
    kinds_of: dict[Slot, str] = {}
    limits: dict[Slot, int] = {}
    wanted: list[Slot] = []
    for role in roles:
        for name in (shifts or {}).get(role) or roster_shifts(s, role):
            wanted.append((role, name))
            kinds_of[(role, name)], limits[(role, name)] = "extra", (cap or {}).get(role, 10**6)
    for role, name in (overtime or {}).items():
        if (role, name) in kinds_of:
            raise ValueError(f"role {role!r}: shift {name!r} is already a temporary staff's shift; "
                             "overtime needs a shift of its own (e.g. an evening)")
        wanted.append((role, name))
        # At most the members free for it on the tightest day: overtime never
        # falls on a rest day (rules.shifts.overtime_members).
        room = overtime_room(s, role, name) if name in s.calendars.shifts else []
        kinds_of[(role, name)], limits[(role, name)] = "overtime", min(room, default=s.headcount(role))
    shift_of = {k: k[1] for k in wanted}
    for role in roles if permanent else []:
        first = roster_shifts(s, role)[:1]
        if first:
            k = (role, PERMANENT)
            wanted.append(k)
            shift_of[k] = first[0]
            kinds_of[k], limits[k] = "permanent", (cap or {}).get(role, 10**6)
    days = days_of(s)
    hours: dict[Slot, np.ndarray] = {}
    cover: dict[Slot, np.ndarray] = {}
    for role, name in wanted:
        if name == PERMANENT:
            hours[(role, name)], cover[(role, name)] = hire_hours(s, role, len(days))
            continue
        shift = shift_of[(role, name)]
        if shift not in s.calendars.shifts:
            raise ValueError(f"role {role!r}: no shift {shift!r} in calendars.shifts")
        hours[(role, name)], cover[(role, name)] = shift_cover(s, shift)
    step = 1 if granularity == "day" else 7
    blocks = tuple(tuple(range(i, min(i + step, len(days)))) for i in range(0, len(days), step))
    return Slots(s.horizon.start, len(days), hours, cover, blocks, limits, kinds_of,
                 {r: s.headcount(r) for r in roles}, s)


@dataclass(frozen=True)
class Hire:
    """What the roster of ``role`` gains with one more member, day by day:
    the roster with that member minus the roster without. Adding a member
    moves everyone's rest days (``rules.shifts.assign_groups`` spreads the
    offsets by the group's size), so a day's gain may be two shifts, or a
    loss, not the new member's own days."""
    #: On-duty hours per day (negative on a day the roster loses).
    hours: np.ndarray
    #: Members on duty at the middle of each hour (days x 24).
    cover: np.ndarray
    #: Members on duty per day (on duty at some hour of it).
    days: np.ndarray

    @property
    def worked(self) -> float:
        """Member-days worked more over the horizon: what the pay buys."""
        return float(self.days.sum())


def _coverage(s: Scenario, role: str, headcount: int,
              days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    role_def = s.org.roles[role].model_copy(update={"headcount": headcount})
    scen = s.model_copy(update={"org": s.org.model_copy(
        update={"roles": {**s.org.roles, role: role_def}})})
    per_day = np.zeros(days)
    mid = np.arange(days * 24) + 0.5
    on = np.zeros(days * 24)
    members = np.zeros(days)
    for m in role_shifts(scen, role):
        if m.temporary:
            continue
        worked: set[int] = set()
        for a, b in m.intervals:
            on += (mid >= a) & (mid < b)
            while a < b:  # split at midnights
                d, cut = int(a // 24), min(b, (a // 24 + 1) * 24)
                if 0 <= d < days:
                    per_day[d] += cut - a
                    worked.add(d)
                a = cut
        members[sorted(worked)] += 1
    return per_day, on.reshape(days, 24), members


def hire(s: Scenario, role: str, days: int, nth: int = 1) -> Hire:
    """The ``nth`` more permanent member of ``role``: the roster with the
    headcount plus ``nth`` minus the roster with the headcount plus
    ``nth - 1``. A hire works the days its roster gives it (6 of 7 on a 6+1
    rotation), not every day its shift runs; its pay is every calendar day."""
    n = s.headcount(role)
    more, less = _coverage(s, role, n + nth, days), _coverage(s, role, n + nth - 1, days)
    return Hire(*(a - b for a, b in zip(more, less)))


def hire_hours(s: Scenario, role: str, days: int, nth: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """On-duty hours per day and members on duty per hour (days x 24) that
    the ``nth`` more permanent member of ``role`` adds: :func:`hire`."""
    h = hire(s, role, days, nth)
    return h.hours, h.cover


class Plan:
    """People per (role, shift) per day; zero everywhere to begin with."""

    def __init__(self, sl: Slots, people: dict[Slot, np.ndarray] | None = None) -> None:
        self.slots = sl
        self.people = {k: np.zeros(sl.days, np.int64) for k in sl.hours}
        for k, v in (people or {}).items():
            self.people[k] = np.asarray(v, np.int64).copy()

    def copy(self) -> Plan:
        return Plan(self.slots, self.people)

    def key(self) -> tuple:
        return tuple((k, tuple(int(x) for x in v)) for k, v in sorted(self.people.items()))

    def add(self, slot: Slot, block: int, n: int) -> Plan:
        """A copy with ``n`` more (or fewer) people on the block's working
        days, within ``[0, cap]``."""
        return self.add_days(slot, self.slots.blocks_of(slot)[block], n)

    def add_days(self, slot: Slot, days: Sequence[int], n: int) -> Plan:
        """A copy with ``n`` more (or fewer) people on those of ``days`` the
        slot's shift works, within ``[0, cap]`` (a permanent headcount
        changes on every day, whatever ``days`` says)."""
        whole = self.slots.change[slot] == "permanent"
        days = range(self.slots.days) if whole else self.slots.expand(days)
        out = self.copy()
        works = [d for d in days if self.slots.hours[slot][d] > 0]
        v = out.people[slot]
        v[works] = np.clip(v[works] + n, 0, self.slots.cap[slot])
        return out

    def set_days(self, slot: Slot, values: np.ndarray) -> Plan:
        """A copy with ``values`` people per day on the slot's working days,
        one number per block (the mean of its working days, rounded up: a
        week's hire covers its average day, the search adds where a peak day
        needs more), one number for a permanent headcount (the largest)."""
        values = np.asarray(values, dtype=float)
        if self.slots.change[slot] == "permanent":
            values = np.full(self.slots.days, float(np.max(values, initial=0)))
        else:
            works = self.slots.hours[slot] > 0
            per_block = np.zeros(self.slots.days)
            for block in self.slots.blocks:
                days = [d for d in block if works[d]]
                if days:
                    per_block[days] = math.ceil(float(np.mean(values[days])) - 1e-9)
            values = per_block
        out = self.copy()
        works = self.slots.hours[slot] > 0
        out.people[slot] = np.where(works, np.clip(values, 0, self.slots.cap[slot]),
                                    0).astype(np.int64)
        return out

    def at_cap(self, slot: Slot, day: int) -> bool:
        return bool(self.people[slot][day] >= self.slots.cap[slot])

    def days_by_role(self, change: str = "extra") -> dict[str, int]:
        """Person-days per role of the slots of one kind: temporary
        person-days (``extra``), or member-days of ``overtime``."""
        out: dict[str, int] = {}
        for (role, shift), v in self.people.items():
            if self.slots.change[(role, shift)] == change:
                out[role] = out.get(role, 0) + int(v.sum())
        return out

    def person_days(self) -> dict[str, int]:
        """Temporary person-days per role (overtime is not a person-day)."""
        return self.days_by_role("extra")

    def total_person_days(self) -> int:
        return sum(self.person_days().values())

    def permanent(self) -> dict[str, int]:
        """More regular members per role."""
        return {role: int(v.max(initial=0)) for (role, shift), v in self.people.items()
                if self.slots.change[(role, shift)] == "permanent" and v.max(initial=0) > 0}

    def sets(self) -> list[str]:
        """The permanent headcounts as ``--set`` options."""
        return [f"org.roles.{role}.headcount={self.slots.headcount[role] + n}"
                for role, n in sorted(self.permanent().items())]

    def runs(self, change: str = "extra") -> Iterator[tuple[str, str, int, dt.date, dt.date]]:
        """(role, shift, people, first, last): maximal runs of working days
        with the same positive number. A run ends at a day the shift does not
        work: an override covers every day of its span, so one bridging a
        weekend would staff (and pay) the weekend."""
        for (role, shift), v in sorted(self.people.items()):
            if self.slots.change[(role, shift)] != change:
                continue
            works = self.slots.hours[(role, shift)] > 0
            run: tuple[int, int, int] | None = None  # (people, first, last)
            for d in range(self.slots.days):
                n = int(v[d]) if works[d] else 0
                if run is not None and n == run[0]:
                    run = (n, run[1], d)
                    continue
                if run is not None and run[0] > 0:
                    yield role, shift, run[0], self.slots.date(run[1]), self.slots.date(run[2])
                run = (n, d, d)
            if run is not None and run[0] > 0:
                yield role, shift, run[0], self.slots.date(run[1]), self.slots.date(run[2])

    def temps(self, change: str = "extra") -> list[str]:
        """The plan as ``--temp`` (or with ``change="overtime"``,
        ``--overtime``) options: ``ROLE+N@START..END:SHIFT``."""
        return [f"{role}+{n}@{a.isoformat()}..{b.isoformat()}:{shift}"
                for role, shift, n, a, b in self.runs(change)]

    def overrides(self) -> list[dict]:
        """The plan as ``calendars.overrides`` entries."""
        return [{"role": role, "change": change, "members": n, "start": a.isoformat(),
                 "end": b.isoformat(), "shift": shift, "note": "opsim plan"}
                for change in ("extra", "overtime") for role, shift, n, a, b in self.runs(change)]
