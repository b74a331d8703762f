"""Role and workflow KPIs against values computed by hand on small logs."""
from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pytest
from kpi_logs import NAN, log_of, rec, small, warehouse_log
from scipy import stats

from rules.demand import Campaign
from sim.analysis.ci import clean, mean_ci, paired_diff, welch_diff
from sim.analysis.kpis import role_kpis, role_reps, workflow_kpis, workflow_reps
from sim.analysis.staffing import StaffLog, group_quantile
from sim.log.vocabulary import first_seen, in_order
from sim.report.tables import daily_roles, write_tables

T_975_1 = 12.706204736174698  # Student t, 97.5%, 1 degree of freedom


@pytest.fixture(scope="module")
def wh():
    s = small(2, warehouse=2, designer=2)
    log = warehouse_log(s)
    st = StaffLog(s, log)
    return s, log, st, role_reps(st)


def test_on_duty_hours_are_the_office_day(wh):
    _, _, st, _ = wh
    w = st.roles.index("warehouse")
    assert [st.members[m].duty.total for m in st.role_members(w)] == [16.0, 16.0]  # 2 days x 8 h


def test_role_kpis_by_hand(wh):
    _, _, _, reps = wh
    x = reps["warehouse"]
    # rep 0: waits 1, 0.5, 0.5, 1 (meeting), 8 (never started, to the horizon at 48)
    assert x["tasks"].tolist() == [5, 1]
    assert x["wait_mean"] == pytest.approx([11 / 5, 3.0])
    assert x["queue_mean"] == pytest.approx([11 / 48, 3 / 48])
    assert x["queue_max"].tolist() == [2, 1]  # A and B both waiting 8.5-9
    # busy on duty: A 2 + B 1 + C 2 (10-12; 12-12.5 is lunch) + meeting 1 = 6 of 2 x 16 h
    assert x["utilization"] == pytest.approx([6 / 32, 0.0])
    # overtime: C runs 12-12.5 into lunch; rep 1 works 12-13, all of it in lunch
    assert x["overtime"] == pytest.approx([0.5, 1.0])


def test_meeting_counts_for_both_roles(wh):
    _, _, _, reps = wh
    d = reps["designer"]
    assert d["tasks"].tolist() == [1, 0]
    assert d["wait_mean"][0] == pytest.approx(1.0)
    assert d["utilization"] == pytest.approx([1 / 32, 0.0])


def test_summary_entry_and_ci(wh):
    _, _, st, reps = wh
    r = role_kpis(st, reps)["warehouse"]
    assert r["headcount"] == 2 and r["members"] == 2
    half = T_975_1 * abs(3.0 - 2.2) / math.sqrt(2) / math.sqrt(2)
    assert r["wait_mean_hours"] == pytest.approx(2.6)
    # A wait cannot be negative: the interval's lower bound stops at zero.
    assert 2.6 - half < 0
    assert r["wait_mean_hours_ci95"] == pytest.approx([0.0, 2.6 + half])
    # p95 of the pooled waits 0.5, 0.5, 1, 1, 3, 8
    assert r["wait_p95_hours"] == pytest.approx(np.percentile([0.5, 0.5, 1, 1, 3, 8], 95))
    assert r["queue_max"] == pytest.approx(1.5)


def test_pause_role_counts_only_shift_time():
    s = small(2, designer=1)
    # a designer task 17:00 day 0 -> 11:00 day 1: paused over the night
    log = log_of(s, [rec(0, 1, "w", "draw", "work", "designer", "designer#1", 16, 17, 35)])
    x = role_reps(StaffLog(s, log))["designer"]
    assert x["busy"][0] == pytest.approx(1 + 2)  # 17-18 and 09-11
    assert x["overtime"][0] == 0.0
    assert x["wait_mean"][0] == pytest.approx(1.0)


def test_workflow_kpis_by_hand(wh):
    _, log, st, _ = wh
    w = workflow_kpis(st, log)["ship"]
    assert (w["started"], w["completed"], w["open_at_end"]) == (1.5, 1.0, 0.5)
    assert w["cycle_p50_hours"] == pytest.approx((4.5 + 4.0) / 2)
    # staff waiting 10 + 3, working 2 + 1 + 2.5 + 1, outside 0
    assert w["waiting_share"] == pytest.approx(13 / 19.5)
    assert w["working_share"] == pytest.approx(6.5 / 19.5)
    assert w["outside_share"] == 0.0


def test_deadline_share_of_campaign_work():
    s = small(16)  # the horizon runs past the campaign start, so the open case is due
    camp = Campaign(name_zh="x", start=dt.date(2026, 10, 27), end=dt.date(2026, 10, 27), order_multiplier=2)
    s = s.model_copy(update={"demand": s.demand.model_copy(update={"campaigns": {"c": camp}})})
    trig = 15 * 24 - 14 * 24 + 9.0  # promo_images: 14 days ahead, 09:00 -> day 1 09:00
    due = 15 * 24.0
    recs = [rec(0, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig),
            rec(0, 1, "promo_images", "case_end", "case", "", "", due - 1, due - 1, due - 1),
            rec(1, 1, "promo_images", "case_start", "case", "", "", trig, trig, trig)]  # still open
    log = log_of(s, recs, reps=2)
    x = workflow_reps(StaffLog(s, log), log)["promo_images"]
    assert x["deadline_met"].tolist() == [1.0, 0.0]


