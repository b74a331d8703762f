"""Plots drawn apart: a forked child (``sim.report.apart``) that draws the
scenario's own plots while the replications run and half of the run's
plots once their numbers exist. Light to import (no matplotlib here), so
that ``opsim run`` forks the child at its start, while it is small."""
from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rules.scenario import Scenario
from sim.report.apart import Apart

if TYPE_CHECKING:
    from sim.report.plot_numbers import PlotNumbers

#: Plots drawn from the scenario alone (``opsim run`` draws them while it simulates).
SCENARIO_PLOTS = ("staffing",)
#: Plots that need neither the summary nor another plot, drawn in a second
#: process when a core is free: about 0.65 s of the 1.05 s of drawing
#: (Double 11), the parent drawing the rest after the rest of the plot
#: numbers, the summary and the files (about 0.35 s), so that both end
#: together. The first starts on the waits' numbers alone.
EARLY = ("wait_ecdf",)
APART = (*EARLY, "utilisation", "time_breakdown")


@dataclass
class Drawer:
    """Plots drawn apart (:func:`start_drawer`): their names and the work."""
    names: tuple[str, ...]
    job: Apart[dict[str, float]]

    early_sent: bool = False

    def send_waits(self, numbers: PlotNumbers) -> None:
        """The waits' numbers (``plot_numbers.wait_numbers``): the plots of
        :data:`EARLY` start on them."""
        self.job.send(numbers)
        self.early_sent = True

    def send(self, numbers: PlotNumbers) -> None:
        """The run's plot numbers, once they exist."""
        if not self.early_sent:
            self.send_waits(numbers)
        self.job.send(numbers)

    def seconds(self) -> dict[str, float]:
        """Seconds per plot drawn, once all are (waiting for them)."""
        return self.job.result()

    def close(self) -> None:
        """Stop drawing (the run failed): nothing more is written."""
        self.job.close()


#: Plots of the run's numbers alone that ``opsim run``'s parent draws while
#: its one worker reduces the rest of the replication (see
#: :func:`draw_while_waiting`), in this order, as long as it does: the
#: parent would be idle then, and they are otherwise drawn after the
#: summary and files, the run's last seconds.
WHILE_WAITING = ("queues", "wait_p95_daily")


@dataclass
class DrawnHere:
    """Plots this process drew already (:func:`draw_while_waiting`)."""
    names: tuple[str, ...]
    done: dict[str, float]

    def seconds(self) -> dict[str, float]:
        return self.done


def draw_while_waiting(s: Scenario, numbers: PlotNumbers, out_dir: Path, waiting: Callable[[], bool],
                       font: str | bool | None = True, formats: tuple[str, ...] = ("png",)) -> DrawnHere:
    """The plots of :data:`WHILE_WAITING` drawn here (matplotlib is loaded),
    one after the other while ``waiting()``; the rest are drawn later, after
    the summary (a figure is the same bytes wherever it is drawn)."""
    from sim.report.plot_kit import Context, draw, style_of
    from sim.report.plots import makers_of

    ctx = Context(s, style_of(font), numbers)
    makers = makers_of(ctx, {})
    seconds: dict[str, float] = {}
    for name in WHILE_WAITING:
        if not waiting():
            break
        seconds.update(draw(ctx, {name: makers[name]}, out_dir, formats))
    return DrawnHere(tuple(seconds), seconds)


def start_drawer(s: Scenario, out_dir: Path, font: str | bool | None = True,
                 formats: tuple[str, ...] = ("png",), fork: bool = True) -> Drawer:
    """Start drawing apart (a forked child with ``fork``, where it can): the
    scenario's plots at once, then, once :meth:`Drawer.send` gives the run's
    numbers, the plots of :data:`APART`. :func:`write_plots` with the drawer
    in ``drawn`` (``sim.report.plots``) draws the rest and collects these."""

    def work(get: Callable[[], PlotNumbers]) -> dict[str, float]:
        # Imported here: this module is imported and the child forked before
        # matplotlib is loaded, while the parent is small and starting.
        from sim.report.plot_kit import Context, draw, style_of
        from sim.report.plots import makers_of

        style = style_of(font)
        ctx = Context(s, style)
        seconds = draw(ctx, {k: v for k, v in makers_of(ctx, {}).items() if k in SCENARIO_PLOTS},
                       out_dir, formats)
        # What is alive now lives to the end: the garbage collector's full
        # passes stop scanning it (about 0.05 s of this process's drawing).
        gc.freeze()
        for names in (EARLY, tuple(n for n in APART if n not in EARLY)):
            ctx = Context(s, style, get())
            seconds.update(draw(ctx, {k: v for k, v in makers_of(ctx, {}).items() if k in names},
                                out_dir, formats))
        return seconds
    return Drawer(SCENARIO_PLOTS + APART, Apart(work, fork))
