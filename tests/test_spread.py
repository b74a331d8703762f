"""The spread across replications in the daily series, and the backlog."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from rules import load_scenario
from sim.analysis.staffing import StaffLog
from sim.analysis.window_days import compliance_by_day
from sim.report.tables import daily_roles


@pytest.fixture(scope="module")
def run():
    # One packer for four times the stress scenario's orders: far over capacity.
    s = load_scenario("tests/scenarios/stress.yaml", ["org.roles.warehouse.headcount=1",
                                                      "demand.orders_per_day=240"])
    log, _ = sim.run(s, 5, 3)
    return s, log


def test_the_daily_p95_band_holds_the_pooled_p95(run) -> None:
    """The pooled p95 of a day lies within the replications' own p95s (up to
    the quantiles' interpolation between neighbouring waits)."""
    s, log = run
    d = daily_roles(StaffLog(s, log))
    p95, lo, hi = d["wait_p95_hours"], d["wait_p95_lo"], d["wait_p95_hi"]
    # Days with enough steps in every replication for a p95 to mean something.
    ok = np.isfinite(p95) & np.isfinite(lo) & (d["arrivals"] >= 40)
    assert ok.sum() > 5 and (lo[ok] <= hi[ok]).all()
    slack = 0.05 * hi[ok] + 1e-9
    assert (lo[ok] - slack <= p95[ok]).all() and (p95[ok] <= hi[ok] + slack).all()


def test_the_backlog_is_work_left_in_days_of_capacity(run) -> None:
    s, log = run
    st = StaffLog(s, log)
    d = daily_roles(st)
    backlog = d["backlog_days"]
    finite = np.isfinite(backlog)
    assert (backlog[finite] >= 0).all()
    wh = st.roles.index("warehouse")
    # Work piles up beyond what a day can clear, where utilisation only says 100%.
    assert np.nanmax(np.where(np.isinf(backlog[wh]), np.nan, backlog[wh])) > 1.0


def test_daily_compliance_carries_its_spread(run) -> None:
    s, log = run
    for series in compliance_by_day(s, log).values():
        for met, low, high in zip(series["met"], series["met_min"], series["met_max"]):
            if met is not None:
                assert low is not None and high is not None and low - 1e-9 <= met <= high + 1e-9
