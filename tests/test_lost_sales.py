"""Lost sales (issue 16 point 5): chats customers left unanswered, the
orders they would have placed (the lost chats of customers who buy, as the
log's contact branch says) and their value (the scenario's average order
value), per replication with 95% intervals."""
from __future__ import annotations

import pytest
from kpi_logs import NAN, log_of, rec, small

import sim
from rules.loader import load_scenario
from sim.analysis.lost_sales import lost_sales
from sim.analysis.run_parts import view_of_log
from sim.analysis.staffing import StaffLog
from sim.cli.tables import lost_sales_line


def _chat(rep: int, case: int, outcome: str = "abandoned", wf: str = "presales_order"):
    if outcome == "abandoned":
        return rec(rep, case, wf, "chat", "work", "customer_service", "", 10, NAN, 10.5, "abandoned", 1)
    return rec(rep, case, wf, "chat", "work", "customer_service", "customer_service#1", 10, 10, 10.2,
               prio=1)


def test_lost_sales_are_counted_from_abandoned_pre_sales_chats() -> None:
    s = small(1, customer_service=1)
    assert s.demand is not None
    recs = [_chat(0, 1), _chat(0, 2), _chat(0, 3, "done"),  # rep 0: two left
            _chat(1, 1), _chat(1, 2), _chat(1, 3), _chat(1, 4),  # rep 1: four left
            rec(1, 5, "exchange", "ask_reason", "work", "customer_service", "", 10, NAN, 11, "abandoned"),
            # A shipment the platform withdrew is no customer who left a chat.
            rec(1, 6, "presales_order", "pick_pack_ship", "work", "warehouse", "", 10, NAN, 11, "withdrawn")]
    out = lost_sales(s, StaffLog(s, log_of(s, recs, reps=2)))
    assert out["chats_lost"] == pytest.approx(3.0)  # the exchange's and warehouse's steps are no chats
    conversion, aov = s.demand.chat_conversion, s.demand.average_order_value
    assert aov == 200
    assert out["orders_lost"] == pytest.approx(3.0 * conversion)
    assert out["value_lost"] == pytest.approx(3.0 * conversion * aov)
    lo, hi = out["chats_lost_ci95"]
    assert 0 <= lo < 3 < hi
    assert "lost sales: 3 [" in (lost_sales_line({"lost_sales": out}) or "")


def _contact(rep: int, case: int, outcome: str):
    return rec(rep, case, "presales_order", "contact", "branch", "", "", 10, 10, 10, outcome, 1)


def test_orders_lost_are_the_lost_chats_of_customers_who_buy() -> None:
    # The log knows which chats were would-be orders: the case's contact
    # branch. Rep 0: a buyer and an asker left (1 order lost); rep 1: two
    # askers left, a buyer was served (none lost).
    s = small(1, customer_service=1)
    assert s.demand is not None
    recs = [_contact(0, 1, "chat_order"), _chat(0, 1), _contact(0, 2, "chat_only"), _chat(0, 2),
            _contact(1, 1, "chat_only"), _chat(1, 1), _contact(1, 2, "chat_only"), _chat(1, 2),
            _contact(1, 3, "chat_order"), _chat(1, 3, "done")]
    log = log_of(s, recs, reps=2)
    view = view_of_log(s, log)
    assert list(view.orders_lost) == [1.0, 0.0]
    out = lost_sales(s, view.st, view.orders_lost)
    assert out["chats_lost"] == pytest.approx(2.0)
    assert out["orders_lost"] == pytest.approx(0.5)  # not 2 x the conversion
    assert out["value_lost"] == pytest.approx(0.5 * s.demand.average_order_value)


def test_without_an_order_value_lost_sales_are_in_orders_only() -> None:
    s = small(1, customer_service=1)
    s = s.model_copy(update={"demand": s.demand.model_copy(update={"average_order_value": None})})
    out = lost_sales(s, StaffLog(s, log_of(s, [_chat(0, 1)])))
    assert out["value_lost"] is None and out["orders_lost"] == pytest.approx(s.demand.chat_conversion)


def test_a_run_reports_lost_sales_in_its_summary() -> None:
    s = load_scenario("scenarios/baseline.yaml", ["org.roles.customer_service.concurrency=1"])
    end = s.horizon.start.replace(day=10)
    s = s.model_copy(update={"horizon": s.horizon.model_copy(update={"end": end})})
    log, facts = sim.run(s, 1, 1)
    summary = sim.summarize(s, log, facts)
    ls = summary["lost_sales"]
    c = log.columns
    order = c["workflow"] == "presales_order"
    gone = int((order & (c["outcome"] == "abandoned")).sum())
    assert gone > 0 and ls["chats_lost"] == gone
    buyers = set(c["case_id"][order & (c["activity"] == "contact") & (c["outcome"] == "chat_order")].tolist())
    lost = [cid for cid in c["case_id"][order & (c["outcome"] == "abandoned")].tolist() if cid in buyers]
    assert 0 < len(lost) < gone and ls["orders_lost"] == len(lost)
    assert ls["value_lost"] == pytest.approx(len(lost) * 200)
