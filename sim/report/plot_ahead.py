"""The run plots' layouts, fixed texts and frames, and what the scenario
predicts of them, made ahead.

A figure's axes and their ticks are about a quarter of its drawing time
(Double 11: about 0.05 s of each plot's 0.1-0.3 s). Most run plots are
laid out by what the scenario already tells: the six roles with the
longest queues or waits (six panels when the scenario has six roles or
more), every role in the utilisation map, every workflow in the time
breakdown, the source's windows. ``opsim run`` builds those figures while
the simulation runs (``plot_kit.prepare``, in each process that may draw
them), and a plot whose layout turns out as predicted takes the one built
(``plot_kit.layout_axes``); one that does not builds its own. Either way
the same calls made the figure: the files are the same bytes. A figure
is built with its frame (``*_frame``): what its plot draws from the
scenario alone (campaign shading, date axes, grids, axis labels, the
utilisation map's names and colour bars), drawn before the numbers'
artists whether built ahead or not.

The texts the plots will show that the scenario tells (dates, role and
workflow names, titles, axis labels, legends; tick numbers that are
likely) are measured and laid out then too (:func:`expected_texts`,
``plot_text.TextCache``): at 0.3-1.4 ms a string, about a third of a
plot's drawing.
"""
from __future__ import annotations

from dataclasses import replace

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator, PercentFormatter

from sim.analysis import plot_data as pdata
from sim.report.plot_kit import (
    BACKLOG_MAX,
    CAMPAIGN_LABEL,
    MIN_DAILY_STEPS,
    SOURCE_WINDOWS,
    TOP_ROLES,
    Context,
    Frame,
    Layout,
    Margins,
    date_axis,
    date_label,
    date_ticks,
    multiples_layout,
    shade_campaigns,
    text_inches,
)

#: Each axes' date axis: about seven ticks on a quarter's horizon.
DATE_TICKS = 7

# The plots' fixed texts (``sim.report.plots``), here to be laid out ahead.
QUEUES_TITLE = ("Queue length over time (steps waiting for staff, hourly, mean per replication; "
                "band: lowest to highest replication)")
QUEUES_YLABEL = "steps waiting"
ECDF_TITLE = "How long steps wait for staff (ECDF, log scale)"
ECDF_XLABEL = "wait (enabled -> started)"
ECDF_YLABEL = "share of steps"
#: Waits on a log axis: where the ticks are (hours), and their labels.
WAIT_TICKS = (1 / 60, 0.25, 1, 8, 24, 168, 720)
WAIT_LABELS = ("1 min", "15 min", "1 h", "8 h", "1 d", "1 wk", "30 d")
P95_TITLE = "Daily p95 wait for staff (steps enabled that day)"
P95_YLABEL = "p95 wait"
UTILISATION_TITLE = "Utilisation by role and day (busy share of on-duty capacity)"
UTILISATION_MORE = "; below: the backlog; orange bar on top: campaign days"
UTILISATION_LABEL = "utilisation (grey: nobody on duty)"
BACKLOG_LABEL = f"work waiting at day's end, in days of capacity (top: >= {BACKLOG_MAX:g})"
COMPLIANCE_TITLE = "Service-window compliance by day of start"
COMPLIANCE_YLABEL = "met"
COMPLIANCE_LEGEND = ("lowest to highest replication", "met share of the day's cases (size: cases)",
                     "trailing 7 days")
BREAKDOWN_TITLE = "Where the time goes: mean step-hours per case, by workflow"
BREAKDOWN_XLABEL = ("share of the case's step-hours (right: total per case; open cases counted "
                    "to the horizon)")
#: Tick numbers likely on a count axis (queue lengths, people) and the backlog's bar.
NUMERALS = (*(str(k) for k in (*range(11), *range(15, 101, 5), *range(150, 1001, 50),
                                 *range(1500, 10001, 500))),
            *(f"{k / 2:.1f}" for k in range(7)))
PERCENTS = tuple(f"{k}%" for k in range(0, 101, 10))


def queues_title(n: int) -> str:
    return QUEUES_TITLE + f" - top {n} roles"


def ecdf_title(n: int) -> str:
    return ECDF_TITLE + f" - {n} roles with the longest p95"


