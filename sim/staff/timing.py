"""When a task in a pool is done (``StaffPool._time`` and ``_complete``,
defined here and bound as the pool's methods): its completion is scheduled
in one event from the member's shifts, and a conversation whose end comes
after it was paused for brief whole-member work (``claims.time_share``)
finds work left and is timed again; a member done with whole-member work
goes on with the next such task (``claims.batch``) before the line."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sim.kernel.events import fire_in
from sim.staff.claims import batch, unclaimed
from sim.staff.member import EPS, INF, Member
from sim.staff.task import COMPLETION, OWN_COMPLETION, StaffTask, _completion_due, task_timer

if TYPE_CHECKING:
    from sim.staff.pool import StaffPool


def time_task(self: StaffPool, task: StaffTask, member: Member, now: float, end: float) -> None:
    """Schedule ``task``'s completion at ``end``."""
    if end < INF:
        if self.preemptive:
            task.timer = task_timer(self.env, task, end - now, COMPLETION)
        elif task.own_timer:  # a case: its own event until the work is done
            # own_timer: a case, which is a Signal (StaffTask does not say so)
            task.timer = fire_in(task, end - now, OWN_COMPLETION)  # type: ignore[type-var,assignment]
        elif task.done is None and task.waiter is None and not (task.shared and self.interleave):
            # (A conversation that may pause is timed again: not the caller's event.)
            # The caller appends its own callback: ours runs first.
            task.done = task.timer = task_timer(self.env, task, end - now,
                                                [_completion_due])
        else:
            task.timer = task_timer(self.env, task, end - now, COMPLETION)


def complete(self: StaffPool, task: StaffTask, timer: object) -> None:
    member: Member = task.member  # type: ignore[assignment]  # a task done has its member
    if task.shared and self.interleave:
        now = self.env.now
        left = task.work - member.worked_between(task.resumed, now, self.pause)  # type: ignore[operator]
        if left > EPS:  # paused for brief work meanwhile: not done yet
            if self.pause:
                member.on_duty(now)  # moves its shift pointer for finish_time
            self._time(task, member, now, member.finish_time(now, left, self.pause))
            return
    self._free_slot(member, task)
    member.running.remove(task)
    task.end = self.env.now
    if task.waiter is None and task.done is not timer:
        task.done.succeed(member)  # type: ignore[union-attr]  # no waiter: the caller waits on done
    if self.queue.size:
        if not task.shared and self.concurrency > 1 and not member.busy and member.on and (
                not unclaimed(self)):  # else the appointment's, in the dispatch
            batch(self, member)
        self._dispatch()
    if task.waiter is not None:
        self._wake(task)
