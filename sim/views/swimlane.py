"""Draw one workflow as a swimlane diagram from its :mod:`sim.views.swimlane_layout`
layout: lanes as horizontal bands, boxes for work, diamonds for approvals and
branches (dashed red arrow back to the rework target), stacked boxes for
contests, spanning boxes for meetings, dots for milestones."""
from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import (
    Circle,
    FancyArrowPatch,
    FancyBboxPatch,
    Polygon,
    Rectangle,
)

from rules.scenario import Scenario
from rules.workflow import Approval, Branch, Contest, Meeting, Scheduled, Workflow
from sim.views.show import lane_kind, lane_name_zh
from sim.views.style import Style, humanise, new_figure, wrap
from sim.views.swimlane_layout import Edge, Layout, Node, layout_workflow

LANE_H = 1.45
HEADER_W = 1.75
TITLE_H = 0.75
GAP = 0.42
MARGIN = 0.2
BOX_W, BOX_H = 1.42, 0.72
DIAMOND_W, DIAMOND_H = 1.5, 0.9
DOT_R = 0.13
NARROW = 1.05          # column width of a milestone
LEGEND_H = 0.35
FILL = {"work": "#dbe9f6", "approval": "#fde2c8", "meeting": "#d9f0d3", "contest": "#eadcf2",
        "judge": "#eadcf2", "wait": "#eeeeee", "scheduled": "#fff2b3", "branch": "#fbd9d9"}
LANE_FILL = {"role": ("#ffffff", "#f4f7fb"), "party": ("#f7f3ea", "#f2ecdf"), "group": ("#f1f8ef", "#e9f4e6")}
FLOW = "#333333"
REWORK = "#c0392b"
LABEL = "#b03a2e"
TAG = "#7a3e9d"


class _Grid:
    """Inch coordinates of columns and lanes."""

    def __init__(self, lay: Layout, height: float) -> None:
        widths = [BOX_W] * lay.columns
        for c in range(lay.columns):
            kinds = {n.kind for n in lay.nodes if n.col == c}
            widths[c] = (NARROW if kinds <= {"milestone"}
                         else DIAMOND_W if kinds & {"approval", "branch"} else BOX_W)
        self.left: list[float] = []
        x = MARGIN + HEADER_W + GAP / 2
        for w in widths:
            self.left.append(x)
            x += w + GAP
        self.widths = widths
        self.right_end = x - GAP / 2
        self.height = height

    def lane_top(self, lane: int) -> float:
        return self.height - TITLE_H - lane * LANE_H

    def lane_y(self, lane: int) -> float:
        return self.lane_top(lane) - LANE_H / 2

    def x(self, node: Node) -> float:
        return self.left[node.col] + self.widths[node.col] / 2

    def y(self, node: Node) -> float:
        return (self.lane_y(node.lo) + self.lane_y(node.hi)) / 2

    def half(self, node: Node) -> tuple[float, float]:
        if node.kind in ("approval", "branch"):
            return DIAMOND_W / 2, DIAMOND_H / 2
        if node.kind == "milestone":
            return DOT_R, DOT_R
        if node.kind == "meeting":
            return BOX_W / 2, (node.hi - node.lo) * LANE_H / 2 + BOX_H / 2
        return BOX_W / 2, BOX_H / 2

    def anchor_y(self, node: Node, toward: float) -> float:
        """Where an arrow meets ``node``: level with ``toward`` on a meeting."""
        if node.kind != "meeting":
            return self.y(node)
        hh = self.half(node)[1] - 0.2
        return min(max(toward, self.y(node) - hh), self.y(node) + hh)


# --- text --------------------------------------------------------------------

def _text(ax: Axes, x: float, y: float, s: str, size: float, **kw: Any) -> None:
    ax.text(x, y, s, fontsize=size, ha=kw.pop("ha", "center"), va=kw.pop("va", "center"),
            zorder=kw.pop("zorder", 5), parse_math=False, linespacing=kw.pop("linespacing", 1.05), **kw)


def _tag(node: Node) -> str:
    step = node.step
    if isinstance(step, Contest):
        return (f"judge: {step.judge}" if node.kind == "judge"
                else f"PK: {step.entrants} entrants")
    if isinstance(step, Scheduled):
        if step.at is None:
            return f"until the case's {step.attribute}"
        return f"at {step.at} ({step.days} days)"
    if isinstance(step, Meeting):
        return f"meeting of {len(step.roles)} roles"
    if node.kind == "wait":
        return "outside party"
    return ""


