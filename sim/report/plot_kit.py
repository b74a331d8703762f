"""What every plot of a run shares: the figure's context, sizes and colours,
date axes, campaign shading and empty figures (``sim.report.plots`` draws)."""
from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.ticker import FuncFormatter

from rules.scenario import Scenario
from sim.analysis import plot_data as pdata
from sim.report.plot_numbers import PlotNumbers
from sim.report.plot_text import CachedCanvas, TextCache
from sim.views.style import Style, find_cjk_font, save_figure, text_units

DPI = 110
#: Small multiples: how many roles get a panel.
TOP_ROLES = 6
#: Fewest steps (over all replications) a day needs for its p95 wait to be drawn.
MIN_DAILY_STEPS = 20
#: The backlog heatmap's top: this many days of capacity or more.
BACKLOG_MAX = 3.0
CAMPAIGN_COLOR = "#f6d7a7"
CAMPAIGN_LABEL = "campaign days"
#: The service windows of the source (section 5), drawn by day of start.
SOURCE_WINDOWS = ("refused_item_back_72h", "dispute_won_item_back_3d")
PART_COLORS = ("#2b8cbe", "#e34a33", "#bdbdbd", "#fdae6b", "#9e9ac8")


@dataclass
class PlotResult:
    #: Plot name -> PNG path (the SVG, when asked for, sits beside it).
    files: dict[str, Path] = field(default_factory=dict)
    #: Plot name -> one-line caption for the report.
    captions: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


class Drawn(Protocol):
    """Plots drawn elsewhere (``sim.report.drawer``): their names, and the
    seconds each took once they are done (waiting for them). Some of the
    names may be left to the caller: it draws each plot ``take`` gives."""
    names: tuple[str, ...]

    def take(self) -> str | None: ...

    def seconds(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class Context:
    """What every plot needs: the scenario, the labels' style and (but for
    the scenario's own plots) the run's plot numbers and summary."""
    s: Scenario
    style: Style
    numbers: PlotNumbers | None = None
    summary: dict = field(default_factory=dict)
    #: What this process made ahead for the run's plots (``opsim run``).
    ahead: Ahead | None = field(default=None, compare=False)

    @property
    def n(self) -> PlotNumbers:
        if self.numbers is None:
            raise ValueError("this plot needs the run's numbers")
        return self.numbers

    def role(self, rid: str) -> str:
        spec = self.s.org.roles.get(rid)
        return self.style.title(spec.name_zh if spec else "", rid)

    def workflow(self, wid: str) -> str:
        wf = self.s.workflows.get(wid)
        return self.style.title(wf.name_zh if wf else "", wid)


# -- axes helpers -----------------------------------------------------------

def date_axis(ax: Axes, ctx: Context, unit: float = 24.0) -> None:
    """x in ``unit`` hours since the epoch, labelled as MM-DD."""
    ax.set_xticks(date_ticks(ctx, unit))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: date_label(ctx, x, unit)))
    ax.set_xlim(0, ctx.s.horizon.days * 24.0 / unit)


def date_ticks(ctx: Context, unit: float = 24.0) -> np.ndarray:
    """Where :func:`date_axis` puts its ticks."""
    days = ctx.s.horizon.days
    step = max(1, math.ceil(days / 12 / 7) * 7) if days > 21 else max(1, days // 7)
    return np.arange(0, days + 1, step) * 24.0 / unit


def date_label(ctx: Context, x: float, unit: float = 24.0) -> str:
    """The label of :func:`date_axis` at ``x``."""
    return (ctx.s.horizon.start + dt.timedelta(days=round(x * unit / 24.0))).strftime("%m-%d")


def shade_campaigns(ax: Axes, ctx: Context, unit: float = 24.0, label: bool = True) -> None:
    for i, (lo, hi, _cid, _zh) in enumerate(pdata.campaign_spans(ctx.s)):
        ax.axvspan(lo / unit, hi / unit, color=CAMPAIGN_COLOR, alpha=0.6, lw=0, zorder=0,
                   label=CAMPAIGN_LABEL if (label and i == 0) else None)


@dataclass(frozen=True)
class Margins:
    """Room around and between a figure's axes, in inches. The axes are
    placed at fixed margins instead of by a layout engine: constrained
    layout measured every text of a figure twice, a third of its drawing
    time. The defaults fit a panel title above each axes, tick labels and
    an axis label on the left and below."""
    left: float = 0.85
    right: float = 0.2
    top: float = 0.35
    bottom: float = 0.35
    #: Between rows and between columns of panels.
    hgap: float = 0.45
    wgap: float = 0.9


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI)


