"""The run plots' layouts, and the ones the scenario predicts, built ahead.

A figure's axes and their ticks are about a quarter of its drawing time
(Double 11: about 0.05 s of each plot's 0.1-0.3 s). Most run plots are
laid out by what the scenario already tells: the six roles with the
longest queues or waits (six panels when the scenario has six roles or
more), every role in the utilisation map, every workflow in the time
breakdown, the source's windows. ``opsim run`` builds those figures while
the simulation runs (``plot_kit.prepare``, in each process that may draw
them), and a plot whose layout turns out as predicted takes the one built
(``plot_kit.layout_axes``); one that does not builds its own. Either way
the same calls made the figure: the files are the same bytes.
"""
from __future__ import annotations

from sim.report.plot_kit import (
    SOURCE_WINDOWS,
    TOP_ROLES,
    Context,
    Layout,
    Margins,
    multiples_layout,
    text_inches,
)

#: Each axes' date axis: about seven ticks on a quarter's horizon.
DATE_TICKS = 7


def queues_layout(n: int) -> Layout:
    return multiples_layout(n, 2.3, sharex=True, ticks=(DATE_TICKS, 7))


def ecdf_layout(n: int) -> Layout:
    # Each panel has its own x axis: room below for its ticks and label.
    return multiples_layout(n, 2.4, m=Margins(top=0.65, bottom=0.5, hgap=0.8), ticks=(7, 7))


def utilisation_layout(names: list[str], maps: int) -> Layout:
    """``names``: the roles' labels, one map row each; ``maps``: heatmaps, one above the other."""
    # Role names (8 pt) on the left; each map's colour bar, its ticks and label on the right.
    m = Margins(left=max(text_inches(t, 8) for t in names) + 0.2, right=1.0, top=0.3, hgap=0.3)
    return Layout(11, (0.32 * len(names) + 1.2) * maps + 0.6, maps, 1, m, sharex=True,
                  ticks=(DATE_TICKS, len(names)))


def compliance_layout(windows: int) -> Layout:
    # Room on top for the figure's title, below for the legend under the x axis.
    m = Margins(left=0.8, top=0.65, bottom=0.65, hgap=0.4)
    return Layout(11, 2.8 * windows + 0.6, windows, 1, m, sharex=True, ticks=(DATE_TICKS, 8))


def breakdown_layout(names: list[str]) -> Layout:
    """``names``: the workflows' labels, a bar each."""
    # Workflow names (8 pt) on the left, each total on the right; below, the
    # x axis, its label and the legend.
    m = Margins(left=max(text_inches(t, 8) for t in names) + 0.2, right=0.65, top=0.4, bottom=0.85)
    return Layout(11, 0.34 * len(names) + 1.9, m=m, ticks=(6, len(names)))


def expected_layouts(ctx: Context) -> dict[str, Layout]:
    """Per run plot, the layout the scenario predicts (``ctx`` without
    numbers): what ``plot_kit.prepare`` builds ahead. The daily p95's
    legend is as wide as the names of the roles that wait longest: not predicted."""
    s = ctx.s
    roles = [ctx.role(r) for r in s.org.roles]
    out = {}
    if roles:
        top = min(TOP_ROLES, len(roles))
        out["queues"], out["wait_ecdf"] = queues_layout(top), ecdf_layout(top)
        out["utilisation"] = utilisation_layout(roles, 2)
    if wids := [w for w in SOURCE_WINDOWS if w in s.service_windows]:
        out["window_compliance"] = compliance_layout(len(wids))
    if s.workflows:
        out["time_breakdown"] = breakdown_layout([ctx.workflow(w) for w in s.workflows])
    return out
