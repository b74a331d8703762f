"""``opsim run``: simulate, write the run directory, print the verdicts."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from rules.errors import Problem, RulesError
from rules.loader import load_scenario


def add_parser(sub, default_scenario: str) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write the event log and summary")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--replications", "-n", type=int, default=None)
    p.add_argument("--out", default=None, help="run directory (default: results/<scenario name>)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="processes (default: up to 4 cores)")
    from sim.cli_bottlenecks import add_arguments

    add_arguments(p)


def cmd_run(args: argparse.Namespace) -> int:
    from sim.analysis.summary import summarize
    from sim.runner import default_jobs, run, write_run

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
    from sim.cli_bottlenecks import what_if

    what_if(args, s, log, summary, seed, n, jobs)
    write_run(out, s, log, summary)
    report_run(Console(), summary, out)
    from sim.cli_report import make_report

    make_report(Console(), s, log, summary, out)
    return 0


def report_run(console: Console, summary: dict, out: Path) -> None:
    """The short table at the end of ``opsim run``."""
    facts = summary["run"]
    console.print(f"[bold]{facts['scenario']}[/]: {facts['replications']} replications, "
                  f"seed {facts['seed']}, {facts['records']} records in {facts['wall_seconds']} s")
    from sim.cli_windows import report_windows

    report_windows(console, summary)
    table = Table("workflow", "started", "completed", "open at end", title="cases per replication")
    for wf, c in summary["cases"].items():
        table.add_row(wf, f"{c['started']:.1f}", f"{c['completed']:.1f}", f"{c['open_at_end']:.1f}")
    console.print(table)
    from sim.cli_bottlenecks import report_bottlenecks

    report_bottlenecks(console, summary)
    console.print(f"results: {out}")