def panels(fig: Figure, rows: int = 1, cols: int = 1, m: Margins = Margins()) -> GridSpec:
    """A grid of ``rows`` x ``cols`` axes inside ``m``'s margins."""
    w, h = fig.get_size_inches()
    aw = max(w - m.left - m.right - (cols - 1) * m.wgap, 0.1) / cols
    ah = max(h - m.top - m.bottom - (rows - 1) * m.hgap, 0.1) / rows
    return fig.add_gridspec(rows, cols, left=m.left / w, right=1 - m.right / w, bottom=m.bottom / h,
                            top=1 - m.top / h, wspace=m.wgap / aw, hspace=m.hgap / ah)


def text_inches(text: str, points: float) -> float:
    """About how wide ``text`` is drawn at ``points`` (a margin's estimate)."""
    return text_units(text) * points / 72.0


def suptitle(fig: Figure, title: str, fontsize: float = 12) -> None:
    """The figure's title in the top margin, centred."""
    fig.suptitle(title, fontsize=fontsize, y=1 - 0.06 / fig.get_size_inches()[1], va="top")


def empty_figure(title: str, message: str) -> Figure:
    fig = new_figure(7, 2.2)
    ax = fig.add_subplot(panels(fig, m=Margins(left=0.2, bottom=0.2))[0, 0])
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555")
    return fig


def grid(n: int, cols: int = 2) -> tuple[int, int]:
    return max(1, math.ceil(n / cols)), min(cols, max(n, 1))


# -- the plots --------------------------------------------------------------


