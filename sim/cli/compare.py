"""``opsim compare A B [C ...]``: key KPIs of scenarios or saved runs, with
the differences against the first and their 95% intervals."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rules.errors import Problem, RulesError
from sim.cli.budget import confirm
from sim.cli.options import (
    add_long_jobs,
    add_what_ifs,
    check_replications,
    check_seed,
    load,
    outside,
)
from sim.cli.staging import damage_noted, require_complete
from sim.cli.sweep import MARKS
from sim.cli.tables import STYLE, _pct, _target


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
    add_long_jobs(p)


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import compare, load_side, write_json  # on use: see run
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
    check_replications(n)
    check_seed(seed)
    for path in args.inputs:  # a directory must be a finished run, not a YAML file's error
        if Path(path).is_dir():
            require_complete(Path(path))
        else:
            side = load(path, args)
            confirm(side, n if n is not None else side.replications, jobs, args.yes, disk=False)
    console = Console()
    sides = []
    for path in args.inputs:
        with damage_noted(Console(stderr=True)), console.status(f"{path} ..."):
            sides.append(load_side(path, seed, n, jobs, sets=args.sets, temps=args.temps,
                                   periods=args.periods, allow_outside=outside(args)))
    result = compare(sides)
    report(console, result, args.all)
    if args.json:
        write_json(Path(args.json), result)
        console.print(f"wrote {args.json}")
    if args.html:
        from sim.report.compare_page import write_html  # matplotlib only for the page's chart

        write_html(Path(args.html), result)
        console.print(f"wrote {args.html}")
    return 0


def report(console: Console, result: dict, everything: bool = False) -> None:
    console.print(side_by_side_table(result))
    for comp in result["comparisons"]:
        test = "paired t, common random numbers" if comp["paired"] else "Welch t"
        table = Table(title=f"{comp['other']} vs {result['base']} ({test})")
        # Metric names are ids; fold rather than cut them, and keep "role
        # customer_service:" on one line however narrow the terminal.
        table.add_column("metric", min_width=20, max_width=34, overflow="fold")
        for name in ("base", "other", "difference", "95% CI"):
            # Numbers fold too: every column stays on the screen at 80 columns.
            table.add_column(name, overflow="fold")
        hidden = 0
        for r in comp["rows"]:
            if not everything and not r["significant"]:
                hidden += 1
                continue
            lo, hi = r["ci95"]
            mark = {"better": "[green]better[/]", "worse": "[red]worse[/]"}.get(r["better"], "")
            table.add_row(escape(r["metric"]), _f(r["base"]), _f(r["other"]),
                          f"{_f(r['diff'], True)} {mark}".rstrip(), f"[{_f(lo, True)}, {_f(hi, True)}]")
        if table.row_count:
            console.print(table)
        if hidden:
            console.print(f"({hidden} metrics of {comp['other']} without a significant difference "
                          f"from {result['base']}; --all shows them)", markup=False, highlight=False)


def _cell(w: dict | None) -> str:
    """``62.0 NO`` coloured by the verdict (``-`` for no cases)."""
    if w is None or w.get("met") is None:
        return "-"
    text = f"{_pct(w['met'])}{MARKS.get(w['verdict'], '')}"
    style = STYLE.get(w["verdict"])
    return f"[{style}]{text}[/]" if style else text


def side_by_side_table(result: dict) -> Table:
    """Windows first (met share % and verdict against the target, overall and
    per period), then the staffing and its cost; one column per input."""
    sbs = result["side_by_side"]
    table = Table(title="side by side: met share % per window (NO: not met, ?: undecided)")
    table.add_column("window (target)", overflow="fold", min_width=18)
    for side in result["sides"]:
        table.add_column(Path(side["label"]).stem or side["label"], overflow="fold", justify="right")
    for wid, per_side in sbs["windows"].items():
        first: dict = next((w for w in per_side if w), {})
        target = first.get("target")
        table.add_row(escape(f"{wid} ({_target(target)})" if target is not None else wid),
                      *(_cell(w) for w in per_side))
        periods = list(dict.fromkeys(n for w in per_side if w for n in (w.get("periods") or {})))
        for name in periods:
            table.add_row(escape(f"  {name}"), *(_cell((w.get("periods") or {}).get(name) if w else None)
                                         for w in per_side))
    table.add_section()
    table.add_row("person-days", *(f"{x:,}" for x in sbs["person_days"]))
    table.add_row("temporary person-days", *(f"{x:,}" for x in sbs["temporary_person_days"]))
    table.add_row("cost (CNY)", *(f"{x:,.0f}" for x in sbs["cost_cny_total"]))
    return table


def _f(x: float | None, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.3g}" if sign else f"{x:.3g}"
