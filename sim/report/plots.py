"""Plots of a run: queues, waits, utilisation, window compliance, and where
the cases' time goes, drawn from the run's plot numbers
(``sim.report.plot_numbers``). Each is written as PNG into ``DIR/plots/``,
and as SVG when asked for.

Matplotlib ``Figure`` objects on the Agg canvas (never pyplot, so no global
state). Chinese labels use the CJK font that :func:`sim.views.style.find_cjk_font`
finds; without one the English ids are used. This module never prints.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator, PercentFormatter

from rules.scenario import Scenario
from rules.windows import ServiceWindow
from sim.analysis import plot_data as pdata
from sim.analysis.run_parts import RunView, view_of
from sim.analysis.window_days import compliance_of_cases
from sim.log.records import EventLog
from sim.report import plot_ahead as pa
from sim.report.plot_kit import (
    BACKLOG_MAX,
    CAMPAIGN_LABEL,
    MIN_DAILY_STEPS,
    PART_COLORS,
    SOURCE_WINDOWS,
    TOP_ROLES,
    Ahead,
    Context,
    Drawn,
    Margins,
    PlotResult,
    check_formats,
    date_axis,
    draw,
    empty_figure,
    layout_axes,
    new_figure,
    panels,
    shade_campaigns,
    style_of,
    suptitle,
    text_inches,
)
from sim.report.plot_numbers import PlotNumbers, plot_numbers
from sim.report.plot_staffing import plot_staffing
from sim.views.style import CJK_FONT_INSTALL, Style


def plot_queues(ctx: Context) -> Figure:
    """Hourly queue length of the roles with the longest mean queue."""
    queues = ctx.n.queues
    ranked = sorted(queues, key=lambda r: -queues[r][0].mean())[:TOP_ROLES]
    title = pa.QUEUES_TITLE
    if not ranked:
        return empty_figure(title, "no step waited for staff")
    fig, grid = layout_axes(pa.queues_layout(len(ranked)), ctx.ahead, pa.queues_frame(ctx, len(ranked)))
    axes = list(grid.ravel()[:len(ranked)])
    for ax, role in zip(axes, ranked):
        y = queues[role][0]
        hours = np.arange(y.size) / 24.0
        if ctx.n.replications > 1:
            ax.fill_between(hours, queues[role][1], queues[role][2], color="#6baed6", alpha=0.35, lw=0)
        ax.plot(hours, y, color="#08519c", lw=0.8)
        ax.set_title(f"{ctx.role(role)}: mean {y.mean():,.1f}, max {y.max():,.0f}", fontsize=10)
        ax.set_ylim(bottom=0)
    if pdata.campaign_spans(ctx.s):
        axes[0].legend(loc="upper left", fontsize=8)
    suptitle(fig, pa.queues_title(len(ranked)))
    return fig


def plot_wait_ecdf(ctx: Context) -> Figure:
    """ECDF of staff waits per role, with p50 and p95 marked."""
    ecdf = ctx.n.ecdf
    ranked = sorted(ecdf, key=lambda r: -ecdf[r].p95)[:TOP_ROLES]
    title = pa.ECDF_TITLE
    if not ranked:
        return empty_figure(title, "too few staff steps")
    fig, grid = layout_axes(pa.ecdf_layout(len(ranked)), ctx.ahead, pa.ecdf_frame(len(ranked)))
    axes = list(grid.ravel()[:len(ranked)])
    floor = 1 / 60.0  # waits below a minute are drawn at one minute
    for ax, role in zip(axes, ranked):
        e = ecdf[role]
        y = np.linspace(0, 1, e.quantiles.size)
        x = np.maximum(e.quantiles, floor)
        ax.plot(x, y, color="#08519c", lw=1.2, drawstyle="steps-post")
        p50, p95 = e.p50, e.p95
        for q, val, color in (("p50", p50, "#31a354"), ("p95", p95, "#de2d26")):
            ax.axvline(max(val, floor), color=color, ls="--", lw=1,
                       label=f"{q} {_hours(val)}")
        ax.set_xlim(floor, max(x.max(), 1.0) * 1.5)
        ax.set_xticks(pa.WAIT_TICKS)  # the range widened to show them all
        ax.set_xticklabels(pa.WAIT_LABELS, fontsize=8)
        never = e.never_started
        extra = f"; {never:.0%} still waiting at the end" if never > 0.0005 else ""
        ax.set_title(f"{ctx.role(role)} ({e.steps / ctx.n.replications:,.0f} steps/rep{extra})",
                     fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
    suptitle(fig, pa.ecdf_title(len(ranked)))
    return fig


def plot_wait_p95_daily(ctx: Context) -> Figure:
    """Daily p95 wait of the roles with the longest waits."""
    roles, daily = ctx.n.roles, ctx.n.daily
    # A p95 of a handful of steps is noise: days with fewer than MIN_DAILY_STEPS are left out.
    p95 = np.where(daily["arrivals"] * ctx.n.replications >= MIN_DAILY_STEPS, daily["wait_p95_hours"], np.nan)
    title = pa.P95_TITLE
    with np.errstate(divide="ignore"):
        logs = np.log(np.maximum(p95, 1 / 60.0))
    score = {r: float(np.nanmean(logs[i])) if np.isfinite(p95[i]).any() else -np.inf
             for i, r in enumerate(roles)}
    ranked = [r for r in sorted(score, key=lambda r: -score[r]) if score[r] > np.log(1 / 60.0)][:TOP_ROLES]
    if not ranked:
        return empty_figure(title, "no waits")
    labels = [ctx.role(r) for r in ranked]
    # The legend right of the axes, as wide as its longest label (8 pt) and its line.
    legend = max(text_inches(t, 8) for t in [CAMPAIGN_LABEL, *labels]) + 0.55
    fig = new_figure(11, 4.2)
    ax = fig.add_subplot(panels(fig, m=Margins(left=0.8, right=legend + 0.15))[0, 0])
    shade_campaigns(ax, ctx)
    x = np.arange(p95.shape[1]) + 0.5
    for role in ranked:
        i = roles.index(role)
        y = np.maximum(p95[i], 1 / 60.0)
        line = ax.plot(x, y, marker="o", ms=2.5, lw=1.2, label=ctx.role(role))[0]
        if ctx.n.replications > 1 and "wait_p95_lo" in daily:
            shown = np.isfinite(p95[i])
            ax.fill_between(x, np.where(shown, np.maximum(daily["wait_p95_lo"][i], 1 / 60.0), np.nan),
                            np.where(shown, np.maximum(daily["wait_p95_hi"][i], 1 / 60.0), np.nan),
                            color=line.get_color(), alpha=0.15, lw=0)
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticks(pa.WAIT_TICKS)
    ax.set_yticklabels(pa.WAIT_LABELS)
    ax.set_ylabel(pa.P95_YLABEL)
    date_axis(ax, ctx)
    ax.grid(alpha=0.3, which="major")
    fig.legend(loc="upper left", bbox_to_anchor=(1 - (legend + 0.05) / 11, 1 - 0.3 / 4.2), fontsize=8)
    ax.set_title(pa.p95_title(len(ranked)), fontsize=10)
    return fig


def plot_utilisation(ctx: Context) -> Figure:
    """Heatmaps role x day: on-duty utilisation, and beside it the work left
    waiting at the end of the day in days of the role's capacity (utilisation
    stops at 100%; the backlog tells a full day from one far over capacity)."""
    daily = ctx.n.daily
    util = daily["utilization"]
    roles = ctx.n.roles
    keep = [i for i, r in enumerate(roles) if r in ctx.s.org.roles and np.isfinite(util[i]).any()]
    title = pa.UTILISATION_TITLE
    if not keep:
        return empty_figure(title, "nobody was on duty")
    backlog = daily.get("backlog_days")
    maps = [util[keep]]
    if backlog is not None:
        # Days without capacity but with work waiting are drawn at the top of the scale.
        maps.append(np.where(np.isinf(backlog[keep]), BACKLOG_MAX, np.minimum(backlog[keep], BACKLOG_MAX)))
    names = [ctx.role(roles[i]) for i in keep]
    # The role names, dates, campaigns and colour bars: the frame.
    fig, grid = layout_axes(pa.utilisation_layout(names, len(maps)), ctx.ahead,
                            pa.utilisation_frame(ctx, names, len(maps)))
    axes = grid[:, 0]
    for ax, data, (cmap_name, lo, hi, _label, _percent) in zip(axes, maps, pa.MAPS):
        ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap=pa.colormap(cmap_name), vmin=lo, vmax=hi,
                  interpolation="nearest", extent=(0, data.shape[1], len(keep) - 0.5, -0.5))
    axes[0].set_title(title + pa.UTILISATION_MORE, fontsize=11)
    return fig


def plot_window_compliance(ctx: Context, by_day: dict) -> Figure:
    """Met share by day of start for the source's windows, with the target."""
    wids = [w for w in SOURCE_WINDOWS if w in ctx.s.service_windows]
    title = pa.COMPLIANCE_TITLE
    if not wids:
        return empty_figure(title, "the scenario has neither of the source's windows")
    fig, grid = layout_axes(pa.compliance_layout(len(wids)), ctx.ahead, pa.compliance_frame(ctx, len(wids)))
    axes = grid[:, 0]
    start = ctx.s.horizon.start
    for ax, wid in zip(axes, wids):
        w = ctx.s.service_windows[wid]
        series = by_day.get(wid) or {"dates": [], "cases": [], "met": []}
        days = np.array([(_date(d) - start).days for d in series["dates"]], dtype=float)
        cases = np.asarray(series["cases"], dtype=float)
        met = np.array([np.nan if m is None else m for m in series["met"]], dtype=float)
        ok = np.isfinite(met)
        low = np.array([np.nan if m is None else m for m in series.get("met_min", [])], dtype=float)
        high = np.array([np.nan if m is None else m for m in series.get("met_max", [])], dtype=float)
        if ok.any() and ctx.n.replications > 1 and low.size == met.size:
            ax.vlines(days[ok] + 0.5, low[ok], high[ok], color="#9ecae1", lw=2,
                      label=pa.COMPLIANCE_LEGEND[0])
        if ok.any():
            sizes = 12 + 60 * cases[ok] / max(cases[ok].max(), 1e-9)
            ax.scatter(days[ok] + 0.5, met[ok], s=sizes, color="#3182bd", alpha=0.7,
                       label=pa.COMPLIANCE_LEGEND[1])
            full = np.full(ctx.s.horizon.days, np.nan)
            n = np.zeros(ctx.s.horizon.days)
            full[days.astype(int)] = met
            n[days.astype(int)] = cases
            roll = pdata.rolling_share(full, n)
            ax.plot(np.arange(full.size) + 0.5, roll, color="#08306b", lw=1.5, label=pa.COMPLIANCE_LEGEND[2])
        else:
            ax.text(0.5, 0.5, "no case due in this run", transform=ax.transAxes, ha="center", color="#555")
        target = ctx.s.targets.get(wid)
        if target is not None:
            ax.axhline(target, color="#de2d26", ls="--", lw=1.2, label=pa.target_label(target))
        total = cases.sum()
        ax.set_title(f"{ctx.style.title(w.name_zh, wid)} (limit {_limit(w)}; {total:,.1f} cases/rep)",
                     fontsize=10)
    handles: dict[str, Artist] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncols=4, fontsize=8,
               frameon=False)
    suptitle(fig, title)
    return fig


