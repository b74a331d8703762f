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


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"check": cmd_check}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsim", description="Operations-center simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="validate a scenario and the shop's rules")
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
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
