"""Working calendars: shifts, rosters, Chinese holidays and make-up working
days, and date overrides (overtime, temporary staff, absences).

All times are China Standard Time, naive. Holidays come from the maintained
``chinese-calendar`` package; years it does not cover must be listed in the
scenario (``calendars.holidays.years``), and the loader says so otherwise.
"""
from __future__ import annotations

import datetime as dt
import itertools
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from rules.org import Frozen, Id
from rules.ranges import Concurrency, People, RestDays, RosterDays, SomePeople, Year

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"


def hours_of(clock: str) -> float:
    h, m = clock.split(":")
    return int(h) + int(m) / 60


class Shift(Frozen):
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)
    #: Unpaid breaks inside the shift, as [from, to] pairs.
    breaks: tuple[tuple[str, str], ...] = ()
    weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    #: Off on Chinese public holidays?
    holidays_off: bool = True
    #: Work on the make-up working days (调休上班) that fall on weekends?
    makeup_days_on: bool = True

    @model_validator(mode="after")
    def _times(self) -> Shift:
        if hours_of(self.start) >= hours_of(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end} "
                             f"(shifts do not cross midnight)")
        for lo, hi in self.breaks:
            if not (hours_of(self.start) <= hours_of(lo) < hours_of(hi) <= hours_of(self.end)):
                raise ValueError(f"break [{lo}, {hi}] must lie inside the shift {self.start}-{self.end}")
        ordered = sorted(self.breaks, key=lambda b: hours_of(b[0]))
        for (_, end), (start, _) in itertools.pairwise(ordered):
            if hours_of(start) < hours_of(end):
                raise ValueError(f"breaks overlap ({end} is after {start}); give each break once")
        return self

    def blocks(self) -> list[tuple[float, float]]:
        """On-duty blocks of a day, in hours after midnight."""
        out, t = [], hours_of(self.start)
        for lo, hi in sorted(self.breaks):
            out.append((t, hours_of(lo)))
            t = hours_of(hi)
        out.append((t, hours_of(self.end)))
        return [(a, b) for a, b in out if b > a]

    @property
    def hours_per_day(self) -> float:
        return sum(b - a for a, b in self.blocks())


class RosterGroup(Frozen):
    shift: Id
    #: How many of the role's members work this shift; ``all`` for everyone
    #: not assigned to another group.
    members: People | Literal["all"] = "all"
    #: Rotating rest days: each member of the group works ``days_on`` days
    #: of the shift in a row, then rests ``days_off`` days; the members'
    #: rotations are staggered evenly so that the group covers every day it
    #: can, and the groups' among each other so that the role's members do
    #: not all rest on the same weekdays (``rules.shifts``). Days count in
    #: the calendar, anchored to a fixed date, so a member's rest days do
    #: not move with the horizon. None (no rest days named): every day the
    #: shift works, as a queue that never closes.
    days_on: RosterDays | None = None
    days_off: RestDays = 0
    #: The rotation may leave the shift with nobody on some days (refused
    #: unless said: ``rules.checks``).
    allow_gaps: bool = False

    @property
    def rotates(self) -> bool:
        return self.days_on is not None and self.days_off > 0

    @property
    def cycle(self) -> int:
        return (self.days_on or 0) + self.days_off

    def works(self, day: dt.date, offset: int) -> bool:
        """Does a member whose rotation is ``offset`` days on work on
        ``day`` by the rotation (the shift's own weekdays aside)?"""
        if self.days_on is None or self.days_off == 0:
            return True
        return (day.toordinal() + offset) % self.cycle < self.days_on