def _box_text(ax: Axes, node: Node, x: float, y: float, style: Style, width: float) -> None:
    step = node.step
    ident = step.id + ("·judge" if node.kind == "judge" else "")
    tag = _tag(node)
    zh = ("评选" if node.kind == "judge" else step.name_zh) if style.chinese else ""
    units = width / (6.5 / 72) - 1
    tag_lines = wrap(tag, units, 3 if node.kind == "meeting" else 2) if tag else []
    if zh:
        blocks = [(wrap(zh, width / (9.0 / 72) - 1, 2), 9.0, "#000000"),
                  (wrap(ident, units, 2), 6.5, "#555555")]
    else:
        blocks = [(wrap(humanise(ident), width / (8.5 / 72) - 1, 3), 8.5, "#000000")]
    if tag_lines:
        blocks.append((tag_lines, 6.5, TAG))
    _stack(ax, x, y, blocks, centre=True)


def _stack(ax: Axes, x: float, y: float, blocks: list[tuple[list[str], float, str]], centre: bool) -> None:
    """Blocks of lines (one text object each) stacked downwards, centred on
    ``y`` or hanging from it."""
    heights = [len(lines) * size / 72 * 1.25 for lines, size, _ in blocks]
    top = y + sum(heights) / 2 if centre else y
    for (lines, size, colour), h in zip(blocks, heights):
        _text(ax, x, top - h / 2, "\n".join(lines), size, color=colour,
              style="italic" if colour == TAG else "normal", linespacing=1.25)
        top -= h


def _diamond_text(ax: Axes, node: Node, x: float, y: float, style: Style) -> None:
    step = node.step
    inner = step.name_zh if (style.chinese and step.name_zh) else humanise(step.id)
    size = 8.0 if style.chinese else 7.5
    lines = wrap(inner, (DIAMOND_W * 0.55) / (size / 72), 2)
    _text(ax, x, y, "\n".join(lines), size)
    below = [step.id] if (style.chinese and step.name_zh) else []
    if isinstance(step, Branch):
        below.append(f"by {step.attribute}" if step.by == "attribute" else f"by {humanise(step.by)}")
    if isinstance(step, Approval):
        below.append(f"reject p={step.reject_probability:g}")
    _text(ax, x, y - DIAMOND_H / 2 - 0.03, "\n".join(below), 6.5, va="top", color="#555555")


# --- shapes ------------------------------------------------------------------

