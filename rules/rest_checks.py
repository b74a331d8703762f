"""Checks of rest days (issue 16 point 2): a rotation that leaves a shift
empty, overtime asking members who rest, rest days cancelled where there
are none. Kept apart from ``rules.checks`` for its size."""
from __future__ import annotations

from collections.abc import Iterator

from rules.calendar import Override
from rules.errors import plural
from rules.scenario import Scenario
from rules.shifts import assign_groups, days_of, overtime_room

Found = Iterator[tuple[tuple, str]]


def rest_day_problems(s: Scenario, o: Override, here: tuple) -> Found:
    """An override's problems with rest days (``o.role`` is known)."""
    cal, n = s.calendars, s.org.headcount(o.role)
    if (o.change == "overtime" and o.members <= n and o.shift in cal.shifts
            and rosters_known(s, o.role)):
        try:
            room = overtime_room(s, o.role, o.shift)
        except NotImplementedError:  # a year chinese-calendar lacks: reported below
            room = []
        short = [(d, k) for d, k in zip(days_of(s), room) if o.start <= d <= o.end and k < o.members]
        if short:
            day, k = short[0]
            yield here + ("members",), (
                f"{o.members} members on overtime but on {day} only {k} of '{o.role}' work "
                f"that day by the roster and not already on {o.shift} (the others rest): "
                f"overtime never falls on a rest day; ask at most {min(k for _, k in short)}, "
                f"or cancel the rest days with change: no_rest")
    if o.change == "no_rest" and not any(
            g.rotates for g in cal.rosters.get(s.org.roles[o.role].roster, ())):
        yield here + ("change",), (
            f"role '{o.role}' has no rotating rest days in its roster "
            f"'{s.org.roles[o.role].roster}' (days_on/days_off), so no_rest would never take effect")


def rest_cover_problems(s: Scenario, role: str) -> Found:
    """A rotating group whose rest days leave its shift with nobody on some
    days of every cycle (``members: all, days_on: 2, days_off: 5``)."""
    if not rosters_known(s, role):
        return
    name = s.org.roles[role].roster
    groups = s.calendars.rosters[name]
    offsets: dict[int, list[int]] = {}
    for g, offset in assign_groups(s, role):
        offsets.setdefault(groups.index(g), []).append(offset)
    for i, offs in offsets.items():
        g = groups[i]
        if not g.rotates or g.allow_gaps:
            continue
        empty = sum(1 for k in range(g.cycle) if not any((k + o) % g.cycle < (g.days_on or 0) for o in offs))
        if empty:
            yield ("calendars", "rosters", name, i), (
                f"shift {g.shift} has nobody of '{role}' on {empty} of every {g.cycle} days: "
                f"{plural(len(offs), 'member')} working {g.days_on} days on, {g.days_off} off "
                f"cannot cover it; add members to the group, shorten days_off, or say allow_gaps: true")


def rosters_known(s: Scenario, role: str) -> bool:
    """Can ``role``'s roster be laid out (its roster and shifts exist)?"""
    groups = s.calendars.rosters.get(s.org.roles[role].roster)
    return groups is not None and all(g.shift in s.calendars.shifts for g in groups)
