"""One replication (``sim.runs.replication``): how its cases are launched."""
from __future__ import annotations

import simpy

from sim.cases.interpreter import Context
from sim.kernel.events import drive
from sim.runs.replication import _launch


def test_a_launcher_starts_its_first_case_inside_the_run_even_at_time_zero() -> None:
    """Set-up (pools on duty, hooks) comes first: nothing starts while the
    replication is still being built, even an arrival at 00:00 of day one."""
    env = simpy.Environment()
    ctx = Context(env, 0, None, lambda day: True)
    ctx.flows["w"] = []
    drive(_launch(env, ctx, "w", [(0.0, {}), (2.0, {})]))
    assert ctx._case == 0  # nothing yet
    env.run(until=1.0)
    assert ctx._case == 1
    env.run(until=3.0)
    assert ctx._case == 2
