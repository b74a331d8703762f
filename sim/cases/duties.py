"""Recurring duties (daily stand-ups, weekly reviews...) run as cases of the
``duty`` workflow.

A duty done by ``one`` member or by ``each`` is a staff task per member; one
done ``together``, or with attendees (a training's trainees, a weekly
meeting's team), is an appointment (issue 16 review): one of its own
members is held (at the hold priority of meetings) as soon as free, then
of each role as many as asked who are on duty at that moment, waited for
at most the duty's ``grace_hours``; one still busy then is left to their
work, one absent or lent that day is not waited for, and the time it takes
is everyone's who came (the record's members). Its holds are the pool's
appointments (``StaffPool.appoint``): a member holding chats is claimed at
the duty's time, takes no new chat and comes when their hands are empty,
so a stream of chats cannot starve a training. They are ordinary SimPy
processes: a few a day, not on the hot path.
"""
from __future__ import annotations

from collections.abc import Callable, Generator

import simpy

from sim.cases import rows
from sim.cases.case import Case
from sim.cases.interpreter import Context
from sim.cases.meetings import HOLD_PRIORITY
from sim.cases.rows import Code
from sim.staff.pool import StaffPool
from sim.staff.task import Task

DUTY = "duty"


class _DutyNode:
    """What ``Context.open_records`` needs to report a duty open at the
    horizon (``steps.StepRef``), its text also as codes."""
    __slots__ = ("id", "kind", "role", "priority", "id_code", "kind_code", "role_code")

    def __init__(self, did: str, role: str, priority: int, code: Code) -> None:
        self.id, self.kind, self.role, self.priority = did, "duty", role, priority
        self.id_code, self.kind_code, self.role_code = code(did), rows.DUTY, code(role)


#: A held duty's people: (pool, how many) per role, in acquiring order.
Holds = list[tuple[StaffPool, int]]


def run_duty(env: simpy.Environment, ctx: Context, did: str, role: str, who: str, priority: int,
             pool: StaffPool, headcount: int, draw: Callable[[], float],
             times: list[float], holds: Holds | None = None, grace: float = 0.0,
             appointment: bool = False) -> Generator:
    """Start the duty at each of ``times``. ``holds``: the roles held at
    once, sorted (a duty with attendees; ``role`` then names them all). A
    duty done by ``one`` or ``each`` that nobody has started by its next
    time is skipped (``_Instance.skip``): today's register replaces
    yesterday's, it does not pile up. With ``appointment`` such a duty is
    done at its time (``_appointed``)."""
    n = 1 if who == "one" else headcount
    if holds is None and who == "together":
        holds = [(pool, n)]
    last: _Instance | None = None
    for t in times:
        if t > env.now:
            yield env.timeout(t - env.now)
        if holds is not None:
            env.process(_held_duty(env, ctx, did, role, priority, pool, holds, draw, grace))
        elif appointment:
            _appointed(env, ctx, did, role, priority, pool, n, draw, grace)
        else:
            if last is not None:
                last.skip()
            last = _Instance(env, ctx, did, role, priority, pool, n, draw)


def present(pool: StaffPool, now: float) -> int:
    """Members of ``pool`` on duty at ``now`` (an absent or lent one is not)."""
    return sum(m.on_duty(now) for m in pool.members)


def _held_duty(env: simpy.Environment, ctx: Context, did: str, role: str, priority: int,
               own: StaffPool, holds: Holds, draw: Callable[[], float],
               grace: float) -> Generator:
    """One of the duty's own members (``own``) as soon as free, then the
    others on duty, waited for at most ``grace`` hours, then meet. The wait
    after holding someone is bounded, so a meeting holding those people
    cannot deadlock with it."""
    case = ctx.new_case(DUTY)
    enable = env.now
    node = _DutyNode(did, role, priority, ctx.code)
    case.node, case.enable, case.tasks = node, enable, []
    first = own.appoint(HOLD_PRIORITY)
    tasks: list = [first]
    held: list[StaffPool] = [own]
    case.tasks = tasks
    yield first.done
    now = env.now
    asked: list[tuple[StaffPool, Task]] = []
    for pool, n in holds:
        k = min(n, present(pool, now)) - (pool is own)
        asked.extend((pool, pool.appoint(HOLD_PRIORITY)) for _ in range(k))
    if asked:
        tasks.extend(t for _, t in asked)  # at the horizon: not started yet
        # SimPy types its events as Event; a Signal is one to it (and a hold's done is set).
        yield env.any_of([env.all_of([t.done for _, t in asked]),  # type: ignore[misc]
                          env.timeout(grace)])
        del tasks[1:]
        for pool, t in asked:
            if t.member is None:
                pool.withdraw(t)  # still busy: left to their work
            else:
                tasks.append(t)
                held.append(pool)
    start = env.now
    yield env.timeout(draw())
    for p, t in zip(held, tasks):
        p.release(t)
    del ctx.live[case.id]
    names = ctx.code("+".join(t.member.name for t in tasks))  # all held
    ctx.records.append(rows.row(ctx.replication, case.id, rows.DUTY, node.id_code, rows.DUTY,
                                node.role_code, names, enable, start, env.now, rows.DONE,
                                priority))