def test_daily_series_by_hand(wh):
    _, _, st, _ = wh
    d = daily_roles(st)
    w = st.roles.index("warehouse")
    assert d["arrivals"][w].tolist() == [2.5, 0.5]
    # hourly samples: rep 0 has 1 waiting at 08:00 and 13:00, rep 1 at 09, 10, 11
    assert d["queue_mean"][w] == pytest.approx([5 / 48, 8 / 48])
    assert d["queue_max"][w] == pytest.approx([1.5, 0.5])
    assert d["utilization"][w] == pytest.approx([6 / 32, 0.0])
    assert d["wait_p95_hours"][w, 0] == pytest.approx(np.percentile([1, 0.5, 0.5, 1, 3], 95))


def test_tables_written(wh, tmp_path):
    s, log, st, reps = wh
    summary = clean({"roles": role_kpis(st, reps), "workflows": workflow_kpis(st, log)})
    write_tables(tmp_path, s, log, summary)
    with open(tmp_path / "roles.csv") as f:
        rows = list(csv.DictReader(f))
    wh_row = next(r for r in rows if r["role"] == "warehouse")
    assert float(wh_row["utilization"]) == pytest.approx(6 / 64)
    assert "utilization_ci95_low" in wh_row
    with open(tmp_path / "daily_roles.csv") as f:
        daily = list(csv.DictReader(f))
    assert {"date", "role", "arrivals", "queue_mean", "queue_max", "wait_p95_hours",
            "utilization"} <= set(daily[0])
    assert any(r["role"] == "warehouse" and r["date"] == "2026-10-12" for r in daily)
    assert (tmp_path / "workflows.csv").read_text().startswith("workflow,started")


def test_ci_helpers():
    m, lo, hi = mean_ci([2.2, 3.0])
    assert (m, lo, hi) == pytest.approx((2.6, 2.6 - T_975_1 * 0.4, 2.6 + T_975_1 * 0.4))
    assert math.isnan(mean_ci([1.0])[1])
    a, b = [1.0, 2.0, 3.0, 4.0], [1.5, 2.4, 3.7, 4.4]
    d = paired_diff(a, b)
    assert d["diff"] == pytest.approx(0.5)
    assert d["p_value"] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    assert d["significant"]
    w = welch_diff(a, b)
    assert w["p_value"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert not w["significant"]
    assert clean({"x": float("nan"), "y": np.float64(1.5)}) == {"x": None, "y": 1.5}


def test_helpers():
    words = ["c", "x", "a", "b"]  # a vocabulary: "b" is code 3
    codes, values = first_seen(np.array([3, 2, 3, 0], np.int32), words)
    assert codes.tolist() == [0, 1, 0, 2] and values == ["b", "a", "c"]
    codes, values = in_order(np.array([3, 2, 3, 0], np.int32), words)
    assert codes.tolist() == [1, 0, 1, 2] and values == ["a", "b", "c"]
    q = group_quantile(np.array([1.0, 2, 3, 10, 20]), np.array([0, 0, 0, 2, 2]), 3, 0.5)
    assert q[0] == 2 and math.isnan(q[1]) and q[2] == 15


def test_utilization_bounded_under_overload():
    s = small(1, warehouse=1)
    recs = [rec(0, i, "w", "x", "work", "warehouse", "warehouse#1", 0.0, 9 + i * 0.5, 9.5 + i * 0.5)
            for i in range(18)] + [rec(0, 99, "w", "x", "work", "warehouse", "", 0.0, NAN, NAN, "open")]
    x = role_reps(StaffLog(s, log_of(s, recs)))["warehouse"]
    assert 0 <= x["utilization"][0] <= 1
    assert x["utilization"][0] == pytest.approx(1.0)  # busy 9-18 whole shift (lunch counted off)


def test_abandoned_steps_leave_the_queue():
    """A chat abandoned after 0.2 h waits 0.2 h and then leaves the queue;
    it neither keeps the queue long to the horizon nor makes anyone busy."""
    s = small(1, customer_service=1)
    cs = ("presales_order", "chat", "work", "customer_service")
    recs = [rec(0, 1, *cs, "", 10, NAN, 10.2, "abandoned", 1),
            rec(0, 2, *cs, "customer_service#1", 10, 10, 10.5, prio=1)]
    x = role_reps(StaffLog(s, log_of(s, recs)))["customer_service"]
    assert x["abandoned"][0] == 1
    assert x["wait_mean"][0] == pytest.approx(0.1)
    assert x["queue_mean"][0] == pytest.approx(0.2 / 24)
    assert x["busy"][0] == pytest.approx(0.5)


def _with_campaign(s, day: int):
    camp = Campaign(name_zh="x", start=s.horizon.start + dt.timedelta(days=day),
                    end=s.horizon.start + dt.timedelta(days=day), order_multiplier=2)
    return s.model_copy(update={"demand": s.demand.model_copy(update={"campaigns": {"c": camp}})})


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


def test_t_quantiles_are_scipy_stats_own() -> None:
    """``ci`` takes Student's t from scipy.special (no scipy.stats import): the
    same function scipy.stats.t calls, so the same intervals to the last bit."""
    from scipy import stats

    from sim.analysis import ci

    for df in (1, 2, 4, 9, 19, 3.7, 120.5):
        assert ci._t_ppf(0.975, df) == stats.t.ppf(0.975, df)
        assert ci._t_sf(2.1, df) == stats.t.sf(2.1, df)
    x = [0.8, 0.9, 0.85, 0.95, 0.7]
    m, lo, hi = ci.mean_ci(x)
    half = stats.t.ppf(0.975, 4) * np.std(x, ddof=1) / np.sqrt(5)
    assert (lo, hi) == pytest.approx((m - half, m + half), abs=1e-15)
