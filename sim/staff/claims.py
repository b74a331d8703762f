"""Whole-member work in a pool whose members hold several conversations
(``StaffPool``, issue 16): a task that takes the whole member and finds
nobody empty claims the member whose tasks in hand end first, who takes
nothing more from the line until the task is handed over (``hand_over``);
a member done with such work takes the next one of the most urgent level
ahead of the chats (``batch``). An appointment's hold (a duty held at its
time: ``StaffPool.appoint``) goes before the line (``appoint``). A task
short enough to interleave is done by a member holding conversations
between their messages (``time_share``), as long as no conversation in
hand is paused beyond the role's limit in all (``may_share``)."""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from sim.staff.member import EPS, INF, WHOLE, Member

if TYPE_CHECKING:
    from sim.staff.pool import StaffPool
    from sim.staff.task import StaffTask


def _by_index(member: Member) -> int:
    return member.index


def claim(pool: StaffPool, task: StaffTask) -> None:
    """``task`` takes the whole member and nobody idle is empty: it
    claims the member on duty whose tasks in hand end first (the first
    in member order at a tie; none holding whole-member work or claimed),
    who leaves the idle list and is handed the task when empty
    (``hand_over``)."""
    now, best, soonest = pool.env.now, None, INF
    for m in pool.members:
        if m.on and m.running and m.claim is None and m.busy < WHOLE and (
                task.distinct is None or m not in task.distinct):
            end = max(_due(pool, m, r, now) for r in m.running)
            if end < soonest:
                best, soonest = m, end
    if best is None:
        return
    pool._claims[task] = best
    best.claim = task
    if best.busy < pool.concurrency:
        pool.idle.remove(best)


def _due(pool: StaffPool, member: Member, task: StaffTask, now: float) -> float:
    """When ``task``, running on ``member``, is done."""
    work: float = task.work  # type: ignore[assignment]  # shared tasks are work, never holds
    if not pool.pause:
        return task.resumed + work
    return member.finish_time(now, work - member.worked_between(task.resumed, now, True), True)


def time_share(pool: StaffPool, member: Member, work: float, now: float) -> None:
    """``member``, holding conversations, takes ``work`` hours of brief
    whole-member work now: the conversations in hand make no progress
    meanwhile, so each one's work grows by ``work`` (its end, when it comes,
    is then not yet: ``StaffPool._complete`` times it again). A
    conversation due at this very moment is left to end. Exact and cheap:
    nothing is interrupted or rescheduled now."""
    for r in member.running:
        if r.work - member.worked_between(r.resumed, now, pool.pause) > EPS:  # type: ignore[operator]
            r.work += work  # type: ignore[operator]  # conversations are work, never holds
            r.paused += work


def may_share(pool: StaffPool, member: Member, work: float) -> bool:
    """``member`` may time-share ``work`` hours of brief work: it holds
    nothing, or each conversation in hand, paused so far plus ``work``,
    stays within the role's ``interleave_up_to_minutes``. Else a customer
    in hand would wait longer than that in all: one release after another,
    each brief, froze a chat for 47 minutes (review 10 item 1)."""
    limit = pool.queue.brief + EPS
    # A loop, not ``all`` of a generator: 100,000 calls a run, each making one.
    for r in member.running:  # noqa: SIM110
        if r.paused + work > limit:
            return False
    return True


def drop_claim(pool: StaffPool, task: StaffTask) -> bool:
    """``task`` no longer waits for the member it claimed (it took
    another, left, or was withdrawn): that member is free again."""
    member = pool._claims.pop(task, None)
    if member is None:
        return False
    member.claim = None
    if member.on and member.busy < pool.concurrency:
        bisect.insort(pool.idle, member, key=_by_index)
    return True


def hand_over(pool: StaffPool, now: float) -> None:
    """Claims before the line: a claim whose customer has left lapses
    (they are let go when the line reaches them), and each claimed
    member now empty takes its task, in member order."""
    for gone in [t for t in pool._claims if t.deadline < now]:
        drop_claim(pool, gone)
    ready = sorted((m for m in pool._claims.values() if m.busy == 0), key=_by_index)
    for member in ready:
        task = member.claim
        if task is None or not pool.queue.remove(task):
            continue  # popped by a dispatch below this one, which puts it back
        drop_claim(pool, task)
        member.on_duty(now)
        pool._assign(task, member, now)


def batch(pool: StaffPool, member: Member) -> None:
    """``member``, empty after whole-member work, takes the earliest
    whole-member task of the most urgent level waiting, if that level
    has one (customers who left are let go first, as a dispatch would)."""
    now, queue = pool.env.now, pool.queue
    while queue.size and not member.busy:  # (a customer let go may have asked it for work)
        head = queue.head()
        if head.deadline < now and head.member is None:
            queue.pop()
            pool._gone(head)
            continue
        task = queue.pop_whole()
        if task is None:
            return
        if task.deadline < now and task.member is None:
            pool._gone(task)
            continue
        if task.distinct is not None and member in task.distinct:
            queue.put_back([task])
            return
        if task.distinct is not None:
            task.distinct.add(member)
        if pool._claims:
            drop_claim(pool, task)
        member.on_duty(now)
        pool._assign(task, member, now)
        return


def unclaimed(pool: StaffPool) -> bool:
    """An appointment waits with no member claimed (``appoint``)."""
    return any(t.member is None and t not in pool._claims for t in pool._appointments)


def appoint(pool: StaffPool) -> None:
    """Each appointment not yet held, in the order asked, before the line:
    it takes an empty member at once, else claims the member whose tasks in
    hand end first (``claim``, whatever waits before it and without the
    role's claim_after), else takes over the claim of ordinary whole-member
    work (which claims again when first in line); a member done with
    whole-member work meanwhile comes to it rather than to the next such
    work (``StaffPool._complete``). So chats, and the orders released between
    them, cannot keep an agent from a training."""
    waiting = [t for t in pool._appointments if t.member is None]
    pool._appointments = waiting
    now = pool.env.now
    for task in waiting:
        if task in pool._claims:
            continue
        empty = next((m for m in pool.idle if not m.busy), None)
        if empty is not None:
            pool.queue.remove(task)
            empty.on_duty(now)
            pool._assign(task, empty, now)
            continue
        claim(pool, task)
        if task in pool._claims:
            continue
        taken = next((m for m in pool.members if m.on and m.claim is not None
                      and m.busy < WHOLE and m.claim not in waiting), None)
        if taken is not None:
            drop_claim(pool, taken.claim)  # type: ignore[arg-type]  # just tested
            pool._claims[task] = taken
            taken.claim = task
            if taken.busy < pool.concurrency:
                pool.idle.remove(taken)
