"""The organisation chart: departments, roles with headcounts and reporting
lines, outside parties, discussion groups and recurring duties."""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from rules.distributions import Duration
from rules.ranges import (
    MAX_CONCURRENCY,
    MAX_GRACE_HOURS,
    MAX_INTERLEAVE_MINUTES,
    MAX_PROJECTS,
    People,
    Priority,
    Share,
    SomePeople,
)


def _ascii_id(value: str) -> str:
    """Ids are ASCII ``[a-z][a-z0-9_]*``: a look-alike letter (a Cyrillic
    small ie for the ``e`` of ``designer``) would make a second id that
    nothing else names."""
    if re.fullmatch(r"[a-z][a-z0-9_]*", value):
        return value
    odd = next((c for c in value if not (c.isascii() and (c.isalnum() or c == "_"))), None)
    if odd is not None and not odd.isascii():
        hint = f"'{odd}' is {unicodedata.name(odd, 'not ASCII')}, not an ASCII letter"
    elif odd is not None:
        hint = f"'{odd}' may not appear in an id"
    else:
        hint = "it must start with a lowercase letter and hold no capitals"
    raise ValueError(f"id {value[:40]!r}: {hint}; ids are ASCII [a-z][a-z0-9_]*")


#: Every id in the rules (roles, departments, workflows, steps, shifts...).
Id = Annotated[str, AfterValidator(_ascii_id)]
Basis = Literal["documented", "implied", "assumed", "rule"]


class Frozen(BaseModel):
    """Base of every rules object: unknown keys fail, objects are immutable,
    and no number is infinite or NaN (``.inf`` in a file would pass the
    check and then crash the run or write Infinity into summary.json)."""
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Department(Frozen):
    name_zh: str
    function: str = ""
    #: False for the units the workflows name outside the center (GM, finance...).
    in_operations_center: bool = True


class Role(Frozen):
    name_zh: str
    department: Id
    #: ``per_project`` follows the source's rule "运营: one per project".
    headcount: People | Literal["per_project"]
    headcount_basis: Basis
    reports_to: Id | None = None
    #: Tasks one member works on at once (chats per customer-service agent).
    concurrency: StrictInt = Field(default=1, ge=1, le=MAX_CONCURRENCY)
    #: A shared conversation started while its member holds more than
    #: ``concurrency`` of them (a peak's ``calendars.concurrency``) lasts this
    #: share longer per conversation beyond it: more chats at once, slower
    #: each (0: off).
    slowdown: Share = 0.0
    #: Hours a task that takes the whole member waits before it may claim a
    #: member holding conversations (an empty one takes it at once): it
    #: claims at the first dispatch (the line is looked at when a task is
    #: asked for or done and at shift starts and ends) after it has waited
    #: that long, if it is first in line then; not on a timer of its own.
    #: Agents clear their chats for backend work every so often, not for
    #: each order (0: at the first dispatch).
    claim_after_hours: StrictFloat = Field(default=0.0, ge=0, le=MAX_GRACE_HOURS)
    #: Minutes of work up to which a task that takes the whole member is
    #: done by a member holding conversations between their messages
    #: (time-sharing: the conversations in hand pause for it, and end that
    #: much later) instead of claiming a member who first lets its
    #: conversations end; judged on the task's own drawn duration (0: off).
    interleave_up_to_minutes: StrictFloat = Field(default=0.0, ge=0, le=MAX_INTERLEAVE_MINUTES)
    #: What happens to a task running at the end of a shift.
    at_shift_end: Literal["finish", "pause"] = "finish"
    #: May a more urgent task interrupt a less urgent one in progress?
    preemptive: bool = False
    #: Working calendar (a roster name in ``calendars.rosters``).
    roster: Id = "office"
    note: str = ""

    def members(self, projects: int) -> int:
        return projects if self.headcount == "per_project" else self.headcount


class Party(Frozen):
    """Outside party: acts around the clock, is never short of people."""
    name_zh: str


class Group(Frozen):
    name_zh: str
    members: tuple[Id, ...] = Field(min_length=1)


class Duty(Frozen):
    """A recurring duty that takes staff time on schedule."""
    role: Id
    name_zh: str = ""
    every: Literal["day", "week", "month", "quarter", "year"]
    at: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    #: For weekly duties: the weekday (mon..sun). For monthly: day of month.
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    day: StrictInt = Field(default=1, ge=1, le=28)
    #: ``each``: every member does it; ``one``: one member; ``together``: a
    #: meeting of all members of the role at once.
    who: Literal["each", "one", "together"] = "each"
    #: Members of other roles who attend (a training's trainees, a weekly
    #: meeting's team): role -> how many (``all`` for the whole role). The
    #: duty then holds them all at once, as a meeting, and takes their time.
    attendees: dict[Id, SomePeople | Literal["all"]] = {}
    #: A duty held together (``together`` or with attendees) is an
    #: appointment: it starts with the people on duty when it is due, and
    #: waits at most this many hours for one of them still busy, then starts
    #: without them (issue 16 review). Default 0.25 h (assumed).
    grace_hours: StrictFloat = Field(default=0.25, ge=0, le=MAX_GRACE_HOURS)
    #: A duty done by ``each`` or ``one`` at its time, not a task in the line
    #: (an end-of-shift register): each member on duty then (or one) is asked
    #: for it as an appointment, claimed before the line, and does it when
    #: free; one not free within ``grace_hours`` skips it (logged ``skipped``).
    appointment: bool = False
    duration: Duration
    priority: Priority = 5
    source: str = ""


class OrgChart(Frozen):
    projects: StrictInt = Field(ge=1, le=MAX_PROJECTS)
    departments: dict[Id, Department]
    roles: dict[Id, Role]
    parties: dict[Id, Party]
    groups: dict[Id, Group] = {}

    def headcount(self, role: Id) -> int:
        return self.roles[role].members(self.projects)
