"""``opsim sweep SCENARIO --vary FIELD=...``: the windows over a grid of staffing values."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rules.errors import Problem, RulesError
from sim.cli.budget import confirm
from sim.cli.execution import add_execution_options, cache_note, execution
from sim.cli.options import (
    add_long_jobs,
    add_what_ifs,
    check_replications,
    check_seed,
    load,
    outside,
)
from sim.cli.staging import check_target, slug, staged
from sim.cli.tables import STYLE, _pct

#: What a sweep's directory holds; ``--force`` replaces only such a directory.
SWEEP_FILES = ("sweep.json",)


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("sweep", help="evaluate a scenario over a grid of values (same seeds at "
                                     "every point)")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--vary", action="append", default=[], metavar="FIELD=V1,V2|LO..HI",
                   help="a field (as --set names it) and its values, e.g. "
                        "org.roles.customer_service.headcount=4..8 (repeatable: a grid)")
    p.add_argument("--one-at-a-time", action="store_true",
                   help="vary each field alone from the scenario as it is, not the whole grid")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--replications", "-n", type=int, default=None)
    p.add_argument("--out", default=None, help="directory (default: results/sweep_<scenario name>)")
    p.add_argument("--force", action="store_true", help="replace the directory if it holds a sweep")
    add_execution_options(p)
    add_what_ifs(p)
    add_long_jobs(p)


def cmd_sweep(args: argparse.Namespace) -> int:
    # Imported on use: see sim.cli.run.
    from sim.analysis.sweep import parse_vary, points, sweep
    from sim.report.sweep_files import write_sweep
    from sim.runs.runner import default_jobs

    if not args.vary:
        raise RulesError([Problem("--vary", "", "name at least one field to vary, e.g. "
                                  "--vary org.roles.customer_service.headcount=4..8")])
    varies = [parse_vary(v) for v in args.vary]
    s = load(args.scenario, args)
    seed = s.seed if args.seed is None else args.seed
    n = s.replications if args.replications is None else args.replications
    check_replications(n)
    check_seed(seed)
    out = Path(args.out) if args.out is not None else Path("results") / f"sweep_{slug(s.name)}"
    check_target(out, args.force, SWEEP_FILES)
    grid = points(varies, args.one_at_a_time)
    confirm(s, n, args.jobs or default_jobs(), args.yes, points=len(grid), disk=False)
    err = Console(stderr=True)
    t0 = time.perf_counter()
    title = f"{len(grid)} points x {n} replications"
    with execution(args, out) as (executor, cache), err.status(title) as status:
        def progress(done: int, total: int) -> None:
            status.update(f"{title}: {done} of {total} done")
        result = sweep(args.scenario, varies, n, seed, 1, args.one_at_a_time, args.sets,
                       args.temps, args.periods, executor, cache, allow_outside=outside(args),
                       progress=progress)
    result["wall_seconds"] = round(time.perf_counter() - t0, 2)
    with staged(out, args.force, SWEEP_FILES) as work:
        write_sweep(work, result)
    console = Console()
    console.print(verdict_table(result))
    console.print(f"{len(grid)} points x {n} replications in {result['wall_seconds']} s; "
                  f"results: {out}", markup=False, highlight=False)
    if cache is not None:
        err.print(cache_note(cache), markup=False, highlight=False)
    return 0


#: A verdict in a few characters, so that a grid of windows fits the terminal.
MARKS = {"met": "", "not met": " NO", "undecided": " ?"}


def verdict_table(result: dict) -> Table:
    """One row per point: the varied values, then each window's met share and verdict."""
    windows = list(result["points"][0]["service_windows"]) if result["points"] else []
    table = Table(title=f"sweep of {result['scenario']}: met share % per window",
                  caption="NO: not met, ?: undecided (95% CI against the target), -: no cases")
    for field in result["varied"]:
        table.add_column(field.rsplit(".", 2)[-2] if "." in field else field, overflow="fold")
    for wid in windows:
        table.add_column(escape(wid), overflow="fold", justify="right")
    for point in result["points"]:
        cells = [escape(str(point["values"].get(f, "as is"))) for f in result["varied"]]
        for wid in windows:
            w = point["service_windows"][wid]
            if w.get("met") is None:
                cells.append("-")
                continue
            text = f"{_pct(w['met'])}{MARKS.get(w['verdict'], '')}"
            style = STYLE.get(w["verdict"])
            cells.append(f"[{style}]{text}[/]" if style else text)
        table.add_row(*cells)
    return table