def small_multiples(n: int, row_height: float, sharex: bool = False,
                    m: Margins = Margins(top=0.65), ticks: tuple[int, int] = (8, 8)
                    ) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels, two per row (the spare one switched off),
    room for a figure title on top (built ahead if :func:`prepare` did;
    ``ticks``: see :class:`Layout`)."""
    fig, axes = layout_axes(multiples_layout(n, row_height, sharex, m, ticks))
    return fig, list(axes.ravel()[:n])


def multiples_layout(n: int, row_height: float, sharex: bool = False,
                     m: Margins = Margins(top=0.65), ticks: tuple[int, int] = (8, 8)) -> Layout:
    """The :class:`Layout` of :func:`small_multiples`."""
    rows, cols = grid(n)
    return Layout(11, row_height * rows + 0.8, rows, cols, m, sharex, n, ticks)


# -- axes built ahead -------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """A figure of ``rows`` x ``cols`` axes inside margins ``m`` (the
    panels after ``used`` switched off): what :func:`layout_axes` builds,
    and the key under which one built ahead waits for it."""
    width: float
    height: float
    rows: int = 1
    cols: int = 1
    m: Margins = Margins()
    sharex: bool = False
    used: int | None = None
    #: About how many major ticks (x, y) each axes will draw, made ahead
    #: with it (not part of the key: more are made when drawn, if need be).
    ticks: tuple[int, int] = field(default=(8, 8), compare=False)
    #: What its :data:`Frame` draws (the plot's name and what it depends on
    #: beyond the scenario): a figure framed for one plot is not another's.
    frame: tuple[object, ...] = ()


#: Draws into a figure built as a :class:`Layout` (the figure, its axes)
#: what its plot draws from the scenario alone, before the numbers
#: (``plot_ahead``): ahead with the figure, or as it is built.
Frame = Callable[[Figure, np.ndarray], None]


class Ahead:
    """What one process makes for the run plots it may draw before their
    numbers exist, owned by the run and handed to the drawing
    (:attr:`Context.ahead`): figures built with their axes and ticks, by
    layout (:func:`prepare`, :func:`layout_axes`), and the text drawn, each
    string measured and laid out once (``plot_text.TextCache``: the
    scenario's strings while the simulation runs, the rest as the plots
    draw them). Both are used only under the settings they were made
    under: every rcParam and the fonts matplotlib knows."""

    def __init__(self) -> None:
        self.figures: dict[Layout, list[tuple[Figure, np.ndarray]]] = {}
        self.text = TextCache()
        self._settings: tuple | None = None

    def usable(self) -> bool:
        """Whether the settings in force are the ones this was made under
        (the first use sets them)."""
        now = _settings_now()
        if self._settings is None:
            self._settings = now
        return self._settings == now

    def take(self, lay: Layout) -> tuple[Figure, np.ndarray] | None:
        """A figure built as ``lay`` under the settings in force, if there is one."""
        ready = self.figures.get(lay)
        return ready.pop() if ready and self.usable() else None

    def discard(self) -> None:
        """Drop what no plot took (a run that drew fewer plots, or failed)."""
        self.figures.clear()
        self.text = TextCache()
        self._settings = None


def layout_axes(lay: Layout, ahead: Ahead | None = None, frame: Frame | None = None
                ) -> tuple[Figure, np.ndarray]:
    """A figure laid out as ``lay`` and its axes (rows x cols), with
    ``frame`` drawn: one of ``ahead``'s, built under the settings in force,
    if there is one, else a new one, made by the same calls."""
    got = ahead.take(lay) if ahead is not None else None
    if got is None:
        got = _build(lay)
        if frame is not None:
            frame(*got)
    return got


def _settings_now() -> tuple:
    # A tick's font and sizes are the rcParams' when it is made, and a
    # text's glyphs come from the fonts they choose among those known:
    # what was made under other settings (another font) is not used. (A
    # copy, not items(): reading "backend" would import pyplot and pick a
    # backend for the process.)
    return matplotlib.rcParams.copy(), len(font_manager.fontManager.ttflist)


def _build(lay: Layout) -> tuple[Figure, np.ndarray]:
    fig = new_figure(lay.width, lay.height)
    axes = panels(fig, lay.rows, lay.cols, lay.m).subplots(squeeze=False, sharex=lay.sharex)
    if lay.used is not None:
        for ax in axes.ravel()[lay.used:]:
            ax.set_axis_off()
    return fig, axes


def prepare(ctx: Context, layouts: Sequence[tuple[Layout, Frame | None]], ahead: Ahead,
            texts: Sequence[tuple[str, float | str]] = (), until: Callable[[], bool] = lambda: False
            ) -> None:
    """Build the figures of ``layouts`` with their ticks and frames now,
    into ``ahead`` for :func:`layout_axes` to hand out later, and measure and
    lay out ``texts`` (string, font size) as drawing them would (``opsim
    run`` calls this while the simulation runs, when a core is mostly
    idle). A figure's axes and ticks are about a quarter of its drawing
    time (Double 11: 0.05 s of 0.2-0.3 s for six panels), its text a
    third; the ticks are what ``draw`` would make when they are needed,
    made earlier under the same settings (rcParams), and the text's sizes
    and glyphs are the same: the files are the same bytes. Stops as soon
    as ``until()`` is true (what is left is made when drawn)."""
    with matplotlib.rc_context(_settings(ctx)):
        if not ahead.usable():
            return
        for lay, frame in layouts:
            if until():
                return
            fig, axes = _build(lay)
            for ax in axes.ravel()[:lay.used]:
                ax.xaxis.get_major_ticks(lay.ticks[0])
                ax.yaxis.get_major_ticks(lay.ticks[1])
                ax.xaxis.get_minor_ticks(1)  # the one each list starts with when it is read
                ax.yaxis.get_minor_ticks(1)
            if frame is not None:
                frame(fig, axes)
            ahead.figures.setdefault(lay, []).append((fig, axes))
        ahead.text.warm(DPI, [(s, font_manager.FontProperties(size=size)) for s, size in texts], until)


# -- drawing into files ------------------------------------------------------

#: What ``formats`` may ask for.
FORMATS = ("png", "svg")


def style_of(font: str | bool | None) -> Style:
    chosen = find_cjk_font() if font is True else font
    return Style(font=chosen if isinstance(chosen, str) else None)


def draw(ctx: Context, makers: dict[str, Callable[[], Figure]], out_dir: Path,
         formats: tuple[str, ...]) -> dict[str, float]:
    """Each figure of ``makers`` drawn once per format into ``out_dir``
    (``NAME.png``, ``NAME.svg``); the seconds each took. A format not asked
    for is removed, so that an earlier report's file cannot disagree."""
    out_dir.mkdir(parents=True, exist_ok=True)
    seconds = {}
    with matplotlib.rc_context(_settings(ctx)):
        # Text measured and laid out once for all figures (those of the
        # run's, made ahead, under the same settings only).
        ahead = ctx.ahead
        text = ahead.text if ahead is not None and ahead.usable() else TextCache()
        for name, make in makers.items():
            t0 = time.perf_counter()
            fig = make()
            CachedCanvas(fig, text)  # the Agg canvas savefig would make for a PNG, keeping text
            for fmt in FORMATS:
                path = out_dir / f"{name}.{fmt}"
                if fmt not in formats:
                    path.unlink(missing_ok=True)
                    continue
                save_figure(fig, path, dpi=DPI, facecolor="white")
                # The layout is done: a second format reuses it instead of
                # solving it again (constrained layout is a quarter of a figure's time).
                fig.set_layout_engine("none")
            seconds[name] = round(time.perf_counter() - t0, 2)
    return seconds


def _settings(ctx: Context) -> dict:
    """The rcParams every plot is drawn under (and its axes built, ahead or not)."""
    # Titles at a fixed height above their axes (axes.titley): placed
    # automatically, each title measured its axes' tick labels first, a
    # tenth of the drawing time; no plot has ticks or labels above its axes.
    return {"font.family": ctx.style.families(), "svg.fonttype": "path",
            "axes.titlelocation": "left", "axes.titley": 1.0}


def check_formats(formats: tuple[str, ...]) -> None:
    if not formats or any(f not in FORMATS for f in formats):
        raise ValueError(f"formats must be some of {FORMATS}, got {formats}")
