"""Tasks and members of the reference engine's staff pools
(``tests/reference_staff.Pool``): a request for one member, and one person
with on-duty intervals, slots in use and running tasks. Written for
clarity, not speed."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from rules.shifts import MemberShifts

if TYPE_CHECKING:
    from reference_staff import Pool

INF = math.inf
NAN = math.nan
#: The fast engine's tolerance for "at this very moment" (shift edges, work left).
EPS = 1e-9


class Task:
    """One request for one member: ``work`` hours, or a hold (``work`` None).

    Its fields are the ones ``sim.cases.rows.task_rows`` reads (``member``,
    ``start``, ``resumed``, ``stretches``) plus the pool's bookkeeping."""

    def __init__(self, pool: Pool, work: float | None, priority: int, seq: int,
                 shared: bool = False) -> None:
        self.pool = pool
        self.work = work
        #: A conversation: one slot of its member; else the whole member.
        self.shared = shared
        #: When it was asked for.
        self.asked = pool.env.now
        self.priority = priority
        self.seq = seq
        #: Succeeds when the work is done, the hold taken, or the customer gone.
        self.done = pool.env.event()
        self.member: Member | None = None
        self.start = NAN
        self.end = NAN
        self.resumed = NAN
        self.stretches: list[tuple[str, float, float]] = []
        self.abandoned = False
        self.deadline = INF
        #: Members taken by sibling tasks that must go to different people.
        self.distinct: set[Member] | None = None
        #: The completion timer in force (a preempted stretch's timer is not).
        self.timer: simpy.Event | None = None
        #: Taken out of the line by a platform timer (``reference_timers``).
        self.withdrawn = False
        #: Hours a conversation has paused for brief work of its member.
        self.paused = 0.0

    def key(self) -> tuple[int, int]:
        """Place in line: priority, then arrival in the pool."""
        return (self.priority, self.seq)


class Member:
    """One person: on-duty intervals, slots in use and running tasks."""

    def __init__(self, shifts: MemberShifts, index: int) -> None:
        self.name = shifts.name
        self.index = index
        self.intervals = list(shifts.intervals)
        self.busy = 0
        self.running: list[Task] = []
        self.on = False
        #: The whole-member task waiting for this member to be empty.
        self.claim: Task | None = None

    def finish_time(self, t: float, work: float, pause: bool) -> float:
        """When ``work`` hours begun at ``t`` are done (INF: not within the
        member's shifts). With ``pause`` the work is spread over the shifts."""
        if not pause:
            return t + work
        for a, b in self.intervals:
            if b <= t + EPS:  # already over
                continue
            a = max(t, a)
            room = b - a
            if work <= room + EPS:
                return a + work
            work -= room
        return INF

    def worked_between(self, t0: float, t1: float, pause: bool) -> float:
        """Hours of work done between ``t0`` and ``t1``."""
        if not pause:
            return t1 - t0
        total = 0.0
        for a, b in self.intervals:
            if b <= t0:
                continue
            if a >= t1:
                break
            total += min(b, t1) - max(a, t0)
        return total
