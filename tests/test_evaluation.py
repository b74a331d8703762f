"""``sim.evaluate``: a scenario's numbers without a log, the same as the summary's."""
from __future__ import annotations

import json

import pytest

import sim
from rules import load_scenario
from sim.analysis.evaluation import reductions


def _json(x: object) -> object:
    return json.loads(json.dumps(x, default=str))


def _close(a: object, b: object) -> bool:
    """Equal, floats up to rounding in their last digits (sums taken per
    replication and then together, not over all records at once)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return a == b


@pytest.fixture(scope="module")
def both():
    s = load_scenario("tests/scenarios/stress.yaml")
    log, facts = sim.run(s, 5, 3)
    return s, sim.summarize(s, log, facts), sim.evaluate(s, 3, 5)


@pytest.mark.parametrize("section", ["cases", "service_windows", "window_compliance_by_day",
                                     "roles", "lost_sales", "platform_actions"])
def test_evaluate_gives_the_summarys_numbers(both, section: str) -> None:
    _, summary, numbers = both
    assert numbers[section], section
    assert _close(_json(numbers[section]), _json(summary[section]))


def test_evaluate_gives_the_platforms_acts_and_their_money(both) -> None:
    """Issue 16: the planner weighs what the platform charged, so
    ``sim.evaluate`` counts the acts per replication (a few integers cross
    from a worker, not the log) with intervals from those counts."""
    s, _, numbers = both
    acts = numbers["platform_actions"]
    assert set(acts) - {"counts_are"} == {w.timer.action for w in s.service_windows.values()
                                          if w.timer is not None}
    # Half an hour to ship: the platform compensates most orders.
    late = load_scenario("tests/scenarios/stress.yaml",
                         ["service_windows.ship_within_deadline_72h.limit=0.5"])
    log, facts = sim.run(late, 5, 2)
    summary = sim.summarize(late, log, facts)["platform_actions"]
    numbers = sim.evaluate(late, 2, 5)["platform_actions"]
    assert _close(_json(numbers), _json(summary))
    comp = numbers["late_shipment_compensation"]
    assert comp["per_replication"] > 10 and comp["cost_per_act"] == 10.0
    assert comp["cost_per_replication"] == pytest.approx(10.0 * comp["per_replication"])
    (part,) = reductions(late, 5, 1)
    assert all(isinstance(n, int) for n in part.platform.values())


def test_evaluate_says_what_it_ran(both) -> None:
    _s, summary, numbers = both
    assert numbers["run"]["replications"] == 3 and numbers["run"]["seed"] == 5
    assert numbers["run"]["records"] == summary["run"]["records"]
    assert numbers["run"]["input_hash"] == summary["run"]["input_hash"]


def test_workers_give_the_same_numbers_as_one_process() -> None:
    s = load_scenario("scenarios/validation/mmc.yaml")
    one = sim.evaluate(s, 2, 7, jobs=1)
    two = sim.evaluate(s, 2, 7, jobs=2)
    for d in (one, two):
        for timing in ("wall_seconds", "simulate_seconds", "reduce_seconds"):
            d["run"].pop(timing)
    assert one == two


def test_a_reduction_holds_no_log() -> None:
    """What crosses from a worker is per case and per role, not per step."""
    s = load_scenario("scenarios/validation/mmc.yaml")
    (part,) = reductions(s, 7, 1)
    held = sum(wc.key.size for wc in part.windows.values()) + sum(
        w.size for w in part.waits.values())
    assert part.records > 2 * held


def test_replications_must_be_positive() -> None:
    s = load_scenario("scenarios/validation/mmc.yaml")
    with pytest.raises(ValueError, match='"replications" must be >= 1, got 0'):
        sim.evaluate(s, 0)
