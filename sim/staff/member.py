"""A member of a role: their on-duty intervals, a pointer into them, and the
tasks they have in hand. The pool (``sim.staff.pool``) dispatches to members;
a member only answers questions about their own time."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rules.shifts import MemberShifts

if TYPE_CHECKING:
    from sim.staff.task import StaffTask

INF = math.inf
EPS = 1e-9
#: Slots a task that takes the whole member counts for: more than any
#: concurrency (rules.ranges.MAX_CONCURRENCY), so its member is never idle.
WHOLE = 1 << 16


class Member:
    """One person: shift intervals, a pointer into them, and running tasks."""
    __slots__ = ("name", "code", "index", "starts", "ends", "k", "busy", "running", "on", "claim")

    def __init__(self, shifts: MemberShifts, index: int) -> None:
        self.name = shifts.name
        #: The name's code in the event log's vocabulary (set by the run).
        self.code = -1
        self.index = index
        self.starts = [a for a, _ in shifts.intervals]
        self.ends = [b for _, b in shifts.intervals]
        self.k = 0
        self.busy = 0
        self.running: list[StaffTask] = []
        #: On duty now; kept by the pool's shift-boundary process.
        self.on = False
        #: A whole-member task waiting for this member to finish what it
        #: holds (``StaffPool._claim``): it takes nothing more meanwhile.
        self.claim: StaffTask | None = None

    def on_duty(self, t: float) -> bool:
        ends, k = self.ends, self.k
        while k < len(ends) and ends[k] <= t + EPS:
            k += 1
        self.k = k
        return k < len(ends) and self.starts[k] <= t + EPS

    def finish_time(self, t: float, work: float, pause: bool) -> float:
        """When ``work`` hours started at ``t`` are done."""
        if not pause:
            return t + work
        k, starts, ends = self.k, self.starts, self.ends
        while k < len(ends):
            a = max(t, starts[k])
            room = ends[k] - a
            if work <= room + EPS:
                return a + work
            work -= room
            k += 1
        return INF

    def worked_between(self, t0: float, t1: float, pause: bool) -> float:
        if not pause:
            return t1 - t0
        total = 0.0
        for a, b in zip(self.starts, self.ends):
            if b <= t0:
                continue
            if a >= t1:
                break
            total += min(b, t1) - max(a, t0)
        return total
