"""Order arrivals (``sim.inputs.demand``): built lazily, the same on every
pass, with lost chats even on a day without orders."""
from __future__ import annotations

import datetime as dt

from rules.loader import load_scenario
from rules.scenario import Horizon
from rules.shifts import days_of
from sim.inputs.demand import order_arrivals
from sim.inputs.streams import Streams
from sim.runs.replication import simulate


def test_arrivals_are_built_lazily_and_the_same_each_time() -> None:
    s = load_scenario("scenarios/baseline.yaml")
    arrivals = order_arrivals(s, Streams(s.seed, 0), days_of(s))
    first, second = list(arrivals.pairs()), list(arrivals.pairs())
    assert first == second and len(first) == len(arrivals)
    times = [t for t, _ in first]
    assert times == sorted(times) and all(type(t) is float for t in times)
    lost = sum(a["contact"] == "chat_only" for _, a in first)
    assert lost == len(arrivals) - arrivals.n
    back = [a["aftersales"] for _, a in first if "aftersales" in a]
    assert len(back) == int((arrivals.aftersales.mix >= 0).sum()) > 0
    assert all(set(r) == {"kind", "fault", "resalable", "trade_status", "lag"} for r in back)


def test_a_day_without_orders_still_has_its_lost_chats() -> None:
    s = load_scenario("scenarios/baseline.yaml")
    day = dt.date(2026, 10, 5)
    campaign = type(next(iter(load_scenario("scenarios/double11.yaml").demand.campaigns.values())))
    closed = campaign(name_zh="x", kind="event", start=day, end=day, order_multiplier=0,
                      chat_multiplier=1)
    s = s.model_copy(update={"horizon": Horizon(start=day, end=day),
                             "demand": s.demand.model_copy(update={"campaigns": {"closed": closed}})})
    arrivals = order_arrivals(s, Streams(s.seed, 0), days_of(s))
    got = list(arrivals.pairs())
    assert arrivals.n == 0 and len(got) == len(arrivals) > 50
    assert all(a == {"contact": "chat_only", "review_followup": "no"} for _, a in got)
    c = simulate(s, 0).columns
    assert (c["activity"] == "chat").sum() == len(got)
