"""Plots drawn apart: a forked child (``sim.report.apart``) that draws the
scenario's own plots while the replications run and half of the run's
plots once their numbers exist, at a lower priority than the run. Light
to import (no matplotlib here), so that ``opsim run`` forks the child at
its start, while it is small."""
from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rules.scenario import Scenario
from sim.report.apart import Apart, Inbox, can_fork

if TYPE_CHECKING:
    from sim.report.plot_kit import Ahead
    from sim.report.plot_kit import Context as PlotContext
    from sim.report.plot_numbers import PlotNumbers

#: Plots drawn from the scenario alone (``opsim run`` draws them while it simulates).
SCENARIO_PLOTS = ("staffing",)
#: The run's plot the drawer starts on, on the waits' numbers alone, while
#: the parent makes the rest of the plots' numbers and waits for its worker;
#: then it takes :data:`SHARED` ones.
EARLY = ("wait_ecdf",)


@dataclass
class Drawer:
    """Plots drawn apart (:func:`start_drawer`): their names (with the
    :data:`SHARED` ones, which the caller draws only as it takes them: :meth:`take`)
    and the work."""
    names: tuple[str, ...]
    job: Apart[dict[str, float]]
    claims: Claims

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

    def take(self) -> str | None:
        """One of the :data:`SHARED` plots not taken yet, for the caller to draw."""
        return self.claims.take()

    def seconds(self) -> dict[str, float]:
        """Seconds per plot drawn, once all are (waiting for them); the
        :data:`SHARED` plots the caller took are not among them."""
        try:
            return self.job.result()
        finally:
            self.claims.close()

    def close(self) -> None:
        """Stop drawing (the run failed): nothing more is written."""
        self.job.close()
        self.claims.close()


#: Plots drawn by whichever of the drawer and the parent is free first
#: (:class:`Claims`), the longest first (Double 11, with their figures and
#: texts made ahead: 0.15, 0.10-0.12, 0.07 and 0.055 s of CPU; the ECDF
#: 0.14, the window plot 0.06): the drawer after :data:`EARLY`, the parent after the
#: summary, the files and the window plot (which needs the summary), so
#: that both end about together. Before, each had its fixed share and one
#: waited for the other up to 0.25 s; and the parent drew while its worker
#: still reduced, so that a plot begun just before the worker finished put
#: off the summary.
SHARED = ("utilisation", "queues", "time_breakdown", "wait_p95_daily")
#: How much lower the drawer's priority is than the run's (``os.nice``):
#: the simulation and the reduction, which the run waits for, go first;
#: the drawer takes the time they leave (Linux shares a core among a
#: session's processes by their nice values).
NICE = 10


class Claims:
    """Plots that either of two processes may draw, each drawn once, by the
    first to take it: one byte a plot in a pipe filled before the drawer
    is forked and closed for writing, so that both read the same bytes;
    a read of one byte takes it for one reader only."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._read, write = os.pipe()
        os.write(write, bytes(range(len(names))))
        os.close(write)

    def take(self) -> str | None:
        """A plot left to draw (None: all are taken)."""
        got = os.read(self._read, 1) if self._read >= 0 else b""
        return self.names[got[0]] if got else None

    def close(self) -> None:
        """Nothing more is taken here (the plots left are drawn elsewhere or not at all)."""
        if self._read >= 0:
            os.close(self._read)
            self._read = -1


def start_drawer(s: Scenario, out_dir: Path, font: str | bool | None = True,
                 formats: tuple[str, ...] = ("png",), fork: bool = True,
                 inherited: tuple[int, ...] = (), ahead: bool = True) -> Drawer:
    """Start drawing apart (a forked child with ``fork``, where it can): the
    scenario's plots at once, then, once :meth:`Drawer.send` gives the run's
    numbers, the plots of :data:`EARLY`, then the :data:`SHARED` ones it
    takes. :func:`write_plots` with the drawer in ``drawn``
    (``sim.report.plots``) draws the rest, the shared plots it takes, and
    collects these. ``inherited``: files the caller has open that the
    child must not keep open (a worker's shared memory, freed only when
    every process has closed it). ``ahead``: a core is spare while the
    replications run: the figures of the run's plots are built then."""

    claims = Claims(SHARED)
    apart = fork and can_fork()
    ahead_wanted = ahead
    parent = os.getpid()

    def work(get: Inbox) -> dict[str, float]:
        # Only the child's copies: a child that died has its work redone
        # here (``Apart.result``), where those numbers are the caller's own
        # files, or files opened since (review 12: "Bad file descriptor").
        if os.getpid() != parent:
            for fd in inherited:
                os.close(fd)
        # Imported here: this module is imported and the child forked before
        # matplotlib is loaded, while the parent is small and starting.
        from sim.report.plot_kit import Ahead, Context, draw, style_of
        from sim.report.plots import makers_of

        style = style_of(font)
        ahead = Ahead()  # this process's, for the run's plots it draws
        ctx = Context(s, style, ahead=ahead)
        seconds = draw(ctx, {k: v for k, v in makers_of(ctx, {}).items() if k in SCENARIO_PLOTS},
                       out_dir, formats)
        # What is alive now lives to the end: the garbage collector's full
        # passes stop scanning it (about 0.05 s of this process's drawing).
        gc.freeze()
        if apart and ahead_wanted:
            # While the replications run: the figures it may draw and their
            # texts, made ahead; what is not made when the numbers come
            # (a machine so busy that this process, at a lower priority,
            # waited) is made as the plots are drawn.
            prepare_plots(ctx, EARLY + SHARED, ahead, until=get.waiting)
        ctx = Context(s, style, get(), ahead=ahead)
        seconds.update(draw(ctx, {k: v for k, v in makers_of(ctx, {}).items() if k in EARLY},
                            out_dir, formats))
        ctx = Context(s, style, get(), ahead=ahead)
        makers = makers_of(ctx, {})
        while (name := claims.take()) is not None:
            seconds.update(draw(ctx, {name: makers[name]}, out_dir, formats))
        return seconds
    return Drawer(SCENARIO_PLOTS + EARLY + SHARED, Apart(work, apart, nice=NICE), claims)


def prepare_plots(ctx: PlotContext, names: tuple[str, ...], ahead: Ahead,
                  until: Callable[[], bool] = lambda: False) -> None:
    """Build into ``ahead`` the figures of the run plots ``names`` as the
    scenario predicts them, and lay out the texts it tells
    (``sim.report.plot_ahead``), for this process to draw with, until
    ``until()`` is true."""
    from sim.report.plot_ahead import expected_layouts, expected_texts
    from sim.report.plot_kit import prepare

    layouts = expected_layouts(ctx)
    prepare(ctx, [layouts[k] for k in names if k in layouts], ahead, expected_texts(ctx), until)
