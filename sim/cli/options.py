"""Options several commands share: the what-ifs (``--set``, ``--temp``,
``--period``) and ``--allow-outside``, on every command that loads a scenario."""
from __future__ import annotations

import argparse

from rules.errors import Problem, RulesError
from rules.loader import load_scenario
from rules.ranges import MAX_REPLICATIONS, MAX_SEED
from rules.scenario import Scenario


def add_confinement(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-outside", action="store_true",
                   help="let 'extends' name a file outside the scenario's folder, the current "
                        "folder and the project's scenarios/ (an absolute path too)")


def add_long_jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true",
                   help="go ahead with a long job (a horizon of years, a thousand replications or "
                        "more, hours of work or gigabytes): without it such a job only prints its "
                        "estimate")


def add_what_ifs(p: argparse.ArgumentParser) -> None:
    add_confinement(p)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                   help="change one scenario value by its field path, e.g. "
                        "org.roles.customer_service.headcount=6 (repeatable; checked like a file)")
    p.add_argument("--temp", dest="temps", action="append", default=[],
                   metavar="ROLE+N@START..END[:SHIFT]",
                   help="N temporary people of ROLE from START to END, e.g. "
                        "customer_service+2@2026-10-20..2026-11-25:cs_early (repeatable)")
    p.add_argument("--overtime", dest="overtime", action="append", default=[],
                   metavar="ROLE+N@START..END:SHIFT",
                   help="N of ROLE's members also work SHIFT as overtime from START to END, e.g. "
                        "warehouse+3@2026-11-10..2026-11-20:overtime_evening (repeatable)")
    p.add_argument("--period", dest="periods", action="append", default=[],
                   metavar="[NAME=]START..END",
                   help="also give every window a verdict for the cases started in these days "
                        "(repeatable; beside the scenario's own periods)")


def load(path: str, args: argparse.Namespace) -> Scenario:
    """The scenario at ``path`` with the command's what-ifs applied."""
    return load_scenario(path, getattr(args, "sets", ()), getattr(args, "temps", ()),
                         getattr(args, "periods", ()), allow_outside=outside(args),
                         overtime=getattr(args, "overtime", ()))


def outside(args: argparse.Namespace) -> bool:
    """Was ``--allow-outside`` given?"""
    return bool(getattr(args, "allow_outside", False))


def what_ifs(args: argparse.Namespace) -> dict:
    """The what-ifs as the run records them (``summary.json``'s ``run``)."""
    return {"set": list(getattr(args, "sets", [])), "temp": list(getattr(args, "temps", [])),
            "overtime": list(getattr(args, "overtime", [])),
            "period": list(getattr(args, "periods", []))}


def check_seed(seed: int | None) -> None:
    """``--seed`` in the scenario schema's range (None: the scenario's)."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise RulesError([Problem("--seed", "", f"must be from 0 to {MAX_SEED}, got {seed}")])


def check_replications(n: int | None) -> None:
    """``--replications`` in the scenario schema's range (None: the scenario's)."""
    if n is not None and not 1 <= n <= MAX_REPLICATIONS:
        raise RulesError([Problem("--replications", "", f"must be from 1 to {MAX_REPLICATIONS}, "
                                  f"got {n}")])
