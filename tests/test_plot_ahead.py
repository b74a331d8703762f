"""Figures built ahead (``plot_kit.prepare``, ``plot_ahead``): ``opsim run``
builds the run plots' axes and ticks while the simulation runs, as the
scenario predicts them; a plot whose layout is as predicted draws into the
figure built, and its files are the same bytes as a figure built when
drawn; text is measured and laid out once per string (``plot_text``), with
the same pixels (issue 13)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib
import pytest
from matplotlib.font_manager import FontProperties

from rules import load_scenario
from sim.analysis.run_parts import run_view
from sim.analysis.summary import summary_of
from sim.report import plot_kit
from sim.report.plot_ahead import (
    COMPLIANCE_LEGEND,
    NUMERALS,
    PERCENTS,
    expected_layouts,
    expected_texts,
    p95_title,
)
from sim.report.plot_kit import Ahead, Context, draw, prepare, style_of
from sim.report.plot_numbers import plot_numbers
from sim.report.plots import makers_of

ROOT = Path(__file__).resolve().parents[1]
#: The baseline's roles and workflows over three weeks.
WEEKS = "horizon={start: 2026-10-01, end: 2026-10-21}"


@pytest.fixture(scope="module")
def drawn() -> tuple:
    s = load_scenario(str(ROOT / "scenarios/baseline.yaml"), [WEEKS])
    view, facts = run_view(s, 11, 2)  # two: the bands between replications too
    summary = summary_of(view, facts)
    return s, Context(s, style_of(None), plot_numbers(s, view), summary), summary


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw as matplotlib alone would: no canvas keeping text (savefig makes its own)."""
    monkeypatch.setattr(plot_kit, "CachedCanvas", lambda fig, text: None)