def p95_title(n: int) -> str:
    return (P95_TITLE + f" - {n} slowest roles; band: lowest to highest replication; "
            f"days with < {MIN_DAILY_STEPS} steps left out")


def target_label(target: float) -> str:
    return f"target {target:.0%}"


def queues_layout(n: int) -> Layout:
    return replace(multiples_layout(n, 2.3, sharex=True, ticks=(DATE_TICKS, 7)), frame=("queues",))


def ecdf_layout(n: int) -> Layout:
    # Each panel has its own x axis: room below for its ticks and label.
    return replace(multiples_layout(n, 2.4, m=Margins(top=0.65, bottom=0.5, hgap=0.8), ticks=(7, 7)),
                   frame=("wait_ecdf",))


def utilisation_layout(names: list[str], maps: int) -> Layout:
    """``names``: the roles' labels, one map row each; ``maps``: heatmaps, one above the other."""
    # Role names (8 pt) on the left; each map's colour bar, its ticks and label on the right.
    m = Margins(left=max(text_inches(t, 8) for t in names) + 0.2, right=1.0, top=0.3, hgap=0.3)
    return Layout(11, (0.32 * len(names) + 1.2) * maps + 0.6, maps, 1, m, sharex=True,
                  ticks=(DATE_TICKS, len(names)), frame=("utilisation", *names))


def compliance_layout(windows: int) -> Layout:
    # Room on top for the figure's title, below for the legend under the x axis.
    m = Margins(left=0.8, top=0.65, bottom=0.65, hgap=0.4)
    return Layout(11, 2.8 * windows + 0.6, windows, 1, m, sharex=True, ticks=(DATE_TICKS, 8),
                  frame=("window_compliance",))


def breakdown_layout(names: list[str]) -> Layout:
    """``names``: the workflows' labels, a bar each."""
    # Workflow names (8 pt) on the left, each total on the right; below, the
    # x axis, its label and the legend.
    m = Margins(left=max(text_inches(t, 8) for t in names) + 0.2, right=0.65, top=0.4, bottom=0.85)
    return Layout(11, 0.34 * len(names) + 1.9, m=m, ticks=(6, len(names)))


# -- frames: what each plot draws from the scenario alone ---------------------
# Drawn before the plot's numbers, into the figure built ahead or as it is
# built (``plot_kit.layout_axes``): the same calls on the same axes either
# way, and the artists they add come first in each axes as when the plot
# drew them (what a legend lists, and in what order, comes after).


def queues_frame(ctx: Context, n: int) -> Frame:
    def frame(_fig: Figure, axes: np.ndarray) -> None:
        for ax in axes.ravel()[:n]:
            shade_campaigns(ax, ctx, unit=24.0)
            ax.set_ylabel(QUEUES_YLABEL)
            date_axis(ax, ctx)
            ax.grid(alpha=0.3)
    return frame


def ecdf_frame(n: int) -> Frame:
    # Not the x ticks: set after the plot's x range, they widen it to 30 days.
    def frame(_fig: Figure, axes: np.ndarray) -> None:
        for ax in axes.ravel()[:n]:
            ax.set_xscale("log")
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_ylim(0, 1.02)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_xlabel(ECDF_XLABEL, fontsize=8)
            ax.set_ylabel(ECDF_YLABEL, fontsize=8)
            ax.grid(alpha=0.3, which="both")
    return frame


#: The utilisation plot's maps, one above the other: colour map, range,
#: colour bar's label, whether in percent (the backlog's when the run has it).
MAPS = (("YlOrRd", 0.0, 1.0, UTILISATION_LABEL, True),
        ("PuRd", 0.0, BACKLOG_MAX, BACKLOG_LABEL, False))


def colormap(name: str) -> Colormap:
    return matplotlib.colormaps[name].with_extremes(bad="#eeeeee")


