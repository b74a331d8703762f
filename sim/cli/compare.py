"""``opsim compare A B [C ...]``: key KPIs of scenarios or saved runs, with
the differences against the first and their 95% intervals."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rules.errors import Problem, RulesError
from sim.cli.options import add_what_ifs, load


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare",
                       help="compare scenarios or saved run directories (differences with 95%% CIs)")
    p.add_argument("inputs", nargs="+", metavar="SCENARIO_OR_RUN",
                   help="scenario files or run directories; the first is the base")
    p.add_argument("--seed", type=int, default=None,
                   help="root seed for the scenarios simulated here (default: the first scenario's)")
    p.add_argument("--replications", "-n", type=int, default=None,
                   help="replications for the scenarios simulated here (default: the first scenario's)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="processes (default: up to 4 cores)")
    p.add_argument("--json", metavar="FILE", default=None, help="write the comparison as JSON")
    p.add_argument("--html", metavar="FILE", default=None, help="write the comparison as an HTML page")
    p.add_argument("--all", action="store_true", help="show every metric, not only the ones that differ")
    add_what_ifs(p)


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import compare, load_side, write_html, write_json  # on use: see run
    from sim.runs.runner import default_jobs

    if len(args.inputs) < 2:
        raise RulesError([Problem("compare", "", "needs at least two scenarios or runs")])
    jobs = args.jobs if args.jobs else default_jobs()
    seed, n = args.seed, args.replications
    if seed is None or n is None:
        for path in args.inputs:  # the first scenario file sets what is not given
            if not Path(path).is_dir():
                s = load(path, args)
                seed = s.seed if seed is None else seed
                n = s.replications if n is None else n
                break
    if n is not None and n < 1:
        raise RulesError([Problem("--replications", "", f"must be >= 1, got {n}")])
    console = Console()
    sides = []
    for path in args.inputs:
        with console.status(f"{path} ..."):
            sides.append(load_side(path, seed, n, jobs, sets=args.sets, temps=args.temps,
                                   periods=args.periods))
    result = compare(sides)
    report(console, result, args.all)
    if args.json:
        write_json(Path(args.json), result)
        console.print(f"wrote {args.json}")
    if args.html:
        write_html(Path(args.html), result)
        console.print(f"wrote {args.html}")
    return 0


def report(console: Console, result: dict, everything: bool = False) -> None:
    for comp in result["comparisons"]:
        test = "paired t, common random numbers" if comp["paired"] else "Welch t"
        table = Table(title=f"{comp['other']} vs {result['base']} ({test})")
        # Metric names are ids; fold rather than cut them, and keep "role
        # customer_service:" on one line however narrow the terminal.
        table.add_column("metric", min_width=24, overflow="fold")
        for name in ("base", "other", "difference", "95% CI", ""):
            table.add_column(name)
        hidden = 0
        for r in comp["rows"]:
            if not everything and not r["significant"] and (r["diff"] is None or abs(r["diff"]) < 1e-12):
                hidden += 1
                continue
            lo, hi = r["ci95"]
            mark = {"better": "[green]better[/]", "worse": "[red]worse[/]"}.get(r["better"], "")
            table.add_row(r["metric"], _f(r["base"]), _f(r["other"]), _f(r["diff"], True),
                          f"[{_f(lo, True)}, {_f(hi, True)}]", mark)
        console.print(table)
        if hidden:
            console.print(f"({hidden} metrics identical in both; --all shows them)")


def _f(x: float | None, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.3g}" if sign else f"{x:.3g}"
