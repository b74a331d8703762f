"""Staffed pools: the members of a role, on shift, taking tasks by priority.

A pool is SimPy-driven but computes a task's completion time in one go from
the member's shift intervals (pausing over nights when the role's policy is
``pause``), so a task costs one scheduled event however many shifts it spans.

Priority orders only the tasks waiting at a given moment (smaller first,
then first come first served); it never reorders time. With ``preemptive``
a more urgent task may interrupt a less urgent one in progress, which goes
back in line at its arrival position (ahead of later arrivals of its
priority) with the work it has left, and keeps the stretch it worked
(``Task.stretches``) for the event log. Work due at that very moment is
left to finish.

A conversation (``shared``) takes one of a member's ``concurrency`` slots;
any other task takes the whole member, who must hold nothing else. Such a
task at the head of the line that finds no empty member claims the one
whose tasks in hand end first (``claims.claim``): that member takes nothing more
from the line and
gets the task when it has finished what it holds, so a steady stream of
chats cannot starve it; later chats go to the others meanwhile. A member
done with whole-member work goes on with the next such task of the most
urgent level waiting (``claims.batch``), ahead of the chats: an agent who has
cleared the chats in hand to release orders releases all that wait, rather
than emptying again for each (which cost a fifth of the team's capacity).
A whole-member task short enough to interleave (``interleave``: the role's
``interleave_up_to_minutes``) is instead taken by a member holding
conversations, with a free slot, in line order as a chat: the member takes
nothing else meanwhile and the conversations in hand make no progress, so
each one ends later by the task's duration (``claims.time_share``). A
conversation is paused so at most that long in all (``claims.may_share``):
a brief task that would pause one beyond it goes to another member, or
waits (and claims) as longer work does, the brief tasks behind it with it.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import simpy

from rules.shifts import MemberShifts, merge
from sim.kernel.events import Signal
from sim.staff.claims import (
    appoint,
    claim,
    drop_claim,
    hand_over,
    may_share,
    time_share,
)
from sim.staff.duty_clock import shift_boundaries
from sim.staff.line import WaitingLine
from sim.staff.member import INF, WHOLE, Member
from sim.staff.preemption import preempt_waiting
from sim.staff.task import StaffTask, Task, reset
from sim.staff.timing import complete, time_task

T = TypeVar("T", bound=StaffTask)


def _by_index(member: Member) -> int:
    return member.index


class StaffPool:
    def __init__(self, env: simpy.Environment, role: str, members: Sequence[MemberShifts],
                 concurrency: int = 1, pause: bool = False, preemptive: bool = False,
                 changes: Sequence[tuple[float, int]] = (),
                 slowdown: tuple[float, int] = (0.0, 1), claim_after: float = 0.0,
                 interleave: float = 0.0) -> None:
        """``changes``: ``(time, concurrency)`` from which each member holds
        that many tasks (a peak's chats), in time order. ``slowdown``:
        ``(share, base)``: a conversation started while its member holds
        more than ``base`` lasts ``share`` longer per one beyond it.
        ``claim_after``: hours a whole-member task waits first in line
        before it claims a member (``claims.claim``). ``interleave``: hours
        of work up to which a whole-member task is time-shared by a member
        holding conversations (``claims.time_share``; 0: never)."""
        if concurrency < 1 or any(c < 1 for _, c in changes):
            raise ValueError('"concurrency" must be >= 1.')
        self.env = env
        self.role = role
        self.members = [Member(m, i) for i, m in enumerate(members)]
        #: Members on duty with a free slot, in member order: all that a
        #: dispatch looks at, kept up to date at shift boundaries and at each
        #: assignment and completion, so its cost does not grow with headcount.
        self.idle: list[Member] = []
        self.concurrency = concurrency
        self.pause = pause
        self.preemptive = preemptive
        self.slowdown = slowdown[0]
        self.claim_after = claim_after
        #: Conversations held from which a new one is slower (never: WHOLE).
        self.slow_from = slowdown[1] if slowdown[0] > 0 else WHOLE
        #: Conversations in hand pause for brief whole-member work: a
        #: conversation's end, when it comes, is checked (``_complete``).
        self.interleave = interleave > 0
        self.queue = WaitingLine(interleave if interleave > 0 else -1.0)
        self._seq = 0
        #: Whole-member tasks waiting for the member each claimed (few: at
        #: most one per member).
        self._claims: dict[StaffTask, Member] = {}
        #: Holds of appointments not yet given a member (``appoint``): each
        #: claims a member as soon as one can be claimed.
        self._appointments: list[StaffTask] = []
        #: When anyone of the role is on duty (merged), and a pointer into it:
        #: patience counts only that time (``_deadline``).
        self._duty = merge([iv for m in members for iv in m.intervals])
        self._dk = 0
        # At one moment: shift ends, starts, then a change of concurrency
        # (edge 2, its value in place of a member's index).
        boundaries = sorted([(t, edge, m.index) for m in self.members
                             for a, b in zip(m.starts, m.ends) for t, edge in ((a, 1), (b, 0))]
                            + [(t, 2, c) for t, c in changes])
        if boundaries:
            env.process(shift_boundaries(self, boundaries))

    def submit(self, work: float, priority: int, patience: float | None = None,
               waiter: Callable[[Task], object] | None = None, shared: bool = False) -> Task:
        """Ask for ``work`` hours of one member's time; ``task.done`` fires at
        the end. With ``patience``, a customer nobody has started to serve
        within that many hours leaves (``task.abandoned`` True, ``task.end``
        the deadline, ``task.member`` None); ``done`` then fires when the
        line reaches them (``_gone``).

        With a ``waiter``, there is no ``done``: the pool calls
        ``waiter(task)`` at that moment instead, once its own bookkeeping
        (and the hand-over of the freed member) is over. That saves an event
        per task that had to wait in line. ``shared``: a conversation
        (one slot); else the task takes the whole member."""
        task = Task(self, self.env, work, priority, self._next(), shared)
        task.waiter = waiter
        if patience is not None:
            task.deadline = self._deadline(patience)
        self._enqueue(task)
        if task.done is None and waiter is None:
            task.done = Signal(self.env)
        return task

    def take(self, task: StaffTask, work: float, priority: int, patience: float | None,
             waiter: Callable[[Any], object], shared: bool = False) -> None:
        """``submit`` for a case that is its own task (``sim.staff.task``): the
        pool calls ``waiter(task)`` when the work is done or abandoned."""
        reset(task, self, work, priority, self._next(), waiter, shared)
        task.deadline = self._deadline(patience) if patience is not None else INF
        self._enqueue(task)

    def _deadline(self, patience: float) -> float:
        """When a customer asking now leaves: after ``patience`` hours during
        which somebody of the role is on duty. A chat written while nobody
        is on duty is a message the shift answers when it starts (issue 16
        point 5), never abandoned: its writer is not waiting on the line,
        and restarting the clock at the shift start would drop the night's
        messages in the morning rush. A role nobody is ever on duty for
        keeps elapsed time."""
        now, duty, k = self.env.now, self._duty, self._dk
        if not duty:
            return now + patience
        while k < len(duty) and duty[k][1] <= now:
            k += 1
        self._dk = k
        if k == len(duty) or duty[k][0] > now:
            return INF
        left = patience
        while k < len(duty):
            a, b = duty[k]
            a = max(a, now)
            if left <= b - a:
                return a + left
            left -= b - a
            k += 1
        return INF

    def _gone(self, task: StaffTask) -> None:
        """Patience costs no timer: a customer whose deadline has passed is
        let go when the line reaches them, the record dated at the deadline.
        A member is given to the same customers as with a timer per task (a
        dispatch skips those who left before it; a deadline at this very
        moment is served), but nothing is scheduled for the chats served in
        time, the great majority, whose timers would otherwise fill half of
        SimPy's heap and each come back cold hours later."""
        task.abandoned = True
        task.end = task.deadline
        if self._claims:
            drop_claim(self, task)
        if task.waiter is None:
            task.done.succeed(None)  # type: ignore[union-attr]  # no waiter: the caller waits on done
        else:
            self._wake(task)

    def withdraw(self, task: StaffTask) -> bool:
        """Take a task nobody has started out of the line (the platform
        acted first: ``sim.cases.timers``); False if it is not waiting. Its
        ``end`` is now, its waiter is not called."""
        if task.member is not None or not self.queue.remove(task):
            return False
        task.end = self.env.now
        task.waiter = None
        if task in self._appointments:
            self._appointments.remove(task)
        if self._claims and drop_claim(self, task) and self.queue.size:
            self._dispatch()  # the member it had claimed takes work again
        return True

    def acquire(self, priority: int) -> Task:
        """Ask for a member to hold; ``task.done`` fires when one is assigned."""
        return self._enqueue(Task(self, self.env, None, priority, self._next()))

    def appoint(self, priority: int) -> Task:
        """``acquire`` for an appointment (a duty held at its time), served
        before the line: ``claims.appoint``."""
        task = Task(self, self.env, None, priority, self._next())
        self._appointments.append(task)
        return self._enqueue(task)

    def release(self, task: StaffTask) -> None:
        member = task.member
        if member is not None:
            self._free_slot(member, task)
            member.running.remove(task)
            task.end = self.env.now
            if self.queue.size:
                self._dispatch()

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _enqueue(self, task: T) -> T:
        self.queue.push(task)
        self._dispatch()
        if self.preemptive and self.queue.size:
            preempt_waiting(self)
        return task

    def submit_distinct(self, works: list[float], priority: int) -> list[Task]:
        """Tasks that must each go to a different member (a contest's entrants)."""
        taken: set[Member] = set()
        tasks = []
        for work in works:
            task = Task(self, self.env, work, priority, self._next())
            task.distinct = taken
            self.queue.push(task)
            tasks.append(task)
        self._dispatch()
        for task in tasks:
            if task.done is None:
                task.done = Signal(self.env)
        return tasks

    def _free_slot(self, member: Member, task: StaffTask) -> None:
        before = member.busy
        member.busy -= 1 if task.shared else WHOLE
        if member.on and member.busy < self.concurrency <= before and member.claim is None:
            bisect.insort(self.idle, member, key=_by_index)

    def _set_on(self, member: Member, on: bool) -> None:
        if not on and member.claim is not None:
            # Off duty: the claim lapses; its task claims someone on duty.
            self._claims.pop(member.claim)
            member.claim = None
            member.on = False
            return
        member.on = on
        free = member.busy < self.concurrency
        if on and free:
            bisect.insort(self.idle, member, key=_by_index)
        elif not on and free:
            self.idle.remove(member)

    def _set_concurrency(self, concurrency: int) -> None:
        """Members hold ``concurrency`` tasks from now; one holding more
        keeps them and takes no more until below it."""
        self.concurrency = concurrency
        self.idle = [m for m in self.members
                     if m.on and m.busy < concurrency and m.claim is None]

    def _free_member(self, now: float, exclude: set[Member] | None = None,
                     work: float | None = None) -> Member | None:
        """The idle member to take the next task (the least busy, first in
        member order at a tie); with ``work``, only one that may time-share
        that much brief work (``claims.may_share``)."""
        best, cap = None, self.concurrency
        for m in self.idle:
            if (exclude is None or m not in exclude) and (
                    work is None or not m.busy or may_share(self, m, work)):
                if cap == 1:
                    best = m
                    break
                if best is None or m.busy < best.busy:
                    best = m
        if best is not None:
            best.on_duty(now)  # moves its shift pointer for finish_time
        return best

    def _dispatch(self) -> None:
        if not (self.idle or self._claims or self._appointments):
            return  # nobody free, claimed or appointed: nothing can start (most calls at a peak)
        now = self.env.now
        queue = self.queue
        if self._claims:
            hand_over(self, now)
        if self._appointments:
            appoint(self)
        skipped: list[StaffTask] = []
        passed = False  # the whole-member task first in line was passed over
        brief_ok = True  # a brief task nobody holding chats could take waits, with those behind it
        while queue.size and self.idle:  # (an empty ``idle``: nobody is free)
            member = self._free_member(now)
            if member is None:
                break
            if member.busy:
                # Nobody idle is empty: no whole-member work can start. Its
                # FIFOs are passed over, not walked (thousands of released
                # orders wait at a peak); the first task in line may claim.
                if not passed and not skipped:
                    head = queue.head()
                    if not head.shared and not queue.is_brief(head):
                        if head.deadline < now and head.member is None:
                            queue.pop()
                            self._gone(head)
                            continue
                        passed = True
                        if head not in self._claims and now - head.asked >= self.claim_after:
                            claim(self, head)
                        continue
                task = queue.pop_light(brief_ok)
                if task is None:
                    break
            else:
                task = queue.pop()
            if task.deadline < now and task.member is None:
                # Left before now: does not take the member. A deadline at
                # this very moment is served (a tie, with fixed durations).
                self._gone(task)
                continue
            if task.distinct is not None:
                member = self._free_member(now, task.distinct)
                if member is None:
                    skipped.append(task)  # only its siblings' members are free
                    continue
            if member.busy and not task.shared and queue.is_brief(task) and (
                    not may_share(self, member, task.work)):
                # Its chats have paused too long for it: another's may not.
                member = self._free_member(now, task.distinct, task.work) or member
                brief_ok = not member.busy or may_share(self, member, task.work)
            if member.busy and not task.shared and (not queue.is_brief(task) or not brief_ok):
                # The least busy idle member holds work, so nobody idle is
                # empty: the task waits; at the head of the line (nothing
                # before it still waiting) it claims a member. So does a
                # brief task nobody may time-share (``claims.may_share``).
                if not skipped and not passed and task not in self._claims and (
                        now - task.asked >= self.claim_after):
                    claim(self, task)
                skipped.append(task)
                continue
            if task.distinct is not None:
                task.distinct.add(member)
            if self._claims:
                drop_claim(self, task)  # it found an empty member first
            self._assign(task, member, now)
        if skipped:
            queue.put_back(skipped)

    def _assign(self, task: StaffTask, member: Member, now: float) -> None:
        task.member = member
        if task.start != task.start:  # NaN: first start (a resumed task keeps it)
            task.start = now
            if task.shared and member.busy >= self.slow_from:
                # More chats at once, slower each (the role's ``slowdown``).
                task.work *= 1.0 + self.slowdown * (member.busy + 1 - self.slow_from)  # type: ignore[operator]
        if task.shared:
            member.busy += 1
            if member.busy == self.concurrency:
                self.idle.remove(member)
        else:  # an empty member, idle until now, or one time-sharing (brief work)
            if member.busy and task.work is not None:
                time_share(self, member, task.work, now)
            member.busy += WHOLE
            self.idle.remove(member)
        member.running.append(task)
        if task.work is None:
            task.done.succeed(member)  # type: ignore[union-attr]  # a hold's done is made with it
            return
        task.resumed = now
        self._time(task, member, now, member.finish_time(now, task.work, self.pause))

    #: Completion (``sim.staff.timing``): methods defined there, bound here.
    _time = time_task
    _complete = complete

    @staticmethod
    def _wake(task: StaffTask) -> None:
        # Dropped before the call: a Task's waiter may be a driven
        # generator's ``send`` that holds the task (a cycle the run's paused
        # GC would not collect). A case's is ``_staff_done``.
        waiter, task.waiter = task.waiter, None
        waiter(task)  # type: ignore[misc]  # only a task with a waiter is woken