def _draw_node(ax: Axes, g: _Grid, node: Node, style: Style) -> None:
    x, y = g.x(node), g.y(node)
    hw, hh = g.half(node)
    if node.kind in ("approval", "branch"):
        ax.add_patch(Polygon([(x - hw, y), (x, y + hh), (x + hw, y), (x, y - hh)], closed=True,
                             facecolor=FILL[node.kind], edgecolor=FLOW, lw=1.1, zorder=3))
        _diamond_text(ax, node, x, y, style)
        return
    if node.kind == "milestone":
        _milestone(ax, node, x, y, style, g.widths[node.col])
        return
    if node.kind == "contest":
        if not isinstance(node.step, Contest):  # the kind says so
            raise ValueError(f"step {node.step.id!r} of kind 'contest' is not a Contest")
        n = min(node.step.entrants, 4) - 1
        for k in range(n, 0, -1):
            d = 0.05 * k
            ax.add_patch(FancyBboxPatch((x - hw + d, y - hh + d), 2 * hw, 2 * hh,
                                        boxstyle="round,pad=0,rounding_size=0.06",
                                        facecolor=FILL["contest"], edgecolor="#7a3e9d", lw=0.8, zorder=2.5))
    dashed = node.kind in ("wait", "scheduled")
    ax.add_patch(FancyBboxPatch((x - hw, y - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=FILL[node.kind], edgecolor=FLOW, lw=1.1, zorder=3,
                                linestyle=(0, (4, 2)) if dashed else "-"))
    if node.kind == "meeting":
        for lane in node.members:
            ax.add_patch(Circle((x - hw + 0.09, g.lane_y(lane)), 0.045, color="#2e7d32", zorder=4))
    _box_text(ax, node, x, y, style, 2 * hw - 0.12)


def _milestone(ax: Axes, node: Node, x: float, y: float, style: Style, width: float) -> None:
    ends = node.ends_case
    ax.add_patch(Circle((x, y), DOT_R, facecolor="#333333" if ends else "#ffffff",
                        edgecolor="#333333", lw=2.2 if ends else 1.4, zorder=3))
    step = node.step
    blocks: list[tuple[list[str], float, str]] = []
    if style.chinese and step.name_zh:
        blocks.append((wrap(step.name_zh, width / (8.0 / 72), 2), 8.0, "#000000"))
    blocks.append((wrap(step.id, width / (6.5 / 72), 2), 6.5, "#555555"))
    if ends:
        blocks.append((["case ends"], 6.5, REWORK))
    _stack(ax, x, y - DOT_R - 0.04, blocks, centre=False)


# --- edges -------------------------------------------------------------------

def _route(g: _Grid, lay: Layout, e: Edge) -> list[tuple[float, float]]:
    a, b = lay.nodes[e.src], lay.nodes[e.dst]
    ys = g.anchor_y(a, g.y(b))
    yd = g.anchor_y(b, ys)
    x1, x2 = g.x(a) + g.half(a)[0], g.x(b) - g.half(b)[0]
    xs = g.left[a.col] + g.widths[a.col] + GAP / 2
    xd = g.left[b.col] - GAP / 2
    src_lane = (a.lo if a.kind != "meeting"
                else min(range(a.lo, a.hi + 1), key=lambda ln: abs(g.lane_y(ln) - ys)))
    dst_lane = (b.lo if b.kind != "meeting"
                else min(range(b.lo, b.hi + 1), key=lambda ln: abs(g.lane_y(ln) - yd)))
    if lay.busy_between(src_lane, a.col, b.col) == 0:
        return [(x1, ys), (xd, ys), (xd, yd), (x2, yd)]
    if lay.busy_between(dst_lane, a.col, b.col) == 0:
        return [(x1, ys), (xs, ys), (xs, yd), (x2, yd)]
    detour = g.lane_top(dst_lane) - LANE_H + 0.05
    return [(x1, ys), (xs, ys), (xs, detour), (xd, detour), (xd, yd), (x2, yd)]


def _rework_route(g: _Grid, lay: Layout, e: Edge, k: int) -> list[tuple[float, float]]:
    a, b = lay.nodes[e.src], lay.nodes[e.dst]
    x, y = g.x(a), g.y(a)
    top = g.lane_top(a.lo) - 0.08 - 0.06 * k
    if a.key == b.key:
        return [(x + 0.15, y + DIAMOND_H / 2 - 0.15), (x + 0.15, top), (x - 0.15, top),
                (x - 0.15, y + DIAMOND_H / 2 - 0.15)]
    if b.lo == a.lo and b.kind != "meeting":
        return [(x, y + DIAMOND_H / 2), (x, top), (g.x(b), top), (g.x(b), g.y(b) + g.half(b)[1])]
    xd = g.left[b.col] - GAP / 2 + 0.06
    yb = g.anchor_y(b, g.lane_y(a.lo))
    return [(x, y + DIAMOND_H / 2), (x, top), (xd, top), (xd, yb), (g.x(b) - g.half(b)[0], yb)]


def _polyline(ax: Axes, pts: list[tuple[float, float]], colour: str, dashed: bool) -> None:
    style = (0, (4, 3)) if dashed else "-"
    xs, ys = zip(*pts[:-1]) if len(pts) > 2 else ([], [])
    if len(pts) > 2:
        ax.plot(list(xs) + [pts[-2][0]], list(ys) + [pts[-2][1]], color=colour, lw=1.1, ls=style, zorder=2)
    ax.add_patch(FancyArrowPatch(pts[-2], pts[-1], arrowstyle="-|>", mutation_scale=11, color=colour,
                                 lw=1.1, linestyle=style, shrinkA=0, shrinkB=1, zorder=2))


def _draw_edges(ax: Axes, g: _Grid, lay: Layout) -> None:
    reworks: dict[int, int] = {}
    for e in lay.edges:
        if e.rework:
            lane = lay.nodes[e.src].lo
            pts = _rework_route(g, lay, e, reworks.get(lane, 0))
            reworks[lane] = reworks.get(lane, 0) + 1
            _polyline(ax, pts, REWORK, dashed=True)
            _text(ax, pts[1][0] + 0.05, pts[1][1] - 0.03, e.label, 6.5, ha="left", va="top", color=REWORK,
                  zorder=6, bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none"})
            continue
        pts = _route(g, lay, e)
        _polyline(ax, pts, FLOW, dashed=False)
        if e.label:
            _case_label(ax, g, lay, e, pts)


def _case_label(ax: Axes, g: _Grid, lay: Layout, e: Edge, pts: list[tuple[float, float]]) -> None:
    """A branch's case name: a tab on the case's first step, or (for an empty
    case, whose arrow joins the step after the branch) just before the arrow head."""
    dst = lay.nodes[e.dst]
    alone = sum(x.dst == e.dst and not x.rework for x in lay.edges) == 1
    x, y = g.x(dst), g.y(dst)
    hw, hh = g.half(dst)
    kw = {"color": LABEL, "zorder": 6, "va": "bottom"}
    if alone and dst.kind in ("approval", "branch", "milestone"):
        _text(ax, x, y + hh + 0.03, e.label, 6.5, ha="center", **kw)
    elif alone and dst.kind != "meeting":
        _text(ax, x - hw + 0.03, y + hh + 0.03, e.label, 6.5, ha="left", **kw)
    else:
        (_, ya), (xb, _) = pts[-2], pts[-1]
        _text(ax, xb - 0.03, ya + 0.03, e.label, 6.5, ha="right", **kw,
              bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


# --- lanes and figure --------------------------------------------------------

def _lanes(ax: Axes, s: Scenario, lay: Layout, g: _Grid, style: Style) -> None:
    for i, lane in enumerate(lay.lanes):
        top = g.lane_top(i)
        fills = LANE_FILL.get(lane_kind(s, lane), LANE_FILL["role"])
        ax.add_patch(Rectangle((MARGIN, top - LANE_H), g.right_end - MARGIN, LANE_H, facecolor=fills[i % 2],
                               edgecolor="#888888", lw=0.8, zorder=0))
        ax.add_patch(Rectangle((MARGIN, top - LANE_H), HEADER_W, LANE_H, facecolor="#e4e9f0",
                               edgecolor="#888888", lw=0.8, zorder=1))
        cx = MARGIN + HEADER_W / 2
        zh = lane_name_zh(s, lane) if style.chinese else ""
        english = "\n".join(wrap(humanise(lane), 20, 2))
        kind = lane_kind(s, lane)
        sub = english + ("" if kind == "role" else f"\n({kind})")
        if zh:
            _text(ax, cx, g.lane_y(i) + 0.17, "\n".join(wrap(zh, 8, 2)), 11, weight=style.bold)
            _text(ax, cx, g.lane_y(i) - 0.17, sub, 7.5, va="top" if sub.count("\n") else "center",
                  color="#333333")
        else:
            _text(ax, cx, g.lane_y(i), sub, 9, weight=style.bold)


LEGEND = ("box: work   ◇ approval (red dashed: rework)   ◇ branch (case names on arrows)   "
          "stacked: PK contest   green band: meeting (● = roles attending)   dashed: waiting / scheduled   "
          "○ milestone   ● case ends")


def draw_workflow(s: Scenario, wid: str, wf: Workflow, style: Style) -> Figure:
    lay = layout_workflow(s, wf)
    probe = _Grid(lay, 0.0)
    width = probe.right_end + MARGIN
    height = TITLE_H + len(lay.lanes) * LANE_H + LEGEND_H + MARGIN
    width = max(width, 9.0)
    fig, ax = new_figure(width, height)
    g = _Grid(lay, height)
    title = style.title(wf.name_zh, humanise(wid))
    _text(ax, MARGIN, height - TITLE_H / 2, f"{wf.number}. {title}   [{wid}]", 14, ha="left",
          weight=style.bold)
    _lanes(ax, s, lay, g, style)
    _draw_edges(ax, g, lay)
    for node in lay.nodes:
        _draw_node(ax, g, node, style)
    _text(ax, MARGIN, MARGIN + LEGEND_H / 2 - 0.05, LEGEND, 7, ha="left", color="#555555")
    return fig
