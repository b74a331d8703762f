"""The ``opsim`` command: parse, dispatch to a command module, and turn bad
input into one line per problem and exit status 2 (never a traceback)."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from rules.errors import RulesError
from sim.cli import check, compare, plan, report, run, show, sweep

DEFAULT_SCENARIO = "scenarios/baseline.yaml"


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": check.cmd_check, "show": show.cmd_show, "run": run.cmd_run,
    "compare": compare.cmd_compare, "report": report.cmd_report, "sweep": sweep.cmd_sweep,
    "plan": plan.cmd_plan}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opsim", description="Operations-center simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    check.add_parser(sub, DEFAULT_SCENARIO)
    show.add_parser(sub, DEFAULT_SCENARIO)
    run.add_parser(sub, DEFAULT_SCENARIO)
    compare.add_parser(sub)
    report.add_parser(sub)
    sweep.add_parser(sub, DEFAULT_SCENARIO)
    plan.add_parser(sub, DEFAULT_SCENARIO)
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
    except OSError as exc:
        # A place that cannot be written or read (``--out`` on a file, a
        # read-only or full disk): one line, not a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def program() -> NoReturn:
    """The ``opsim`` program (``python -m sim`` and the installed command):
    :func:`main`, then the output flushed and the process ended at once.
    The interpreter's own shutdown (freeing every object and module one by
    one: a run holds a few hundred megabytes of them) took 0.1-0.3 s after
    ``opsim run`` had finished and printed everything; every file is closed
    and every child process ended before :func:`main` returns."""
    code = main()
    # A closed pipe or stream: nothing more to say on it. Each stream on its
    # own, so that stdout closed early (``opsim ... | head``) still lets the
    # error line already written to stderr out before os._exit drops it.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
