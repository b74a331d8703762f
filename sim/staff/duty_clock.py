"""A pool's duty clock: members come on and go off duty, and a role's
concurrency changes, at the moments its shifts and calendar give; the pool
then dispatches what waits (and, when preemptive, lets it interrupt)."""
from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from sim.staff.preemption import preempt_waiting

if TYPE_CHECKING:
    from sim.staff.pool import StaffPool

#: A boundary: (time, edge, value). Edge 1 a member's shift starts, 0 it
#: ends (value: the member's index), 2 the concurrency changes (value: the
#: new concurrency).
Boundary = tuple[float, int, int]


def shift_boundaries(pool: StaffPool, boundaries: list[Boundary]) -> Generator:
    """Members come on and go off duty; at each moment ends go first
    (``boundaries`` sorted so)."""
    env = pool.env
    i, n = 0, len(boundaries)
    while i < n:
        t = boundaries[i][0]
        if t > env.now:
            yield env.timeout(t - env.now)
        while i < n and boundaries[i][0] == t:
            _, edge, index = boundaries[i]
            if edge == 2:
                pool._set_concurrency(index)
            else:
                pool._set_on(pool.members[index], bool(edge))
            i += 1
        if pool.queue.size:
            pool._dispatch()
            if pool.preemptive and pool.queue.size:
                preempt_waiting(pool)