class DateRange(Frozen):
    """From ``start`` to ``end``, both dates included."""
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Override(DateRange):
    """A change on given dates: temporary staff, overtime, absence, people
    lent to another role, rest days cancelled."""
    role: Id
    #: ``extra``: n temporary members work ``shift``; ``overtime``: n regular
    #: members also work ``shift``; ``absent``: n members are away;
    #: ``lend``: n members leave their role for role ``to``, working its
    #: ``shift`` there (the ops supervisor's 人力资源调配); ``no_rest``: the
    #: first n members work their roster's shift on the rest days their
    #: rotation gives them on these dates (all hands at a peak), paid as
    #: overtime hours.
    change: Literal["extra", "overtime", "absent", "lend", "no_rest"]
    members: SomePeople
    shift: Id | None = None
    to: Id | None = None
    note: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Override:
        if self.change in ("extra", "overtime", "lend") and self.shift is None:
            raise ValueError(f"a change of kind '{self.change}' needs 'shift'")
        if self.change == "no_rest" and self.shift is not None:
            raise ValueError("change: no_rest works each member's own roster shift; give no 'shift'")
        if (self.change == "lend") != (self.to is not None):
            raise ValueError("'to' (the role helped) goes with change: lend, and only with it")
        if self.to == self.role:
            raise ValueError(f"'{self.role}' cannot be lent to itself")
        return self


class ConcurrencyPeriod(DateRange):
    """Tasks each member of ``role`` holds at once on these dates, in place
    of the role's ``concurrency`` (chat agents take more chats at a peak)."""
    role: Id
    value: Concurrency
    source: str = ""


class YearHolidays(Frozen):
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()


class Holidays(Frozen):
    #: ``chinese_calendar``: the maintained package; ``listed``: only ``years``.
    source: Literal["chinese_calendar", "listed"] = "chinese_calendar"
    #: Years the package does not cover (or corrections): listed by hand.
    years: dict[Year, YearHolidays] = {}


class Calendars(Frozen):
    holidays: Holidays = Holidays()
    shifts: dict[Id, Shift] = Field(min_length=1)
    rosters: dict[Id, tuple[RosterGroup, ...]] = Field(min_length=1)
    overrides: tuple[Override, ...] = ()
    #: Concurrency by date (none: every role keeps its ``concurrency``).
    concurrency: tuple[ConcurrencyPeriod, ...] = ()


class DayKinds:
    """Answers "is this date a holiday / make-up working day / working day"."""

    def __init__(self, holidays: Holidays) -> None:
        self._source = holidays.source
        self._listed = {y: (frozenset(v.holidays), frozenset(v.workdays))
                        for y, v in holidays.years.items()}

    def _listed_kind(self, day: dt.date) -> str | None:
        year = self._listed.get(day.year)
        if year is None:
            return None
        if day in year[0]:
            return "holiday"
        if day in year[1]:
            return "makeup"
        return "weekend" if day.weekday() >= 5 else "weekday"

    def kind(self, day: dt.date) -> str:
        """One of ``weekday``, ``weekend``, ``holiday``, ``makeup``."""
        listed = self._listed_kind(day)
        if listed is not None:
            return listed
        if self._source == "listed":
            return "weekend" if day.weekday() >= 5 else "weekday"
        return _library_kind(day)

    def is_working_day(self, day: dt.date) -> bool:
        return self.kind(day) in ("weekday", "makeup")

    def on_duty(self, shift: Shift, day: dt.date) -> bool:
        kind = self.kind(day)
        if kind == "holiday":
            return not shift.holidays_off and WEEKDAYS[day.weekday()] in shift.weekdays
        if kind == "makeup":
            return shift.makeup_days_on or WEEKDAYS[day.weekday()] in shift.weekdays
        return WEEKDAYS[day.weekday()] in shift.weekdays


@lru_cache(maxsize=4096)
def _library_kind(day: dt.date) -> str:
    import chinese_calendar  # imported late: only scenarios that use it pay

    if chinese_calendar.is_holiday(day):
        return "holiday" if day.weekday() < 5 or _named_holiday(day) else "weekend"
    return "makeup" if day.weekday() >= 5 else "weekday"


def _named_holiday(day: dt.date) -> bool:
    import chinese_calendar

    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return bool(on_holiday and name)


def library_covers(year: int) -> bool:
    """Does the installed chinese-calendar know this year's holidays?"""
    import chinese_calendar

    try:
        chinese_calendar.is_holiday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def library_version() -> str:
    import chinese_calendar

    return getattr(chinese_calendar, "__version__", "unknown")
