"""Taking a member from the work in hand, in a reference pool
(``tests/reference_staff.Pool``; the fast engine's ``sim/staff/claims.py``
and ``preemption.py``): claims, appointments and batches of whole-member
work in a pool of conversations, and preemption.

- a task that is not a conversation first in line that finds no empty
  member among those who could take work, and has waited ``claim_after``
  hours or more since it asked, claims the member on duty, unclaimed and
  holding no whole-member task, whose tasks in hand end first (first in
  member order at a tie); a claimed member takes nothing from the line
  and, once empty, is given the task that claimed it (members in order,
  before the line is served). A claim lapses when its task takes another
  empty member, when its customer's deadline passes (at the next
  dispatch), when the task is withdrawn (the line is then served) or when
  the member goes off duty;
- with concurrency above 1, a member whose whole-member work is done, now
  empty, takes the first whole-member task of the most urgent priority in
  line, if any, before the line is served (its claim, if it had one,
  lapses);
- an appointment (a duty held at its time) not yet held takes an empty
  member, else claims the member whose tasks end first, else takes over
  the claim of the first member claimed by other work;
- ``preemptive``: a more urgent task interrupts the least urgent running
  task (earliest arrival among equals), which goes back in line at its
  arrival position with the work it has left and keeps the stretch it did;
  work due at that very moment is left to finish; a whole-member task
  interrupts only a member's only task; a member time-sharing (brief work
  beside paused conversations) is not interrupted.

Written plainly: members and the line are scanned in full.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reference_staff import Member, Pool, Task

INF = math.inf
NAN = math.nan
#: The fast engine's tolerance for "at this very moment" (work left).
EPS = 1e-9


def first_free(pool: Pool, task: Task) -> Member | None:
    """The member on duty, unclaimed, holding only conversations (and
    not a sibling's), whose tasks in hand end first."""
    now, best, soonest = pool.env.now, None, INF
    for m in pool.members:
        if not m.on or m.claim is not None or any(not r.shared for r in m.running) or (
                task.distinct is not None and m in task.distinct):
            continue
        ends = []
        for r in m.running:
            if pool.pause:
                left = r.work - m.worked_between(r.resumed, now, True)
                ends.append(m.finish_time(now, left, True))
            else:
                ends.append(r.resumed + r.work)
        if ends and max(ends) < soonest:
            best, soonest = m, max(ends)
    return best


def time_share(pool: Pool, member: Member, task: Task) -> None:
    """``member`` takes brief whole-member ``task`` beside its conversations:
    each conversation with work left needs ``task``'s work more."""
    for r in member.running:
        if r.work - member.worked_between(r.resumed, pool.env.now, pool.pause) > EPS:
            r.work += task.work
            r.paused += task.work


def may_share(pool: Pool, member: Member, task: Task) -> bool:
    """No conversation ``member`` holds would be paused beyond
    ``interleave`` in all by brief ``task``."""
    return all(r.paused + task.work <= pool.interleave + EPS for r in member.running)


def claimed_by(pool: Pool, task: Task) -> Member | None:
    return next((m for m in pool.members if m.claim is task), None)


def appoint(pool: Pool) -> None:
    """Each appointment not yet held, in the order asked: an empty
    member, else a claim on the member whose tasks end first, else the
    claim of the first member claimed by other work."""
    pool.appointments = [t for t in pool.appointments if t.member is None and t in pool.line]
    for task in pool.appointments:
        if claimed_by(pool, task) is not None:
            continue
        empty = next((m for m in pool.members
                      if m.on and m.claim is None and not m.running), None)
        if empty is not None:
            pool.line.remove(task)
            pool._assign(task, empty)
            continue
        first = first_free(pool, task)
        if first is None:
            first = next((m for m in pool.members if m.on and m.claim is not None
                          and all(r.shared for r in m.running)
                          and m.claim not in pool.appointments), None)
        if first is not None:
            first.claim = task


def unclaimed(pool: Pool) -> bool:
    return any(t.member is None and claimed_by(pool, t) is None for t in pool.appointments)


def batch(pool: Pool, member: Member) -> None:
    """The member, empty after whole-member work, takes the first
    whole-member task of the most urgent priority in line, if any."""
    top = pool.line[0].priority if pool.line else None
    for task in pool.line:
        if task.priority != top:
            return
        if task.shared:
            continue
        if task.distinct is not None:
            if member in task.distinct:
                return
            task.distinct.add(member)
        claimed = claimed_by(pool, task)
        if claimed is not None:
            claimed.claim = None
        pool.line.remove(task)
        pool._assign(task, member)
        return


def preempt_waiting(pool: Pool) -> None:
    """Let the most urgent waiting tasks interrupt less urgent work."""
    while pool.line:
        head = pool.line[0]
        if head.distinct is not None or not _preempt_for(pool, head) or (
                pool.line and pool.line[0] is head):
            return


def _preempt_for(pool: Pool, task: Task) -> bool:
    now = pool.env.now
    # Running work less urgent than ``task`` with work left (work due at
    # this very moment is left to finish), and what each has left.
    # Whole-member work interrupts only a member's only task: one of
    # several conversations would not make the member empty.
    candidates = [(r, rest) for m in pool.members if m.on for r in m.running
                  if (task.shared or len(m.running) == 1)
                  and not (len(m.running) > 1 and any(not t.shared for t in m.running))
                  and r.work is not None and r.priority > task.priority
                  and (rest := r.work - m.worked_between(r.resumed, now, pool.pause)) > EPS]
    if not candidates:
        return False
    # The least urgent of them, and among equals the latest to arrive.
    victim, left = max(candidates, key=lambda c: (c[0].priority, -c[0].seq))
    member = victim.member
    victim.timer = None
    victim.work = left
    if now - victim.resumed > EPS:
        victim.stretches.append((member.name, victim.resumed, now))
    elif not victim.stretches:
        victim.start = NAN  # interrupted as it began: not started yet
    victim.resumed = NAN
    if victim.distinct is not None:
        victim.distinct.discard(member)
    pool._free_slot(member)
    member.running.remove(victim)
    pool._insert(victim)
    pool._dispatch()
    return True
