"""``opsim report DIR``: rebuild the plots and ``report.html`` of a saved run
from its files, without simulating again (``opsim run`` draws them as its
last phase). The plots are drawn from the numbers the run saved
(``aggregates.npz``); only runs saved without them are read from their
event log."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from rules.scenario import Scenario
from sim.cli.staging import damage_noted, require_complete

if TYPE_CHECKING:
    from sim.log.records import EventLog
    from sim.report.plot_kit import Drawn
    from sim.report.plot_numbers import PlotNumbers


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="rebuild the plots and report.html of a saved run (no re-simulation)")
    p.add_argument("run_dir", metavar="DIR", help="a run directory written by opsim run")
    p.add_argument("--svg", action="store_true", help="also write each plot as SVG (PNG always)")
    p.add_argument("--jobs", "-j", type=int, default=0,
                   help="processes drawing the plots (default: up to 4 cores)")


def make_report(console: Console, s: Scenario, run: EventLog | PlotNumbers, summary: dict, out: Path,
                formats: tuple[str, ...] = ("png",), jobs: int = 1) -> Path:
    """Write ``out/plots/`` and ``out/report.html``; say where the report is."""
    # Imported on use: matplotlib adds about half a second to every command.
    from sim.log.records import EventLog  # numpy: not for every command (see sim.cli.run)
    from sim.report.html import write_report

    drawn: list[Drawn] = []
    if jobs >= 2 and not isinstance(run, EventLog):
        from sim.report.drawer import start_drawer

        # Forked before the spinner's thread starts (a child must not inherit
        # a lock that thread holds); runs read from their log draw in one process.
        drawer = start_drawer(s, out / "plots", formats=formats)
        drawer.send(run)
        drawn.append(drawer)
    err = Console(stderr=True)
    with err.status("drawing the plots and the report"):
        result = write_report(s, run, summary, out, formats=formats, drawn=drawn)
    if result.notice:
        err.print(f"notice: {result.notice}", markup=False, highlight=False)
    console.print(f"report: {result.path}", markup=False, highlight=False)
    return result.path


def cmd_report(args: argparse.Namespace) -> int:
    from sim.report.output import read_plot_numbers  # on use: see sim.cli.run
    from sim.runs.runner import default_jobs

    run_dir = Path(args.run_dir)
    require_complete(run_dir)
    jobs = args.jobs if args.jobs > 0 else default_jobs()
    formats = ("png", "svg") if args.svg else ("png",)
    with damage_noted(Console(stderr=True)):
        run: EventLog | PlotNumbers | None = read_plot_numbers(run_dir)
    if run is not None:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        s = Scenario.model_validate_json((run_dir / "scenario.json").read_text(encoding="utf-8"))
    else:  # a run saved without its aggregates: its event log, read whole
        from sim.log.run_dir import load_run

        with Console(stderr=True).status(f"reading {run_dir}"):
            s, run, summary = load_run(run_dir)
    make_report(Console(), s, run, summary, run_dir, formats, jobs)
    return 0