def utilisation_frame(ctx: Context, names: list[str], maps: int) -> Frame:
    def frame(fig: Figure, axes: np.ndarray) -> None:
        for ax, (cmap_name, lo, hi, label, percent) in zip(axes[:, 0], MAPS[:maps]):
            ax.set_yticks(range(len(names)))
            ax.set_yticklabels(names, fontsize=8)
            date_axis(ax, ctx)
            for start, end, _cid, _zh in pdata.campaign_spans(ctx.s):
                ax.annotate("", xy=(end / 24, -0.5), xytext=(start / 24, -0.5), annotation_clip=False,
                            arrowprops=dict(arrowstyle="-", color="#d95f0e", lw=4))
            box = ax.get_position()
            # The colour bar needs the map's colours and range, not its numbers.
            scale = ScalarMappable(Normalize(lo, hi), colormap(cmap_name))
            bar = fig.colorbar(scale, cax=fig.add_axes((box.x1 + 0.1 / 11, box.y0 + 0.1 * box.height,
                                                        0.15 / 11, 0.8 * box.height)))
            if percent:
                bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            bar.set_label(label, fontsize=8)
    return frame


def compliance_frame(ctx: Context, windows: int) -> Frame:
    def frame(_fig: Figure, axes: np.ndarray) -> None:
        for ax in axes[:windows, 0]:
            shade_campaigns(ax, ctx)
            ax.set_ylim(-0.03, 1.05)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_ylabel(COMPLIANCE_YLABEL)
            date_axis(ax, ctx)
            ax.grid(alpha=0.3)
    return frame


def expected_layouts(ctx: Context) -> dict[str, tuple[Layout, Frame | None]]:
    """Per run plot, the layout the scenario predicts (``ctx`` without
    numbers) and its frame: what ``plot_kit.prepare`` builds ahead. The
    daily p95's legend is as wide as the names of the roles that wait
    longest: not predicted."""
    s = ctx.s
    roles = [ctx.role(r) for r in s.org.roles]
    out: dict[str, tuple[Layout, Frame | None]] = {}
    if roles:
        top = min(TOP_ROLES, len(roles))
        out["queues"] = queues_layout(top), queues_frame(ctx, top)
        out["wait_ecdf"] = ecdf_layout(top), ecdf_frame(top)
        out["utilisation"] = utilisation_layout(roles, 2), utilisation_frame(ctx, roles, 2)
    if wids := [w for w in SOURCE_WINDOWS if w in s.service_windows]:
        out["window_compliance"] = compliance_layout(len(wids)), compliance_frame(ctx, len(wids))
    if s.workflows:
        out["time_breakdown"] = breakdown_layout([ctx.workflow(w) for w in s.workflows]), None
    return out


#: Font sizes, in points or by name (rcParams' tick and axis labels: "medium").
TICK = LABEL = "medium"


def expected_texts(ctx: Context) -> list[tuple[str, float | str]]:
    """The texts (string, font size) the run plots will draw that the
    scenario tells, and tick numbers they are likely to: what
    ``plot_kit.prepare`` lays out ahead. One missing here is laid out
    when drawn; one extra costs only its time ahead."""
    s = ctx.s
    roles = [ctx.role(r) for r in s.org.roles]
    top = min(TOP_ROLES, len(roles))
    out: list[tuple[str, float | str]] = [(date_label(ctx, x), TICK) for x in date_ticks(ctx)]
    out += [(k, TICK) for k in NUMERALS] + [(p, TICK) for p in PERCENTS]
    out += [(r, 8) for r in roles] + [(ctx.workflow(w), 8) for w in s.workflows]
    if pdata.campaign_spans(s):
        out.append((CAMPAIGN_LABEL, 8))
    out += [(queues_title(top), 12), (QUEUES_YLABEL, LABEL)]
    out += [(ecdf_title(top), 12), (ECDF_XLABEL, 8), (ECDF_YLABEL, 8)]
    out += [(t, 8) for t in WAIT_LABELS] + [(t, TICK) for t in WAIT_LABELS]
    out += [(p95_title(top), 10), (P95_YLABEL, LABEL)]
    out += [(UTILISATION_TITLE + UTILISATION_MORE, 11), (UTILISATION_LABEL, 8), (BACKLOG_LABEL, 8)]
    if any(w in s.service_windows for w in SOURCE_WINDOWS):
        out += [(COMPLIANCE_TITLE, 12), (COMPLIANCE_YLABEL, LABEL)]
        out += [(t, 8) for t in COMPLIANCE_LEGEND]
        out += [(target_label(s.targets[w]), 8) for w in SOURCE_WINDOWS if w in s.targets]
    out += [(BREAKDOWN_TITLE, 12), (BREAKDOWN_XLABEL, LABEL)]
    out += [(p, 8) for p in pdata.TIME_PARTS]
    return out
