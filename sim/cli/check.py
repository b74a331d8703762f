"""``opsim check [SCENARIO]``: validate a scenario and the shop's rules."""
from __future__ import annotations

import argparse

from sim.cli.options import add_what_ifs, load


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("check", help="validate a scenario and the shop's rules")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    add_what_ifs(p)


def cmd_check(args: argparse.Namespace) -> int:
    s = load(args.scenario, args)
    windows = ", ".join(s.service_windows) or "none"
    print(f"{args.scenario}: valid scenario '{s.name}'")
    print(f"  roles: {len(s.org.roles)} (total headcount {s.total_headcount})")
    print(f"  workflows: {len(s.workflows)}; duties: {len(s.duties)}")
    print(f"  service windows: {windows}")
    if s.aftersales is not None:
        print(f"  after-sales decision table: {len(s.aftersales.decision_table)} rows, "
              f"complete and unambiguous")
    print(f"  horizon: {s.horizon.start} .. {s.horizon.end} ({s.horizon.days} days)")
    if s.periods:
        print("  periods: " + ", ".join(f"{name} {p.start}..{p.end}" for name, p in s.periods.items()))
    for item in args.sets:
        print(f"  what-if: --set {item}")
    for item in args.temps:
        print(f"  what-if: --temp {item}")
    for item in args.overtime:
        print(f"  what-if: --overtime {item}")
    return 0
