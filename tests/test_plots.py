"""Plots and the numbers behind them, on a tiny hand-made log."""
from __future__ import annotations

import numpy as np
import pytest
from kpi_logs import small, warehouse_log

from sim.analysis import plot_data as pdata
from sim.analysis.staffing import StaffLog
from sim.report.html import render_html
from sim.report.plots import write_plots

PLOTS = ("queues", "wait_ecdf", "wait_p95_daily", "utilisation", "window_compliance", "time_breakdown",
         "staffing")


@pytest.fixture(scope="module")
def tiny():
    s = small(days=2)
    return s, warehouse_log(s)


def test_queue_hourly_counts_waiting_steps(tiny) -> None:
    s, log = tiny
    q = pdata.queue_hourly(StaffLog(s, log))["warehouse"]
    assert q.size == 48
    # Hour marks, halved for two replications: at 8 rep 0's A waits (8->9); at 9-11
    # rep 1's step waits (9->12); at 13 the meeting waits (13->14).
    assert q[7:15].tolist() == pytest.approx([0, 0.5, 0.5, 0.5, 0.5, 0, 0.5, 0])
    # D is enabled at 40 and never started: it waits to the horizon in rep 0.
    assert q[40:].tolist() == [0.5] * 8


def test_waits_by_role_flags_never_started(tiny) -> None:
    s, log = tiny
    wait, started = pdata.waits_by_role(StaffLog(s, log))["warehouse"]
    assert (~started).sum() == 1
    assert wait.max() == pytest.approx(8.0)  # D: 40 -> horizon 48


def test_time_breakdown_adds_up(tiny) -> None:
    s, log = tiny
    parts = pdata.time_breakdown(s, log, StaffLog(s, log))["ship"]
    assert set(parts) == set(pdata.TIME_PARTS)
    assert all(v >= 0 for v in parts.values())
    # Three cases; step-hours: work 2+1+2.5+1, queue 1+0.5+0.5+3+8 (all inside or outside shifts).
    assert sum(parts.values()) == pytest.approx((6.5 + 13.0) / 3)


def test_rolling_share_weights_by_cases() -> None:
    met = np.array([1.0, np.nan, 0.0])
    cases = np.array([1.0, 0.0, 3.0])
    assert pdata.rolling_share(met, cases, days=7).tolist() == pytest.approx([1.0, 1.0, 0.25])


@pytest.mark.slow  # renders every plot to a file
@pytest.mark.parametrize("font", [None, True])
def test_write_plots_files(tiny, tmp_path, font) -> None:
    s, log = tiny
    result = write_plots(s, log, {}, tmp_path, font=font, formats=("png", "svg"))
    assert set(result.files) == set(PLOTS)
    for name in PLOTS:
        for suffix in (".png", ".svg"):
            path = (tmp_path / name).with_suffix(suffix)
            assert path.stat().st_size > 1000, path
    assert (result.notice is not None) == (font is None)


def test_report_escapes_text(tiny, tmp_path) -> None:
    s, _log = tiny
    s = s.model_copy(update={"name": "<b>x</b>", "description": "<script>alert(1)</script> & co"})
    summary = {"run": {"scenario": s.name, "description": s.description, "seed": 1, "replications": 1,
                       "input_hash": "abc"},
               "service_windows": {"w<i>": {"name_zh": "<img src=x>", "verdict": "not met", "met": 0.5,
                                            "met_ci95": [0.4, 0.6], "target": 0.9}}}
    from sim.report.plots import PlotResult
    page = render_html(s, summary, PlotResult())
    assert "<script>" not in page and "<img src=x>" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "not available" in page  # no bottlenecks, roles or workflows in this summary
