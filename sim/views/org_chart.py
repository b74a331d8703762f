"""The org chart as a top-down tree: one box per role (Chinese name, id,
headcount), elbow lines to the superior, boxes coloured by department.

A superior whose subordinates all lead nobody lists them in a column below
itself (the usual "hanging" org-chart style), which keeps the chart narrow.
"""
from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from rules.scenario import Scenario
from sim.views.show import children_of
from sim.views.style import Style, new_figure, wrap

SLOT = 2.0        # inches per leaf column
ROW = 1.15        # inches per tree level
BOX_W, BOX_H = 1.6, 0.8
HANG_W = 1.45     # boxes hanging in a column under their superior
HANG_INDENT = 0.3
MARGIN = 0.35
TITLE_H = 0.75
LEGEND_W = 2.6
PALETTE = ("#dbe9f6", "#fde2c8", "#d9f0d3", "#eadcf2", "#fbd9d9", "#fff2b3",
           "#d6f0ef", "#e8e8e8", "#f6dcec", "#e3ecd0")


@dataclass
class Placed:
    x: float          # centre, in slots
    row: int
    hanging: bool = False


def _place(rid: str, row: int, slot: float, kids: dict, out: dict[str, Placed]) -> float:
    """Place ``rid``'s subtree from ``slot``; return the next free slot."""
    below = kids.get(rid, [])
    if not below:
        out[rid] = Placed(slot + 0.5, row)
        return slot + 1
    if len(below) >= 2 and all(not kids.get(k) for k in below):
        out[rid] = Placed(slot + 0.5, row)
        for i, k in enumerate(below):
            out[k] = Placed(slot + 0.5, row + 1 + i, hanging=True)
        return slot + 1
    nxt = slot
    for k in below:
        nxt = _place(k, row + 1, nxt, kids, out)
    out[rid] = Placed((out[below[0]].x + out[below[-1]].x) / 2, row)
    return nxt


def layout(s: Scenario) -> dict[str, Placed]:
    """Slot and row of every role."""
    kids = children_of(s)
    out: dict[str, Placed] = {}
    slot = 0.0
    for root in kids.get(None, []):
        slot = _place(root, 0, slot, kids, out)
    return out


def _colours(s: Scenario) -> dict[str, str]:
    used = list(dict.fromkeys(r.department for r in s.org.roles.values()))
    return {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(used)}


class _Geometry:
    def __init__(self, placed: dict[str, Placed], height: float) -> None:
        self.placed = placed
        self.height = height

    def centre(self, rid: str) -> tuple[float, float]:
        p = self.placed[rid]
        x = MARGIN + p.x * SLOT
        if p.hanging:
            x += HANG_INDENT + (HANG_W - BOX_W) / 2
        return x, self.height - TITLE_H - (p.row + 0.5) * ROW

    def width(self, rid: str) -> float:
        return HANG_W if self.placed[rid].hanging else BOX_W


def _box(ax: Axes, s: Scenario, rid: str, g: _Geometry, style: Style, fill: str) -> None:
    role = s.org.roles[rid]
    x, y = g.centre(rid)
    w = g.width(rid)
    assumed = role.headcount_basis == "assumed"
    ax.add_patch(FancyBboxPatch((x - w / 2, y - BOX_H / 2), w, BOX_H,
                                boxstyle="round,pad=0,rounding_size=0.08",
                                facecolor=fill, edgecolor="#9a5b00" if assumed else "#333333",
                                linestyle=(0, (4, 2)) if assumed else "-", linewidth=1.2, zorder=3))
    n = s.org.headcount(rid)
    count = (f"× {n}" + (" (per project)" if role.headcount == "per_project" else "")
             + (" (assumed)" if assumed else ""))
    if style.chinese:
        ax.text(x, y + 0.2, role.name_zh, ha="center", va="center", fontsize=11, weight=style.bold, zorder=4)
        ax.text(x, y - 0.02, "\n".join(wrap(rid, 26, 1)), ha="center", va="center", fontsize=7.5,
                color="#444444", zorder=4, parse_math=False)
    else:
        ax.text(x, y + 0.12, "\n".join(wrap(rid, 17, 2)), ha="center", va="center", fontsize=9,
                weight=style.bold, zorder=4, parse_math=False)
    ax.text(x, y - 0.25, count, ha="center", va="center", fontsize=8, zorder=4,
            color="#9a5b00" if assumed else "#000000", style="italic" if assumed else "normal")


