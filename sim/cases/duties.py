"""Recurring duties (daily stand-ups, weekly reviews...) run as cases of the
``duty`` workflow.

A duty done by ``one`` member or by ``each`` is a staff task per member; one
done ``together`` holds every member (at the hold priority of meetings) and
then takes its time. A duty with attendees (a training's trainees, a weekly
meeting's team) is held like a meeting: its member(s) and the attendees,
role by role in sorted order, then the time it takes is everyone's. They
are ordinary SimPy processes: a few a day, not on the hot path.
"""
from __future__ import annotations

from collections.abc import Callable, Generator

import simpy

from sim.cases.interpreter import Context
from sim.cases.meetings import HOLD_PRIORITY
from sim.cases.rows import row, task_rows
from sim.staff.pool import StaffPool

DUTY = "duty"


class _DutyNode:
    """What ``Context.open_records`` needs to report a duty open at the horizon."""
    __slots__ = ("id", "kind", "role", "priority")

    def __init__(self, did: str, role: str, priority: int) -> None:
        self.id, self.kind, self.role, self.priority = did, "duty", role, priority


#: A held duty's people: (pool, how many) per role, in acquiring order.
Holds = list[tuple[StaffPool, int]]


def run_duty(env: simpy.Environment, ctx: Context, did: str, role: str, who: str, priority: int,
          pool: StaffPool, headcount: int, draw: Callable[[], float],
          times: list[float], holds: Holds | None = None) -> Generator:
    """Start the duty at each of ``times``. ``holds``: the roles held at
    once, sorted (a duty with attendees; ``role`` then names them all)."""
    n = 1 if who == "one" else headcount
    if holds is None and who == "together":
        holds = [(pool, n)]
    for t in times:
        if t > env.now:
            yield env.timeout(t - env.now)
        if holds is not None:
            env.process(_held_duty(env, ctx, did, role, priority, holds, draw))
        else:
            env.process(_duty_instance(env, ctx, did, role, priority, pool, n, draw))


def _held_duty(env: simpy.Environment, ctx: Context, did: str, role: str, priority: int,
               holds: Holds, draw: Callable[[], float]) -> Generator:
    """Hold everyone, role by role, as a meeting does (no deadlock with
    meetings: the same priority and the same order of roles), then meet."""
    case = ctx.new_case(DUTY)
    enable = env.now
    case.node, case.enable, case.tasks = _DutyNode(did, role, priority), enable, []
    tasks: list = []
    held: list[StaffPool] = []
    for pool, n in holds:
        batch = [pool.acquire(HOLD_PRIORITY) for _ in range(n)]
        tasks.extend(batch)
        held.extend([pool] * n)
        case.tasks = tasks
        # SimPy types its events as Event; a Signal is one to it (and a hold's done is set).
        yield env.all_of([t.done for t in batch])  # type: ignore[misc]
    start = env.now
    yield env.timeout(draw())
    for p, t in zip(held, tasks):
        p.release(t)
    del ctx.live[case.id]
    ctx.records.append(row(ctx.replication, case.id, DUTY, did, "duty", role,
                           "+".join(t.member.name for t in tasks),  # all held
                           enable, start, env.now, "done", priority))


def _duty_instance(env: simpy.Environment, ctx: Context, did: str, role: str,
                   priority: int, pool: StaffPool, n: int,
                   draw: Callable[[], float]) -> Generator:
    case = ctx.new_case(DUTY)
    enable = env.now
    node = _DutyNode(did, role, priority)
    tasks = [pool.submit(draw(), priority) for _ in range(n)]
    case.node, case.enable, case.tasks = node, enable, tasks
    yield env.all_of([t.done for t in tasks])  # type: ignore[misc]  # as above
    del ctx.live[case.id]
    for t in tasks:
        ctx.records.extend(task_rows(ctx.replication, case.id, DUTY, did, "duty", role, t, enable,
                                     t.end, "done", priority))
