"""The planner weighs money (issue 16): the staff a plan pays beside what
the platform charges when its timers run out, and the lost sales it
leaves. Judged on a stand-in for ``sim.evaluate`` whose charges fall with
each temporary packer-day, so the arithmetic is exact."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.analysis.payroll import staffing
from sim.plan.decisions import Plan, slots
from sim.plan.money import Weights, money, objective
from sim.plan.refine import remove_greedily
from sim.plan.search import Evaluator, Prices, add_for_money

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "scenarios" / "plan_small.yaml")
SLOT = ("packer", "pack")
#: Late shipments with no temporary packer; each packer-day saves 30, at
#: 10 CNY of compensation each (300 CNY, more than the 200 CNY day rate).
LATE, SAVED, PER_ACT = 60, 30, 10.0


def _packer_days(s: Scenario) -> int:
    return sum(o.members * ((o.end - o.start).days + 1) for o in s.calendars.overrides
               if o.change == "extra" and o.role == "packer")


def fake_evaluate(scenarios: list[Scenario], n: int, seed: int, jobs: int = 1) -> list[dict]:
    out = []
    for s in scenarios:
        late = max(0, LATE - SAVED * _packer_days(s))
        out.append({
            "cost_cny_total": staffing(s)["cost_cny_total"],
            "service_windows": {"ship_24h": {"met": 0.95, "met_ci95": [0.93, 0.97], "cases": 100.0}},
            "platform_actions": {"late_shipment_compensation": {
                "window": "ship_24h", "per_replication": float(late),
                "cost_per_replication": PER_ACT * late,
                "cost_ci95": [PER_ACT * late, PER_ACT * late]},
                "counts_are": "mean per replication; money in CNY"},
            "lost_sales": {"value_lost": 1000.0, "value_lost_ci95": [900.0, 1100.0],
                           "orders_lost": 5.0},
            "workload": {"window_waits": {"ship_24h": {"packer": np.ones(s.horizon.days)}}},
        })
    return out


def _evaluator(weights: Weights) -> tuple[Evaluator, Plan, Prices]:
    s = load_scenario(SMALL, ["calendars.overrides=[]"])
    ev = Evaluator(SMALL, ("calendars.overrides=[]",), (), (), (), {"ship_24h": 0.9}, 7, 1, 1,
                   staffing(s)["cost_cny_total"], fake_evaluate, weights=weights)
    sl = slots(s, ["packer"], granularity="day")
    pr = Prices({SLOT: 200.0}, {"packer": {"ship_24h"}}, {}, {})
    return ev, Plan(sl), pr


def test_money_reads_the_charges_and_the_lost_sales() -> None:
    [r] = fake_evaluate([load_scenario(SMALL, ["calendars.overrides=[]"])], 1, 7)
    m = money(r)
    assert m["platform_cny"] == 600.0 and m["lost_sales_cny"] == 1000.0
    assert m["platform"]["late_shipment_compensation"]["acts"] == 60.0
    assert objective(100.0, m, Weights()) == 700.0
    assert objective(100.0, m, Weights(platform=0.0, lost_sales=0.3)) == 400.0
    with pytest.raises(ValueError, match='"lost_sales" weight must be in'):
        Weights(lost_sales=2.0)


def test_a_person_who_saves_more_compensation_than_they_cost_is_not_removed() -> None:
    """Every target holds with or without the packer-day; removing it saves
    200 CNY of staff and lets the platform charge 300 CNY more: weighing
    the charges, the search keeps it; on the staff's cost alone (the
    planner before issue 16), it removes it."""
    for weights, kept in ((Weights(), 1), (Weights(platform=0.0), 0)):
        ev, zero, pr = _evaluator(weights)
        one = ev([zero.add(SLOT, 0, 1)], "start")[0]
        assert one.ok and one.cost == 200.0
        assert one.objective == (200.0 + PER_ACT * (LATE - SAVED) if weights.platform else 200.0)
        out = remove_greedily(ev, one, 10, 2, pr)
        assert out.plan.total_person_days() == kept, weights


def test_additions_for_money_stop_where_a_person_costs_more_than_they_save() -> None:
    """With every target held, a packer-day is worth adding while it saves
    more compensation than its day rate: two (600 -> 300 -> 0 CNY of
    charges for 200 each); a third would save nothing."""
    ev, zero, pr = _evaluator(Weights())
    base = ev([zero], "scenario as it is")[0]
    assert base.ok and base.objective == 600.0
    out = add_for_money(ev, base, ["packer"], 20, 2, pr)
    assert out.plan.total_person_days() == 2
    assert out.objective == 400.0 and out.money["platform_cny"] == 0.0
    ev0, zero0, pr0 = _evaluator(Weights(platform=0.0))
    base0 = ev0([zero0], "scenario as it is")[0]
    assert add_for_money(ev0, base0, ["packer"], 20, 2, pr0) is base0
