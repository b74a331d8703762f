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


def test_a_run_is_its_replications_together() -> None:
    """``run`` gathers the replications as they come (never holding them twice):
    the same log as simulating each and concatenating."""
    import numpy as np

    from rules import load_scenario
    from sim import run, simulate
    from sim.runs.runner import combine

    s = load_scenario("scenarios/validation/mmc.yaml")
    together, facts = run(s, 3, 3, jobs=2)
    apart = combine([simulate(s, rep, 3) for rep in range(3)])
    assert facts["records"] == len(together) == len(apart)
    assert together.meta == apart.meta and together.epoch == apart.epoch
    for name, col in apart.columns.items():
        np.testing.assert_array_equal(together.columns[name], col)
