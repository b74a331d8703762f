"""``opsim run``: simulate, write the run directory, print the verdicts."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress

from rules.errors import Problem, RulesError
from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.cli.tables import report_bottlenecks, report_cases, report_windows

if TYPE_CHECKING:
    from sim.log.records import EventLog

#: How many of the top bottleneck roles ``--what-if-plus-one`` re-runs.
WHAT_IF_ROLES = 2


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write the event log and summary")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--replications", "-n", type=int, default=None)
    p.add_argument("--out", default=None, help="run directory (default: results/<scenario name>)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="processes (default: up to 4 cores)")
    p.add_argument("--what-if-plus-one", action="store_true",
                   help=f"re-run with one more person in each of the top {WHAT_IF_ROLES} bottleneck "
                        "roles (same seed) and report what it buys")


def cmd_run(args: argparse.Namespace) -> int:
    # Imported on use, here and in every command: the engine, scipy and
    # pyarrow take about 0.6 s to load, which ``opsim check`` need not pay.
    from sim.analysis.summary import summarize
    from sim.cli.report import make_report
    from sim.report.output import write_run
    from sim.runs.runner import default_jobs, run

    s = load_scenario(args.scenario)
    seed = s.seed if args.seed is None else args.seed
    n = s.replications if args.replications is None else args.replications
    if n < 1:
        raise RulesError([Problem("--replications", "", f"must be >= 1, got {n}")])
    out = Path(args.out) if args.out else Path("results") / s.name
    jobs = args.jobs if args.jobs else default_jobs()
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{s.name}: replications", total=n)
        log, facts = run(s, seed, n, jobs, lambda done: bar.update(task, completed=done))
    summary = summarize(s, log, facts)
    if args.what_if_plus_one:
        what_if(s, log, summary, seed, n, jobs)
    write_run(out, s, log, summary)
    report_run(Console(), summary, out)
    make_report(Console(), s, log, summary, out)
    return 0


def what_if(s: Scenario, log: EventLog, summary: dict, seed: int, n: int, jobs: int) -> None:
    """Adds ``what_if_plus_one`` to the summary: the top bottleneck roles, one more person each."""
    from sim.analysis.ci import clean
    from sim.analysis.whatif import what_if_plus_one
    from sim.runs.runner import run

    roles = [b["role"] for b in summary.get("bottlenecks", {}).get("ranked", [])[:WHAT_IF_ROLES]]
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("what if +1", total=len(roles))

        def rerun(variant: Scenario) -> EventLog:
            vlog, _ = run(variant, seed, n, jobs)
            bar.advance(task)
            return vlog
        summary["what_if_plus_one"] = clean(what_if_plus_one(s, log, roles, rerun))


def report_run(console: Console, summary: dict, out: Path) -> None:
    """The short report at the end of ``opsim run``."""
    facts = summary["run"]
    console.print(f"[bold]{facts['scenario']}[/]: {facts['replications']} replications, "
                  f"seed {facts['seed']}, {facts['records']} records in {facts['wall_seconds']} s")
    report_windows(console, summary)
    report_cases(console, summary)
    report_bottlenecks(console, summary)
    console.print(f"results: {out}")
