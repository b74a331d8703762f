"""The reference engine's recurring duties (``tests/reference_engine``),
written plainly: a process per duty, a case of workflow ``duty`` at each of
its times; one done together (``together``, or with attendees) is an
appointment (see ``sim.cases.duties``)."""
from __future__ import annotations

from collections.abc import Generator

import reference_rows as rows
from reference_staff import EPS, Task
from reference_steps import Draw, Node

from rules.org import Duty
from rules.shifts import MemberShifts
from sim.inputs.planned import duty_times

#: Holds (meeting attendees, team duties) all wait at this priority.
HOLD_PRIORITY = 3
DUTY = "duty"


class Duties:
    """The duties' part of ``reference_engine.Engine`` (a mixin: it reads the
    engine's scenario, pools, streams and case registry)."""

    def _start_duties(self) -> None:
        for did, duty in self.s.duties.items():
            members = self.shifts[duty.role]
            times = [t for t in duty_times(duty, self.s, self.kinds) if _someone_on(members, t)]
            draw = self.streams.durations(f"duty:{did}", duty.duration)
            self.env.process(self._duties(did, duty, draw, times))

    def _duties(self, did: str, duty: Duty, draw: Draw, times: list[float]) -> Generator:
        """A recurring duty: a case of workflow ``duty`` at each time."""
        headcount = self.s.org.headcount
        people = {r: headcount(r) if n == "all" else n for r, n in duty.attendees.items()}
        people[duty.role] = 1 if duty.who == "one" else headcount(duty.role)
        due = None  # the last time's call to skip what nobody started
        for t in times:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            if duty.who == "together" or duty.attendees:
                node = Node(DUTY, did, duty.priority, "+".join(sorted(people)))
                self.env.process(self._held_duty(node, duty.role, people, duty.grace_hours, draw))
            elif duty.appointment:
                node = Node(DUTY, did, duty.priority, duty.role, self.pools[duty.role])
                self._appointed(node, people[duty.role], duty.grace_hours, draw)
            else:
                if due is not None:
                    due.succeed()
                due = self.env.event()
                node = Node(DUTY, did, duty.priority, duty.role, self.pools[duty.role])
                self.env.process(self._duty(node, people[duty.role], draw, due))

    def _held_duty(self, node: Node, own: str, people: dict[str, int], grace: float,
                   draw: Draw) -> Generator:
        """A duty held together (``together``, or with attendees) is an
        appointment: one of its own role as soon as free, then of each role
        (sorted) as many as asked who are on duty then, waited for at most
        ``grace`` hours; those not free by then are let go. Then the time.
        The holds are appointments (``Pool.appoint``)."""
        case = self._new_case(DUTY, {})
        enable = self.env.now
        first = self.pools[own].appoint(HOLD_PRIORITY)
        holds: list[Task] = [first]
        case.at(node, enable, holds)
        yield first.done
        now = self.env.now
        asked = []
        for role in sorted(people):
            pool = self.pools[role]
            on = sum(1 for m in pool.members
                     if any(a <= now + EPS < b for a, b in m.intervals))
            k = min(people[role], on) - (1 if role == own else 0)
            asked.extend(pool.appoint(HOLD_PRIORITY) for _ in range(k))
        if asked:
            holds.extend(asked)
            yield self.env.any_of([self.env.all_of([t.done for t in asked]),
                                   self.env.timeout(grace)])
            del holds[1:]
            for t in asked:
                if t.member is None:
                    t.pool.withdraw(t)
                else:
                    holds.append(t)
        start = self.env.now
        yield self.env.timeout(draw())
        for t in holds:
            t.pool.release(t)
        del self.live[case.id]
        self._row(rows.row(self.replication, case.id, DUTY, node.id, DUTY, node.role,
                           "+".join(t.member.name for t in holds), enable, start,
                           self.env.now, "done", node.priority))

    def _appointed(self, node: Node, n: int, grace: float, draw: Draw) -> None:
        """A duty done by one or each at its time: each member on duty now
        (at most ``n``) is asked for it as an appointment, and does it when
        free; one not free within ``grace`` hours skips it."""
        pool = node.pool
        now = self.env.now
        k = min(n, sum(1 for m in pool.members if any(a <= now + EPS < b for a, b in m.intervals)))
        if not k:
            return
        case = self._new_case(DUTY, {})
        works = [draw() for _ in range(k)]
        holds = [pool.appoint(HOLD_PRIORITY) for _ in range(k)]
        case.at(node, now, list(holds))
        left = [k]
        for hold, work in zip(holds, works):
            self.env.process(self._appointed_one(case, node, hold, work, grace, now, left))

    def _appointed_one(self, case, node: Node, hold: Task, work: float, grace: float,
                       enable: float, left: list[int]) -> Generator:
        if hold.member is None:
            yield self.env.any_of([hold.done, self.env.timeout(grace)])
        if hold.member is None:
            node.pool.withdraw(hold)
            outcome = "skipped"
        else:
            yield self.env.timeout(work)
            node.pool.release(hold)
            outcome = "done"
        case.tasks.remove(hold)
        self._task_rows(case, node, hold, enable, outcome, hold.end)
        left[0] -= 1
        if not left[0]:
            del self.live[case.id]

    def _duty(self, node: Node, n: int, draw: Draw, due) -> Generator:
        """One duty done by one member or by each: ``n`` tasks. When the
        duty is due again (``due``), the tasks nobody has started are
        withdrawn and logged ``skipped``. A duty has no case markers."""
        case = self._new_case(DUTY, {})
        enable = self.env.now
        pool = node.pool
        tasks = [pool.request(draw(), node.priority) for _ in range(n)]
        case.at(node, enable, list(tasks))
        waiting = list(tasks)
        while waiting:
            yield self.env.any_of([t.done for t in waiting] + [due])
            if due.triggered:
                for t in waiting:
                    if t.member is None and pool.withdraw(t):
                        case.tasks.remove(t)
                        self._task_rows(case, node, t, enable, "skipped", t.end)
                due = self.env.event()  # skipped once
            waiting = [t for t in waiting if not t.done.triggered and not t.withdrawn]
        del self.live[case.id]
        for t in tasks:
            if not t.withdrawn:
                self._task_rows(case, node, t, enable, "done", t.end)


def _someone_on(members: list[MemberShifts], t: float) -> bool:
    """Is any regular member on duty some time on the day of ``t``?"""
    day = t // 24
    return any(day * 24 < b and a < day * 24 + 24 for m in members for a, b in m.intervals
               if not m.temporary)