def test_a_plot_drawn_ahead_and_with_text_kept_is_the_same_bytes(drawn: tuple, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    s, ctx, summary = drawn
    makers = makers_of(ctx, summary["window_compliance_by_day"])
    del makers["staffing"]
    with monkeypatch.context() as m:
        _plain(m)
        draw(ctx, makers, tmp_path / "fresh", ("png", "svg"))
    layouts = expected_layouts(Context(s, ctx.style))
    assert {"queues", "wait_ecdf", "utilisation", "window_compliance", "time_breakdown"} == set(layouts)
    ahead = Ahead()
    prepare(ctx, list(layouts.values()), ahead)
    ready = sum(len(v) for v in ahead.figures.values())
    # Twice: the second time every text comes from the cache.
    for k in range(2):
        ctx_ahead = replace(ctx, ahead=ahead)
        again = makers_of(ctx_ahead, summary["window_compliance_by_day"])
        draw(ctx_ahead, {name: again[name] for name in makers}, tmp_path / f"ahead{k}", ("png", "svg"))
        if k == 0:
            used = ready - sum(len(v) for v in ahead.figures.values())
    # The scenario's source windows, roles and workflows are all there: at
    # least the window plot's layout is the one predicted.
    assert used >= 1, used
    assert ahead.text.layouts and ahead.text.sizes and ahead.text.heights
    for name in makers:
        for fmt in ("png", "svg"):
            fresh = (tmp_path / "fresh" / f"{name}.{fmt}").read_bytes()
            for k in range(2):
                assert (tmp_path / f"ahead{k}" / f"{name}.{fmt}").read_bytes() == fresh, (name, fmt, k)


def test_what_was_made_under_other_settings_is_not_used(drawn: tuple) -> None:
    s, ctx, _ = drawn
    lay, frame = expected_layouts(Context(s, ctx.style))["window_compliance"]
    ahead = Ahead()
    prepare(ctx, [(lay, frame)], ahead)
    with matplotlib.rc_context({"font.size": 7}):
        fig, _ = plot_kit.layout_axes(lay, ahead)  # built now, under these settings
        assert not ahead.usable()
    assert sum(len(v) for v in ahead.figures.values()) == 1
    with matplotlib.rc_context(plot_kit._settings(ctx)):
        assert ahead.usable()
        assert plot_kit.layout_axes(lay, ahead)[0] is not fig
    assert sum(len(v) for v in ahead.figures.values()) == 0


def test_text_kept_under_other_settings_is_not_used(drawn: tuple, tmp_path: Path) -> None:
    """A font chosen by other settings lays out other glyphs: the text kept
    under one font size is not used under another."""
    _, ctx, _ = drawn
    ahead = Ahead()
    one = replace(ctx, ahead=ahead)
    draw(one, {"queues": makers_of(one, {})["queues"]}, tmp_path / "a", ("png",))
    kept = len(ahead.text.sizes)
    with matplotlib.rc_context({"font.size": 7}):
        draw(one, {"queues": makers_of(one, {})["queues"]}, tmp_path / "b", ("png",))
    assert len(ahead.text.sizes) == kept


def test_runs_in_one_process_draw_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 11b item 3: each in-process ``opsim run -n 1`` left the figures
    no plot took in the process; they are the run's now (``plot_kit.Ahead``),
    and a second run draws the same files as the first."""
    from sim.cli import main

    monkeypatch.chdir(ROOT)
    for k in range(2):
        code = main(["run", "scenarios/baseline.yaml", "-n", "1", "--jobs", "2", "--set", WEEKS,
                     "--out", str(tmp_path / f"r{k}"), "--yes", "--force"])
        assert code == 0
    for png in sorted((tmp_path / "r0" / "plots").iterdir()):
        assert (tmp_path / "r1" / "plots" / png.name).read_bytes() == png.read_bytes(), png.name


def test_the_texts_laid_out_ahead_are_the_ones_drawn(drawn: tuple, tmp_path: Path) -> None:
    """``plot_ahead.expected_texts``: the scenario's texts (all but the
    likely tick numbers) are drawn, at the sizes listed."""
    s, ctx, summary = drawn
    ahead = Ahead()
    fresh = replace(ctx, ahead=ahead)
    draw(fresh, makers_of(fresh, summary["window_compliance_by_day"]), tmp_path, ("png",))
    with matplotlib.rc_context(plot_kit._settings(ctx)):
        expected = {(t, FontProperties(size=size).get_size_in_points())
                    for t, size in expected_texts(Context(s, ctx.style))
                    if t not in NUMERALS + PERCENTS}
    drawn_texts = {k[0] for k in ahead.text.layouts}
    drawn_sized = {(k[0], k[1][5]) for k in ahead.text.layouts}
    # Not drawn in this short run of one replication: workflows without
    # cases, the replications' band, titles that count fewer roles.
    missing = {t for t, _ in expected - drawn_sized}
    assert missing - drawn_texts <= ({ctx.workflow(w) for w in s.workflows if w not in ctx.n.breakdown}
                                     | {COMPLIANCE_LEGEND[0], p95_title(6)}), missing - drawn_texts
    assert {t for t in missing if t in drawn_texts} == set()  # nothing at another size


def test_nothing_is_made_ahead_once_told_to_stop(drawn: tuple) -> None:
    """The drawer stops making figures and texts ahead when the run's
    numbers come (``prepare``'s ``until``): the rest is made when drawn."""
    s, ctx, _ = drawn
    ahead = Ahead()
    prepare(ctx, list(expected_layouts(Context(s, ctx.style)).values()), ahead,
            expected_texts(Context(s, ctx.style)), until=lambda: True)
    assert not ahead.figures and not ahead.text.layouts


def test_another_matplotlib_draws_its_own_text_and_keeps_only_sizes(
        drawn: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a matplotlib whose private text drawing the replay does not copy
    (``LAYOUTS_KEPT`` False: any minor version but 3.11), warming and
    drawing still work, lay out nothing, and give matplotlib's own bytes."""
    from sim.report import plot_text
    s, ctx, summary = drawn
    makers = makers_of(ctx, summary["window_compliance_by_day"])
    names = ["utilisation", "wait_ecdf"]
    with monkeypatch.context() as m:
        _plain(m)
        draw(ctx, {n: makers[n] for n in names}, tmp_path / "fresh", ("png",))
    monkeypatch.setattr(plot_text, "LAYOUTS_KEPT", False)
    ahead = Ahead()
    bare = Context(s, ctx.style)
    prepare(ctx, list(expected_layouts(bare).values()), ahead, expected_texts(bare))
    ctx_ahead = replace(ctx, ahead=ahead)
    again = makers_of(ctx_ahead, summary["window_compliance_by_day"])
    draw(ctx_ahead, {n: again[n] for n in names}, tmp_path / "kept", ("png",))
    assert ahead.text.sizes and not ahead.text.layouts and not ahead.text.glyphs
    for n in names:
        kept = (tmp_path / "kept" / f"{n}.png").read_bytes()
        assert kept == (tmp_path / "fresh" / f"{n}.png").read_bytes(), n


def test_a_text_cache_used_under_other_hinting_draws_the_other_hinting() -> None:
    """The cache's keys hold the settings that change glyphs besides the
    font (review 12: a cache filled under one hinting answered another's)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.report.plot_text import CachedCanvas, TextCache

    def png(canvas: type | None, cache: TextCache) -> bytes:
        fig = Figure(figsize=(4, 3), dpi=110)
        fig.add_subplot().set_title("Hinting test 123")
        CachedCanvas(fig, cache) if canvas is None else canvas(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    cache = TextCache()
    png(None, cache)
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):
        assert png(None, cache) == png(FigureCanvasAgg, cache)