def _appointed(env: simpy.Environment, ctx: Context, did: str, role: str, priority: int,
               pool: StaffPool, n: int, draw: Callable[[], float], grace: float) -> None:
    """A duty done by ``n`` members (``one`` or ``each``) at its time (an
    end-of-shift register): each of those on duty now (at most ``n``) is
    asked for it as an appointment (``StaffPool.appoint``: claimed before
    the line) and does it when free; one not free within ``grace`` hours
    skips it (the hold withdrawn, logged ``skipped``)."""
    k = min(n, present(pool, env.now))
    if not k:
        return
    case = ctx.new_case(DUTY)
    node = _DutyNode(did, role, priority, ctx.code)
    enable = env.now
    works = [draw() for _ in range(k)]
    holds = [pool.appoint(HOLD_PRIORITY) for _ in range(k)]
    case.node, case.enable, case.tasks = node, enable, list(holds)
    left = [k]
    for hold, work in zip(holds, works):
        env.process(_appointed_one(env, ctx, case, node, pool, hold, work, grace, enable, left))


def _appointed_one(env: simpy.Environment, ctx: Context, case: Case, node: _DutyNode,
                   pool: StaffPool, hold: Task, work: float, grace: float, enable: float,
                   left: list[int]) -> Generator:
    """One member's part of an appointed duty: wait for the member at most
    ``grace`` hours, then the work (``work`` hours) or the skip."""
    if hold.member is None:
        yield env.any_of([hold.done, env.timeout(grace)])  # type: ignore[list-item]  # a Signal is an event to SimPy
    if hold.member is None:
        pool.withdraw(hold)
        outcome = rows.SKIPPED
    else:
        yield env.timeout(work)
        pool.release(hold)
        outcome = rows.DONE
    case.tasks.remove(hold)  # type: ignore[union-attr]  # the list made above
    ctx.records.extend(rows.task_rows(ctx.replication, case.id, rows.DUTY, node.id_code,
                                      rows.DUTY, node.role_code, hold, enable, hold.end,
                                      outcome, node.priority, ctx.code))
    left[0] -= 1
    if not left[0]:
        del ctx.live[case.id]


class _Instance:
    """One time of a duty done by ``one`` or ``each``: a task per member;
    the case ends when each task is done or skipped."""

    def __init__(self, env: simpy.Environment, ctx: Context, did: str, role: str,
                 priority: int, pool: StaffPool, n: int, draw: Callable[[], float]) -> None:
        self.env, self.ctx, self.pool, self.priority = env, ctx, pool, priority
        self.case = case = ctx.new_case(DUTY)
        self.enable = env.now
        self.node = _DutyNode(did, role, priority, ctx.code)
        self.tasks = [pool.submit(draw(), priority, waiter=self._done) for _ in range(n)]
        self.skipped: list[Task] = []
        self.left = n
        case.node, case.enable, case.tasks = self.node, self.enable, list(self.tasks)

    def _done(self, task: Task) -> None:
        self.left -= 1
        if not self.left:
            self._end()

    def skip(self) -> None:
        """The duty is due again: its tasks nobody has started leave the
        line (``StaffPool.withdraw``), logged ``skipped``."""
        skipped = [t for t in self.tasks if t.member is None and self.pool.withdraw(t)]
        for t in skipped:
            self.skipped.append(t)
            self.case.tasks.remove(t)  # type: ignore[union-attr]  # the list made above
            self._rows(t, rows.SKIPPED)
        self.left -= len(skipped)
        if skipped and not self.left:
            self._end()

    def _rows(self, task: Task, outcome: int) -> None:
        ctx, node = self.ctx, self.node
        ctx.records.extend(rows.task_rows(ctx.replication, self.case.id, rows.DUTY, node.id_code,
                                          rows.DUTY, node.role_code, task, self.enable, task.end,
                                          outcome, self.priority, ctx.code))

    def _end(self) -> None:
        del self.ctx.live[self.case.id]
        for t in self.tasks:
            if t not in self.skipped:
                self._rows(t, rows.DONE)
