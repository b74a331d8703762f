"""``opsim report DIR``: rebuild the plots and ``report.html`` of a saved run
from its files, without simulating again (``opsim run`` draws them as its
last phase)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from rules.scenario import Scenario
from sim.cli.staging import require_complete

if TYPE_CHECKING:
    from sim.log.records import EventLog


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="rebuild the plots and report.html of a saved run (no re-simulation)")
    p.add_argument("run_dir", metavar="DIR", help="a run directory written by opsim run")


def make_report(console: Console, s: Scenario, log: EventLog, summary: dict, out: Path) -> Path:
    """Write ``out/plots/`` and ``out/report.html``; say where the report is."""
    # Imported on use: matplotlib adds about half a second to every command.
    from sim.report.html import write_report

    err = Console(stderr=True)
    with err.status("drawing the plots and the report"):
        result = write_report(s, log, summary, out)
    if result.notice:
        err.print(f"notice: {result.notice}", markup=False, highlight=False)
    console.print(f"report: {result.path}", markup=False, highlight=False)
    return result.path


def cmd_report(args: argparse.Namespace) -> int:
    from sim.log.run_dir import load_run  # on use: see sim.cli.run

    run_dir = Path(args.run_dir)
    require_complete(run_dir)
    with Console(stderr=True).status(f"reading {run_dir}"):
        s, log, summary = load_run(run_dir)
    make_report(Console(), s, log, summary, run_dir)
    return 0
