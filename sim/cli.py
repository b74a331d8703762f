"""The ``opsim`` command. The only place that prints; exit 2 on bad input."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from rules.errors import RulesError
from rules.loader import load_scenario
from rules.scenario import Scenario

DEFAULT_SCENARIO = "scenarios/baseline.yaml"


def _load(path: str) -> Scenario:
    return load_scenario(path)


def cmd_check(args: argparse.Namespace) -> int:
    s = _load(args.scenario)
    windows = ", ".join(s.service_windows) or "none"
    print(f"{args.scenario}: valid scenario '{s.name}'")
    print(f"  roles: {len(s.org.roles)} (total headcount {s.total_headcount})")
    print(f"  workflows: {len(s.workflows)}; duties: {len(s.duties)}")
    print(f"  service windows: {windows}")
    if s.aftersales is not None:
        print(f"  after-sales decision table: {len(s.aftersales.decision_table)} rows, complete and unambiguous")
    print(f"  horizon: {s.horizon.start} .. {s.horizon.end} ({s.horizon.days} days)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from sim.show import show_json, show_text
    s = _load(args.scenario)
    print(show_json(s) if args.format == "json" else show_text(s))
    if args.diagram is not None:
        from sim.diagram import write_diagrams
        result = write_diagrams(s, Path(args.diagram))
        if result.notice:
            print(f"notice: {result.notice}", file=sys.stderr)
        print(f"wrote {len(result.files)} files to {args.diagram}", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.cli_run import cmd_run as run_command

    return run_command(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.cli_compare import cmd_compare as compare_command

    return compare_command(args)


def cmd_report(args: argparse.Namespace) -> int:
    from sim.cli_report import cmd_report as report_command

    return report_command(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check, "show": cmd_show, "run": cmd_run, "compare": cmd_compare,
    "report": cmd_report}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsim", description="Operations-center simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="validate a scenario and the shop's rules")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
    p = sub.add_parser("show", help="print the org chart and the workflows; draw them with --diagram")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--diagram", metavar="DIR", help="write the org chart and swimlane diagrams (PNG, SVG) here")
    from sim.cli_run import add_parser as add_run

    add_run(sub, DEFAULT_SCENARIO)
    from sim.cli_compare import add_parser as add_compare

    add_compare(sub)
    from sim.cli_report import add_parser as add_report

    add_report(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RulesError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``opsim show | head``): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
