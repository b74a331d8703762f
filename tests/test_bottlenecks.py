"""Active-period bottleneck detection and window delays on logs where the
answer is known, and the monotonicity of waits in staff on a short engine run."""
from __future__ import annotations

import numpy as np
import pytest
from kpi_logs import log_of, rec, small, warehouse_log, with_headcount

from sim.analysis.bottlenecks import (
    STEP,
    active_periods,
    bottlenecks,
    detect,
    momentary,
)
from sim.analysis.kpis import role_reps
from sim.analysis.staffing import StaffLog
from sim.analysis.whatif import plus_one
from sim.runs.replication import simulate


def test_active_periods_by_hand():
    s = small(2, warehouse=2, designer=2)
    st = StaffLog(s, warehouse_log(s))
    w = st.roles.index("warehouse")
    # rep 0: queue 8-9 then both busy to 10, A and C to 11 (8-9 is before the
    # shift: active but not counted); C alone in lunch 12-12.5 (all on-duty
    # slots, none, are busy); the meeting waits 13-14; D waits 40-48 (16-18 on duty)
    assert active_periods(st, w, 0).tolist() == [[8, 11, 2], [12, 12.5, 0.5], [13, 14, 1], [40, 48, 2]]
    assert active_periods(st, w, 1).tolist() == [[9, 13, 4]]


def _two_days():
    """Warehouse backed up on Monday 09-17, designers on Tuesday 09-17."""
    s = small(2, warehouse=2, designer=2)
    r = [
        rec(0, 1, "ship", "a", "work", "warehouse", "warehouse#1", 9, 9, 17),
        rec(0, 1, "ship", "b", "work", "warehouse", "warehouse#2", 9, 9, 17),
        rec(0, 1, "ship", "c", "work", "warehouse", "warehouse#1", 9, 17, 18),
        rec(0, 2, "art", "x", "work", "designer", "designer#1", 10, 10, 11),
        rec(0, 3, "art", "a", "work", "designer", "designer#1", 33, 33, 41),
        rec(0, 3, "art", "b", "work", "designer", "designer#2", 33, 33, 41),
        rec(0, 3, "art", "c", "work", "designer", "designer#1", 33, 41, 42),
        rec(0, 4, "ship", "x", "work", "warehouse", "warehouse#1", 34, 34, 35),
    ]
    return s, log_of(s, r)


def test_bottleneck_of_each_day():
    s, log = _two_days()
    st = StaffLog(s, log)
    w, d = st.roles.index("warehouse"), st.roles.index("designer")
    # the designers pause outside shifts: 09-12 and 13-17 count, 7 h
    assert active_periods(st, d, 0).tolist() == [[33, 41, 7]]
    assert active_periods(st, w, 0).tolist() == [[9, 17, 8]]
    out = bottlenecks(s, log, st)
    assert [x["role"] for x in out["daily"]] == ["warehouse", "designer"]
    assert out["runs"] == [{"role": "warehouse", "start": "2026-10-12", "end": "2026-10-12", "days": 1},
                           {"role": "designer", "start": "2026-10-13", "end": "2026-10-13", "days": 1}]
    ranked = {x["role"]: x for x in out["ranked"]}
    assert ranked["warehouse"]["bottleneck_share"] == pytest.approx(8 / 48, abs=STEP / 48)
    assert ranked["designer"]["sole_share"] == pytest.approx(8 / 48, abs=STEP / 48)
    assert ranked["warehouse"]["evidence"]["share_of_staff_wait"] == pytest.approx(8 / 16)
    assert ranked["designer"]["evidence"]["workflows_delayed"][0]["workflow"] == "art"


def test_shifting_where_active_periods_overlap():
    s, log = _two_days()
    extra = rec(0, 9, "plan", "p", "work", "ops_supervisor", "ops_supervisor#1", 16, 16, 26)
    log = log_of(s, log.records() + [extra])
    st = StaffLog(s, log)
    role, shifting = momentary(st, 0)
    t = (np.arange(role.size) + 0.5) * STEP
    ops, w = st.roles.index("ops_supervisor"), st.roles.index("warehouse")
    # the supervisor's period (16-26, 10 h counted) outlasts the warehouse's
    # (9-17, 8 h): warehouse sole 9-16, shifting 16-17, supervisor sole 17-26
    assert set(role[(t > 9) & (t < 16)]) == {w}
    assert set(role[(t > 16) & (t < 26)]) == {ops}
    assert shifting[(t > 16) & (t < 17)].all()
    assert not shifting[(t > 9) & (t < 16)].any() and not shifting[(t > 17) & (t < 26)].any()
    found = detect(st)
    assert found["share"][ops] - found["sole"][ops] == pytest.approx(1 / 48, abs=STEP / 48)


@pytest.mark.parametrize("role, few, many", [("customer_service", 3, 5), ("warehouse", 1, 3)])
def test_more_staff_means_shorter_waits(role, few, many):
    """One replication of a week, same seed: more people in a role, shorter
    waits and lower utilisation in that role (both within [0, 1])."""
    lo = with_headcount(small(7, customer_service=4, warehouse=3), **{role: few})
    hi = lo
    for _ in range(many - few):
        hi = plus_one(hi, role)
    assert hi.org.headcount(role) == many
    out = [role_reps(StaffLog(v, simulate(v, 0, 7)))[role] for v in (lo, hi)]
    assert out[1]["wait_mean"][0] < out[0]["wait_mean"][0]
    assert out[1]["utilization"][0] < out[0]["utilization"][0]
    assert all(0 <= x["utilization"][0] <= 1 for x in out)


def test_bottlenecks_of_an_empty_log():
    s = small(3)
    out = bottlenecks(s, log_of(s, [], reps=1))
    assert out["ranked"] == []


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