def _lines(ax: Axes, s: Scenario, g: _Geometry) -> None:
    kids = children_of(s)
    for boss, below in kids.items():
        if boss is None or boss not in g.placed:
            continue
        bx, by = g.centre(boss)
        hanging = [k for k in below if g.placed[k].hanging]
        normal = [k for k in below if not g.placed[k].hanging]
        if hanging:
            spine = bx - BOX_W / 2 + HANG_INDENT / 2
            last_y = g.centre(hanging[-1])[1]
            ax.plot([spine, spine], [by - BOX_H / 2, last_y], color="#555555", lw=1.1, zorder=1)
            for k in hanging:
                kx, ky = g.centre(k)
                ax.plot([spine, kx - HANG_W / 2], [ky, ky], color="#555555", lw=1.1, zorder=1)
        if normal:
            mid = by - ROW / 2
            xs = [g.centre(k)[0] for k in normal]
            ax.plot([bx, bx], [by - BOX_H / 2, mid], color="#555555", lw=1.1, zorder=1)
            ax.plot([min(xs + [bx]), max(xs + [bx])], [mid, mid], color="#555555", lw=1.1, zorder=1)
            for k, kx in zip(normal, xs):
                ax.plot([kx, kx], [mid, g.centre(k)[1] + BOX_H / 2], color="#555555", lw=1.1, zorder=1)


def _legend(ax: Axes, s: Scenario, colours: dict[str, str], style: Style, x: float, top: float) -> None:
    ax.text(x, top, "Departments" if not style.chinese else "部门 Departments", fontsize=9.5,
            weight=style.bold, va="top")
    y = top - 0.35
    for dep, fill in colours.items():
        d = s.org.departments.get(dep)
        label = f"{d.name_zh} {dep}" if (style.chinese and d is not None) else dep
        ax.add_patch(FancyBboxPatch((x, y - 0.09), 0.3, 0.18, boxstyle="round,pad=0,rounding_size=0.03",
                                    facecolor=fill, edgecolor="#333333", lw=0.8))
        ax.text(x + 0.42, y, label, fontsize=8.5, va="center", parse_math=False)
        y -= 0.3
    ax.add_patch(FancyBboxPatch((x, y - 0.09), 0.3, 0.18, boxstyle="round,pad=0,rounding_size=0.03",
                                facecolor="white", edgecolor="#9a5b00", linestyle=(0, (4, 2)), lw=1))
    ax.text(x + 0.42, y, "assumed headcount", fontsize=8.5, va="center", color="#9a5b00")


def draw_org_chart(s: Scenario, style: Style) -> Figure:
    placed = layout(s)
    slots = max((p.x + 0.5 for p in placed.values()), default=1.0)
    rows = max((p.row + 1 for p in placed.values()), default=1)
    n_deps = len({r.department for r in s.org.roles.values()})
    width = 2 * MARGIN + slots * SLOT + LEGEND_W
    height = max(TITLE_H + rows * ROW + MARGIN, TITLE_H + 0.8 + 0.3 * (n_deps + 1) + MARGIN)
    fig, ax = new_figure(width, height)
    title = style.title("运营中心组织架构", "Organisation chart")
    ax.text(MARGIN, height - 0.4, f"{title}  ({s.name}: {len(s.org.roles)} roles, "
            f"{s.total_headcount} staff)", fontsize=14, weight=style.bold, va="center", parse_math=False)
    g = _Geometry(placed, height)
    colours = _colours(s)
    _lines(ax, s, g)
    for rid in placed:
        _box(ax, s, rid, g, style, colours[s.org.roles[rid].department])
    _legend(ax, s, colours, style, width - LEGEND_W, height - TITLE_H - 0.1)
    return fig
