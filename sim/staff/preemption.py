"""Preemption (a pool with ``preemptive``): the most urgent waiting tasks
interrupt less urgent running ones, which go back in line at their arrival
position with the work they have left and keep the stretch they worked
(``Task.stretches``) for the event log. Work due at that very moment is
left to finish. A task that takes the whole member interrupts only a
member's only task (review 9 item 3); a member time-sharing is not
interrupted."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.staff.member import EPS, WHOLE, Member

if TYPE_CHECKING:
    from sim.staff.pool import StaffPool
    from sim.staff.task import StaffTask


def preempt_waiting(pool: StaffPool) -> None:
    """Let the most urgent waiting tasks interrupt less urgent running
    ones (on arrival, and when members come on duty)."""
    queue = pool.queue
    while queue.size:
        task = queue.head()
        if task.deadline < pool.env.now and task.member is None:
            queue.pop()  # a customer who left must not shield the others
            pool._gone(task)
            continue
        if task.distinct is not None or not _preempt_for(pool, task) or (
                queue.size and queue.head() is task):
            return


def _preempt_for(pool: StaffPool, task: StaffTask) -> bool:
    now = pool.env.now
    victim, left = None, 0.0
    for m in pool.members:
        # Whole-member work needs its member empty: interrupting one of
        # several conversations would free it nothing (the interrupted chat
        # would take the slot back at once), so only a member's only task.
        # A member time-sharing (brief work beside paused conversations,
        # ``claims.time_share``) is left to it: its work is short, and its
        # conversations' work already counts the brief task's whole.
        if not m.on or (len(m.running) > 1 and (not task.shared or m.busy >= WHOLE)):
            continue
        for r in m.running:
            if r.work is not None and r.priority > task.priority and (
                    victim is None or (r.priority, -r.seq) > (victim.priority, -victim.seq)):
                rest = r.work - m.worked_between(r.resumed, now, pool.pause)
                if rest > EPS:  # a task due this very moment is left to finish
                    victim, left = r, rest
    if victim is None:
        return False
    stale = victim.timer  # its completion, already scheduled, no longer counts:
    if stale is not None:  # it must not keep the task (a case) alive until then
        stale.task = None  # type: ignore[attr-defined]  # a preemptive pool's timers are TaskTimers
    victim.timer = None
    member: Member = victim.member  # type: ignore[assignment]  # a running task has its member
    victim.work = left
    if now - victim.resumed > EPS:
        if victim.stretches is None:
            victim.stretches = []
        victim.stretches.append((member.name, victim.resumed, now))
    elif victim.stretches is None:
        victim.start = math.nan  # interrupted as it began: it has not started yet
    victim.resumed = math.nan  # back in line
    if victim.distinct is not None:
        victim.distinct.discard(member)  # a contest entrant may take any free member again
    pool._free_slot(member, victim)
    member.running.remove(victim)
    pool.queue.insert(victim)
    pool._dispatch()
    return True