def plot_time_breakdown(ctx: Context) -> Figure:
    """Stacked bars per workflow: where the cases' time goes."""
    parts = ctx.n.breakdown
    title = pa.BREAKDOWN_TITLE
    if not parts:
        return empty_figure(title, "no cases")
    order = sorted(parts, key=lambda w: sum(parts[w].values()))
    used = [p for p in pdata.TIME_PARTS if any(parts[w][p] > 0 for w in order)]
    names = [ctx.workflow(w) for w in order]
    fig, grid = layout_axes(pa.breakdown_layout(names), ctx.ahead)
    ax = grid[0, 0]
    y = np.arange(len(order))
    totals = np.array([sum(parts[w].values()) for w in order])
    left = np.zeros(len(order))
    for p in used:
        share = np.array([parts[w][p] for w in order]) / np.where(totals > 0, totals, 1)
        # One collection of bars per part: a patch per bar (barh) took half the figure's time.
        boxes = [((x0, yi - 0.4), (x0 + dx, yi - 0.4), (x0 + dx, yi + 0.4), (x0, yi + 0.4))
                 for x0, dx, yi in zip(left, share, y)]
        ax.add_collection(PolyCollection(boxes, facecolors=PART_COLORS[pdata.TIME_PARTS.index(p)],
                                         edgecolors="white", linewidths=0.5, label=p))
        left += share
    ax.autoscale_view()
    for yi, tot in zip(y, totals):
        ax.text(1.01, float(yi), _hours(tot), va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(pa.BREAKDOWN_XLABEL)
    fig.legend(loc="lower center", ncols=len(used), fontsize=8, frameon=False)
    ax.set_title(title, fontsize=12)
    return fig


# -- files ------------------------------------------------------------------

def _hours(h: float) -> str:
    if not np.isfinite(h):
        return "n/a"
    if h < 1:
        return f"{h * 60:.0f} min"
    if h < 48:
        return f"{h:.1f} h"
    return f"{h / 24:.1f} d"


def _limit(w: ServiceWindow) -> str:
    unit = {"elapsed_hours": "h", "calendar_days": "calendar days", "working_days": "working days"}
    return f"{w.limit:g} {unit[w.clock]}"


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


CAPTIONS = {
    "staffing": "People on duty each day as simulated (rosters, holidays, temporary staff, "
                "overtime, absences) against the documented headcount; person-days and cost in "
                "staffing.csv and the summary.",
    "queues": "Steps enabled but not yet started, sampled every hour; shaded: campaign days.",
    "wait_ecdf": "Share of steps that waited at most x for staff; dashed: median (p50) and p95.",
    "wait_p95_daily": "The 95th percentile of the wait of steps enabled each day.",
    "utilisation": "Busy share of on-duty capacity (members x concurrency) per role and day.",
    "window_compliance": "Share of cases that met the source's own service windows, "
                         "by day the clock started.",
    "time_breakdown": "Mean step-hours per case: staff working, queued while staff are on duty, "
                      "queued or paused while nobody of the role is on duty, and waiting on customers, "
                      "couriers, the platform or a set time.",
}


def _result(style: Style) -> PlotResult:
    result = PlotResult(captions=dict(CAPTIONS))
    if not style.chinese:
        result.notice = f"no CJK font found, so the plots use English ids; install one: {CJK_FONT_INSTALL}"
    return result


def makers_of(ctx: Context, by_day: dict) -> dict[str, Callable[[], Figure]]:
    """Every plot, in the report's order of drawing."""
    return {
        "queues": lambda: plot_queues(ctx),
        "wait_ecdf": lambda: plot_wait_ecdf(ctx),
        "wait_p95_daily": lambda: plot_wait_p95_daily(ctx),
        "utilisation": lambda: plot_utilisation(ctx),
        "window_compliance": lambda: plot_window_compliance(ctx, by_day),
        "time_breakdown": lambda: plot_time_breakdown(ctx),
        "staffing": lambda: plot_staffing(ctx),
    }


def write_plots(s: Scenario, run: EventLog | RunView | PlotNumbers, summary: dict, out_dir: Path,
                font: str | bool | None = True, formats: tuple[str, ...] = ("png",),
                drawn: Sequence[Drawn] = (), ahead: Ahead | None = None) -> PlotResult:
    """Draw every plot of a run (its plot numbers, merged view or log) into
    ``out_dir``, once per format of ``formats`` (PNG, SVG). ``font``: ``True``
    finds a CJK font, a family name uses it, ``None`` uses English ids.
    ``drawn``: plots being drawn elsewhere (``sim.report.drawer``), waited for;
    ``ahead``: what this process made for them before (``plot_kit.prepare``)."""
    check_formats(formats)
    style = style_of(font)
    result = _result(style)
    by_day = summary.get("window_compliance_by_day")
    if isinstance(run, PlotNumbers):
        numbers = run
    else:
        view = view_of(s, run)
        numbers = plot_numbers(s, view)
        if by_day is None:
            by_day = compliance_of_cases(s, view.windows, view.replications)
    # One Ahead for every plot drawn here: text measured once serves them all.
    ctx = Context(s, style, numbers, summary, ahead if ahead is not None else Ahead())
    makers = makers_of(ctx, by_day or {})
    elsewhere = {name for d in drawn for name in d.names}
    seconds = draw(ctx, {k: v for k, v in makers.items() if k not in elsewhere}, out_dir, formats)
    for d in drawn:
        while (name := d.take()) is not None:
            seconds.update(draw(ctx, {name: makers[name]}, out_dir, formats))
    for d in drawn:
        seconds.update(d.seconds())
    # A plot taken by a drawer that then failed: drawn here (the same bytes).
    if missing := {k: v for k, v in makers.items() if k not in seconds}:
        seconds.update(draw(ctx, missing, out_dir, formats))
    result.seconds = {name: seconds[name] for name in makers}
    result.files = {name: out_dir / f"{name}.png" for name in makers}
    return result
