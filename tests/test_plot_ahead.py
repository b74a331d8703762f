"""Figures built ahead (``plot_kit.prepare``, ``plot_ahead``): ``opsim run``
builds the run plots' axes and ticks while the simulation runs, as the
scenario predicts them; a plot whose layout is as predicted draws into the
figure built, and its files are the same bytes as a figure built when
drawn (issue 13)."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from rules import load_scenario
from sim.analysis.run_parts import run_view
from sim.analysis.summary import summary_of
from sim.report import plot_kit
from sim.report.plot_ahead import expected_layouts
from sim.report.plot_kit import Context, draw, prepare, style_of
from sim.report.plot_numbers import plot_numbers
from sim.report.plots import makers_of

ROOT = Path(__file__).resolve().parents[1]
#: The baseline's roles and workflows over three weeks.
WEEKS = "horizon={start: 2026-10-01, end: 2026-10-21}"


@pytest.fixture(scope="module")
def drawn() -> tuple:
    s = load_scenario(str(ROOT / "scenarios/baseline.yaml"), [WEEKS])
    view, facts = run_view(s, 11, 1)
    summary = summary_of(view, facts)
    return s, Context(s, style_of(None), plot_numbers(s, view), summary), summary


def test_a_plot_drawn_into_a_figure_built_ahead_is_the_same_bytes(drawn: tuple, tmp_path: Path) -> None:
    s, ctx, summary = drawn
    makers = makers_of(ctx, summary["window_compliance_by_day"])
    del makers["staffing"]
    draw(ctx, makers, tmp_path / "fresh", ("png", "svg"))
    layouts = expected_layouts(Context(s, ctx.style))
    assert {"queues", "wait_ecdf", "utilisation", "window_compliance", "time_breakdown"} == set(layouts)
    prepare(ctx, list(layouts.values()))
    ready = sum(len(v) for v in plot_kit._READY.values())
    draw(ctx, makers, tmp_path / "ahead", ("png", "svg"))
    used = ready - sum(len(v) for v in plot_kit._READY.values())
    plot_kit._READY.clear()
    # The scenario's source windows, roles and workflows are all there: at
    # least the window plot's layout is the one predicted.
    assert used >= 1, used
    for name in makers:
        for fmt in ("png", "svg"):
            fresh = (tmp_path / "fresh" / f"{name}.{fmt}").read_bytes()
            assert (tmp_path / "ahead" / f"{name}.{fmt}").read_bytes() == fresh, (name, fmt)


def test_a_figure_built_under_other_settings_is_not_handed_out(drawn: tuple) -> None:
    s, ctx, _ = drawn
    lay = expected_layouts(Context(s, ctx.style))["window_compliance"]
    prepare(ctx, [lay])
    try:
        with matplotlib.rc_context({"font.size": 7}):
            fig, _ = plot_kit.layout_axes(lay)  # built now, under these settings
        assert sum(len(v) for v in plot_kit._READY.values()) == 1
        with matplotlib.rc_context(plot_kit._settings(ctx)):
            assert plot_kit.layout_axes(lay)[0] is not fig
        assert sum(len(v) for v in plot_kit._READY.values()) == 0
    finally:
        plot_kit._READY.clear()


def test_a_run_leaves_no_figure_built_ahead_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 11b item 3: each in-process ``opsim run -n 1`` left the figures
    no plot took in the process (1, 2, 3 after three runs)."""
    from sim.cli import main

    monkeypatch.chdir(ROOT)
    for k in range(2):
        code = main(["run", "scenarios/baseline.yaml", "-n", "1", "--jobs", "2", "--set", WEEKS,
                     "--out", str(tmp_path / f"r{k}"), "--yes", "--force"])
        assert code == 0
        assert not any(plot_kit._READY.values())
