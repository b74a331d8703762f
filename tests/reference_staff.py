"""Staff pools of the reference engine (``tests/reference_engine.py``).

Written for clarity, not speed: the line is one list kept in (priority,
arrival) order, members are scanned in full, a task's completion is a plain
``env.timeout`` whose callback completes it, and the customer who asked
waits on the task's ``done`` event. It implements the fast engine's rules
(``sim/staff/pool.py``) without its data structures (its tasks and members:
``reference_task``), so that a test can hold
the two against each other:

- members on duty with a free slot take waiting tasks by priority (smaller
  first), then first come first served; with several slots per member the
  least busy member is chosen, the first in member order at a tie;
- ``pause``: work stops at a shift end and resumes at the member's next
  shift (the completion time is computed from the shift intervals);
- ``preemptive``: more urgent work interrupts less urgent work
  (``reference_claims``);
- patience: a customer not started by the deadline leaves the line (a timer,
  then a zero delay, so that a member freed at that very moment still
  serves them: the fast engine's tie rule); the deadline counts only time
  when somebody of the role is on duty; a chat written while nobody is on
  duty (a night message) has no deadline;
- a conversation (``shared``) takes one of a member's ``concurrency``
  slots; any other task (holds included) needs a member holding nothing
  and takes all of them; claims, appointments and batches of such work:
  ``reference_claims``;
- ``interleave``: a whole-member task of at most that many hours of work
  is brief: a member holding conversations, with a free slot, takes it
  in line order as a conversation (``reference_claims.time_share``); the
  conversations in hand make no progress meanwhile: each one's work grows
  by the task's (one due at that very moment is left to end), and when
  its end comes it goes on for the work it has left. A member takes it only
  if each conversation in hand, paused so far plus the task's work, stays
  within ``interleave`` (``reference_claims.may_share``); else the least
  busy member who may takes it, else it waits (and claims, first in line)
  as longer work, and brief tasks behind it wait for members holding
  conversations until the next dispatch;
- holds (meetings, team duties) are released by the caller;
- ``slowdown``: a conversation started while its member holds ``base`` or
  more of them (a peak's concurrency) is ``slowdown`` longer per one held
  beyond ``base``, itself included;
- at each boundary moment, shift ends go before starts, then the line is
  dispatched (and preemption tried).
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Generator, Sequence

import reference_claims as claims
import simpy
from reference_task import EPS, INF, Member, Task

from rules.shifts import MemberShifts


class Pool:
    """The members of one role and the line of tasks waiting for them."""

    def __init__(self, env: simpy.Environment, role: str, members: Sequence[MemberShifts],
                 concurrency: int | Sequence[int], pause: bool, preemptive: bool,
                 slowdown: float = 0.0, base: int = 1, claim_after: float = 0.0,
                 interleave: float = 0.0) -> None:
        """``concurrency``: tasks a member holds at once, or one number per
        day of the horizon (a peak's chats), changing at midnight."""
        by_day = [concurrency] if isinstance(concurrency, int) else list(concurrency)
        if min(by_day) < 1:
            raise ValueError('"concurrency" must be >= 1.')
        self.env = env
        self.role = role
        self.members = [Member(m, i) for i, m in enumerate(members)]
        self.concurrency = by_day[0]
        self.by_day = by_day
        self.pause = pause
        self.preemptive = preemptive
        self.slowdown, self.base, self.claim_after = slowdown, base, claim_after
        self.interleave = interleave
        self.line: list[Task] = []
        #: Appointments' holds (``appoint``), in the order asked.
        self.appointments: list[Task] = []
        self._seq = 0
        if any(m.intervals for m in self.members) or len(set(by_day)) > 1:
            env.process(self._shifts())

    # -- requests ---------------------------------------------------------

    def request(self, work: float, priority: int, patience: float | None = None,
                shared: bool = False) -> Task:
        """Ask for ``work`` hours of one member; with ``patience`` the
        customer leaves if nobody has started by then; ``shared``: a
        conversation, one slot (else the whole member)."""
        task = self._new(work, priority, shared)
        if patience is not None:
            task.deadline = self._deadline(patience)
            if task.deadline < INF:
                self.env.process(self._patience(task, task.deadline - self.env.now))
        self._enqueue(task)
        return task

    def hold(self, priority: int) -> Task:
        """Ask for a member to hold until ``release``."""
        task = self._new(None, priority)
        self._enqueue(task)
        return task

    def appoint(self, priority: int) -> Task:
        """A hold for an appointment, served before the line (``_appoint``):
        while unheld, it takes an empty member or claims one at once,
        whatever waits before it (no ``claim_after``)."""
        task = self._new(None, priority)
        self.appointments.append(task)
        self._enqueue(task)
        return task

    def request_distinct(self, works: list[float], priority: int) -> list[Task]:
        """Tasks that must each go to a different member (a contest)."""
        taken: set[Member] = set()
        tasks = [self._new(work, priority) for work in works]
        for task in tasks:
            task.distinct = taken
            self._insert(task)
        self._dispatch()
        return tasks

    def withdraw(self, task: Task) -> bool:
        """Take a task nobody has started out of the line (a platform timer)."""
        if task.member is not None or task not in self.line:
            return False
        self.line.remove(task)
        task.withdrawn = True
        task.end = self.env.now
        if task in self.appointments:  # (a skipped appointment waits for nobody)
            self.appointments.remove(task)
        claimed = claims.claimed_by(self, task)
        if claimed is not None:
            claimed.claim = None
            self._dispatch()
        return True

    def release(self, task: Task) -> None:
        """A hold is over: its member's slot is free again."""
        member = task.member
        if member is None:
            return
        self._free_slot(member)
        member.running.remove(task)
        task.end = self.env.now
        self._dispatch()

    def _new(self, work: float | None, priority: int, shared: bool = False) -> Task:
        self._seq += 1
        return Task(self, work, priority, self._seq, shared)

    def _insert(self, task: Task) -> None:
        bisect.insort(self.line, task, key=Task.key)

    def _enqueue(self, task: Task) -> None:
        self._insert(task)
        self._dispatch()
        if self.preemptive:
            claims.preempt_waiting(self)

    def _deadline(self, patience: float) -> float:
        """Patience runs only while someone of the role is on duty: walk the
        union of the members' intervals from now until ``patience`` hours
        of it have passed (elapsed time if nobody ever is on duty). Asked
        while nobody is on duty, there is no deadline."""
        now = self.env.now
        on_duty = sorted(iv for m in self.members for iv in m.intervals)
        if not on_duty:
            return now + patience
        union: list[tuple[float, float]] = []
        for a, b in on_duty:
            if union and a <= union[-1][1] + EPS:
                union[-1] = (union[-1][0], max(union[-1][1], b))
            else:
                union.append((a, b))
        union = [(a, b) for a, b in union if b > now]
        if not union or union[0][0] > now:
            return INF  # written while nobody is on duty: a message, answered whenever
        left = patience
        for a, b in union:
            a = max(a, now)
            if left <= b - a:
                return a + left
            left -= b - a
        return INF

    def _patience(self, task: Task, patience: float) -> Generator:
        """The customer's patience: at the deadline, after whatever else
        happens at that moment (a member freed then still serves them),
        they leave unless someone has started."""
        yield self.env.timeout(patience)
        yield self.env.timeout(0)
        if task.member is None and not task.withdrawn:
            self.line.remove(task)
            task.abandoned = True
            task.end = task.deadline
            task.done.succeed()

    # -- members ------------------------------------------------------------

    def _free(self, exclude: set[Member] | None = None,
              brief: Task | None = None) -> Member | None:
        """The member to take the next task: on duty, unclaimed, with a free
        slot (holding no whole-member task); the first such for one slot,
        else the least busy (first at a tie). With ``brief``, only one that
        may time-share that task (``claims.may_share``)."""
        best = None
        for m in self.members:
            if not m.on or m.claim is not None or m.busy >= self.concurrency or (
                    exclude and m in exclude) or any(not t.shared for t in m.running) or (
                    brief is not None and not claims.may_share(self, m, brief)):
                continue
            if self.concurrency == 1:
                return m
            if best is None or m.busy < best.busy:
                best = m
        return best

    def _free_slot(self, member: Member) -> None:
        member.busy -= 1

    def _dispatch(self) -> None:
        """Give free members to the line, in line order, after the claimed
        members that are now empty and the appointments not yet held."""
        now = self.env.now
        for m in self.members:
            if m.claim is not None and (m.claim.deadline < now or m.claim not in self.line):
                m.claim = None  # the customer left
        for m in self.members:
            task = m.claim
            if task is not None and m.on and not m.running:
                m.claim = None
                self.line.remove(task)
                self._assign(task, m)
        claims.appoint(self)
        blocked = False  # a brief task nobody could time-share: those behind it wait too
        for task in list(self.line):
            member = self._free()
            if member is None:
                return
            if task.distinct is not None:
                member = self._free(task.distinct)
                if member is None:
                    continue  # only its siblings' members are free
            if not task.shared and member.running and self.brief(task):
                if blocked:
                    continue
                if not claims.may_share(self, member, task):
                    member = self._free(task.distinct, task) or member
                    blocked = bool(member.running) and not claims.may_share(self, member, task)
            if not task.shared and member.running and (not self.brief(task) or blocked):
                if self.line[0] is task and claims.claimed_by(self, task) is None and (
                        self.env.now - task.asked >= self.claim_after):
                    first = claims.first_free(self, task)
                    if first is not None:
                        first.claim = task
                continue
            if task.distinct is not None:
                task.distinct.add(member)
            claimed = claims.claimed_by(self, task)
            if claimed is not None:
                claimed.claim = None  # it found an empty member first
            self.line.remove(task)
            self._assign(task, member)

    def _assign(self, task: Task, member: Member) -> None:
        now = self.env.now
        task.member = member
        if math.isnan(task.start):
            task.start = now
            held = len(member.running) + 1  # this conversation included
            if task.shared and self.slowdown > 0 and held > self.base:
                task.work = task.work * (1.0 + self.slowdown * (held - self.base))
        if not task.shared and member.running:
            claims.time_share(self, member, task)
        member.busy += 1
        member.running.append(task)
        if task.work is None:
            task.done.succeed(member)
            return
        task.resumed = now
        self._time(task, member, member.finish_time(now, task.work, self.pause))

    def brief(self, task: Task) -> bool:
        """A whole-member task a member holding conversations may do
        between their messages."""
        return not task.shared and task.work is not None and task.work <= self.interleave

    def _time(self, task: Task, member: Member, end: float) -> None:
        """``task`` is done at ``end`` (never, if INF)."""
        now = self.env.now
        if end < INF:
            timer = self.env.timeout(end - now)
            task.timer = timer
            timer.callbacks.append(lambda event, task=task: self._due(task, event))

    def _due(self, task: Task, timer: simpy.Event) -> None:
        if task.timer is not timer:
            return  # a stretch cut short by preemption
        task.timer = None
        member = task.member
        if task.shared and self.interleave > 0:
            left = task.work - member.worked_between(task.resumed, self.env.now, self.pause)
            if left > EPS:  # paused for brief work meanwhile: goes on for what it has left
                self._time(task, member, member.finish_time(self.env.now, left, self.pause))
                return
        self._free_slot(member)
        member.running.remove(task)
        task.end = self.env.now
        task.done.succeed(member)
        if not task.shared and self.concurrency > 1 and member.on and not member.running and (
                not claims.unclaimed(self)):  # else the appointment's
            claims.batch(self, member)
        self._dispatch()

    # -- shifts ---------------------------------------------------------------

    def _shifts(self) -> Generator:
        """Members come on and go off duty; at one moment ends go first,
        then starts, then the day's concurrency (at midnight)."""
        env = self.env
        edges = sorted([(t, edge, m.index) for m in self.members
                        for a, b in m.intervals for t, edge in ((a, 1), (b, 0))]
                       + [(day * 24.0, 2, c) for day, c in enumerate(self.by_day)
                          if day and c != self.by_day[day - 1]])
        i = 0
        while i < len(edges):
            t = edges[i][0]
            if t > env.now:
                yield env.timeout(t - env.now)
            while i < len(edges) and edges[i][0] == t:
                _, edge, index = edges[i]
                if edge == 2:
                    self.concurrency = index
                else:
                    self.members[index].on = bool(edge)
                    if not edge:
                        self.members[index].claim = None  # off duty: the claim lapses
                i += 1
            if self.line:
                self._dispatch()
                if self.preemptive and self.line:
                    claims.preempt_waiting(self)
