"""Review of the analysis and CLI code: each test pins a bug found and fixed."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from kpi_logs import log_of, rec, small, warehouse_log

from rules.demand import Campaign
from sim.analysis.bottlenecks import bottlenecks
from sim.analysis.compare import _better
from sim.analysis.kpis import role_kpis, role_reps, workflow_kpis, workflow_reps
from sim.analysis.staffing import StaffLog
from sim.cli import main

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def _with_campaign(s, day: int):
    camp = Campaign(name_zh="x", start=s.horizon.start + dt.timedelta(days=day),
                    end=s.horizon.start + dt.timedelta(days=day), order_multiplier=2)
    return s.model_copy(update={"demand": s.demand.model_copy(update={"campaigns": {"c": camp}})})


def test_bottlenecks_of_an_empty_log():
    s = small(3)
    out = bottlenecks(s, log_of(s, [], reps=1))
    assert out["ranked"] == []


def test_campaign_work_open_before_its_deadline_is_not_missed():
    # promo_images runs 14 days ahead of the campaign; the horizon (3 days)
    # ends long before the campaign starts, so the open case is not due yet.
    s = _with_campaign(small(3), 15)
    trig = 24 + 9.0
    recs = [rec(0, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig),
            rec(1, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig)]
    log = log_of(s, recs, reps=2)
    x = workflow_reps(StaffLog(s, log), log)["promo_images"]
    assert all(math.isnan(v) for v in x["deadline_met"])


def test_deadline_share_interval_stays_within_zero_and_one():
    s = _with_campaign(small(16), 15)
    trig, due = 24 + 9.0, 15 * 24.0
    recs = [rec(0, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig),
            rec(0, 1, "promo_images", "case_end", "case", "", "", due - 1, due - 1, due - 1),
            rec(1, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig)]  # open, past due
    log = log_of(s, recs, reps=2)
    row = workflow_kpis(StaffLog(s, log), log)["promo_images"]
    assert row["deadline_met_share"] == pytest.approx(0.5)
    assert row["deadline_met_share_ci95"] == [0.0, 1.0]


def test_utilisation_interval_stays_within_zero_and_one():
    s = small(2, warehouse=2, designer=2)
    st = StaffLog(s, warehouse_log(s))
    lo, hi = role_kpis(st, role_reps(st))["warehouse"]["utilization_ci95"]
    assert 0.0 <= lo <= hi <= 1.0


def test_compare_refuses_zero_replications(capsys):
    assert main(["compare", str(BASELINE), str(BASELINE), "-n", "0"]) == 2
    assert "replications" in capsys.readouterr().err


def test_better_reads_the_measure_not_the_ids():
    # A window whose id contains "wait" is still a met share: larger is better.
    d = {"significant": True, "diff": 0.1}
    assert _better("window reply_wait_3min: met share", d) == "better"
    assert _better("role planner: wait mean (h)", d) == "worse"


def test_window_delays_count_only_the_window_population():
    # A return whose item was accepted never enters the refused-item window
    # (only_if refusal_accepted): its later waits delay no such window.
    from sim.analysis.bottlenecks import window_delays
    s = small(3)
    recs = [rec(0, 1, "return", "case_start", "case", "", "", 8, 8, 8),
            rec(0, 1, "return", "report_inspection", "work", "warehouse", "warehouse#1", 9, 9, 10),
            rec(0, 1, "return", "refund", "work", "customer_service", "customer_service#1", 20, 30, 31)]
    log = log_of(s, recs, reps=1)
    st = StaffLog(s, log)
    delays = window_delays(st, log)
    assert "refused_item_back_72h" not in delays or delays["refused_item_back_72h"].sum() == 0.0
    assert delays["refund_auto_agree_5d"].sum() > 0  # its start is case_start: every return
