"""Pre-sale orders (预售) ship only after the balance payment."""
from __future__ import annotations

import numpy as np
import pytest

from rules.loader import load_scenario
from rules.shifts import days_of
from sim.inputs.demand import order_arrivals
from sim.inputs.streams import Streams
from sim.runs.replication import simulate


@pytest.fixture(scope="module")
def double11():
    return load_scenario("scenarios/double11.yaml")


def test_a_third_of_deposit_period_orders_are_presales_paid_in_the_balance_period(double11) -> None:
    s = double11
    days = days_of(s)
    arrivals = [a for a in order_arrivals(s, Streams(s.seed, 0), days)
                if a.attrs["contact"] not in ("chat_only", "bot_only")]  # orders only
    dep, bal = s.demand.campaigns["presale_deposit"], s.demand.campaigns["presale_balance"]
    # One pass splits the orders (``a not in in_deposit`` on a list compared
    # every order with every deposit-period order: ~20 s of a 22 s test).
    during = [dep.start <= days[int(a.time // 24)] <= dep.end for a in arrivals]
    in_deposit = [a for a, d in zip(arrivals, during) if d]
    outside = [a for a, d in zip(arrivals, during) if not d]
    pre = [a for a in in_deposit if a.attrs["presale"] == "yes"]
    assert dep.presale == pytest.approx(1 - 1 / 1.5)
    assert len(pre) / len(in_deposit) == pytest.approx(dep.presale, abs=0.02)
    lo = (bal.start - s.horizon.start).days * 24
    hi = (bal.end - s.horizon.start).days * 24 + 24
    assert all(lo <= a.attrs["balance_at"] < hi for a in pre)
    assert all(a.attrs["presale"] == "no" for a in outside)


@pytest.mark.slow  # a full Double 11 run
def test_presale_orders_are_paid_and_shipped_after_the_balance(double11) -> None:
    log = simulate(double11, 0)
    c = log.columns
    bal = c["activity"] == "balance_payment"
    assert bal.sum() > 500
    cases = set(c["case_id"][bal].tolist())
    paid = (c["activity"] == "payment") & np.isin(c["case_id"], list(cases))
    by_case = dict(zip(c["case_id"][bal].tolist(), c["end_time"][bal].tolist()))
    for cid, t in zip(c["case_id"][paid].tolist(), c["end_time"][paid].tolist()):
        assert t >= by_case[cid]
    baseline = simulate(load_scenario("scenarios/baseline.yaml").model_copy(
        update={"horizon": double11.horizon.model_copy(
            update={"end": double11.horizon.start.replace(day=14)})}), 0)
    assert not (baseline.columns["activity"] == "balance_payment").any()
