"""The ``opsim`` command: parse, dispatch to a command module, and turn bad
input into one line per problem and exit status 2 (never a traceback)."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

# The scenario's models (pydantic's, built as they are imported): before
# ``opsim run``'s worker is forked (:func:`worker_ahead`), which inherits
# them; the loader, its checks and YAML are imported after the fork.
import rules.scenario  # noqa: F401
from rules.errors import RulesError

if TYPE_CHECKING:
    from sim.runs.ahead import Ready

DEFAULT_SCENARIO = "scenarios/baseline.yaml"

#: What the worker of ``opsim run`` imports while this process imports the
#: commands and loads the scenario (numpy too: this process has not yet).
AHEAD_IMPORTS = ("sim.runs.replication", "sim.runs.runner", "sim.analysis.run_parts")


def commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    from sim.cli import check, compare, plan, report, run, show, sweep

    return {"check": check.cmd_check, "show": show.cmd_show, "run": run.cmd_run,
            "compare": compare.cmd_compare, "report": report.cmd_report, "sweep": sweep.cmd_sweep,
            "plan": plan.cmd_plan}


def worker_ahead(argv: Sequence[str]) -> Ready | None:
    """For ``opsim run``: the worker of a one-replication run, forked now,
    before the commands' modules (and the scenario's loader) are imported
    and the arguments parsed (0.07 s), so that its imports (0.15 s) end
    about when the scenario is loaded; ``cmd_run`` closes it unused when the run is not one replication
    with a core to spare (plain ``--no-report`` is known here already)."""
    if list(argv[:1]) != ["run"] or "--no-report" in argv:
        return None
    from sim.runs.ahead import start_ahead

    return start_ahead(AHEAD_IMPORTS)


def build_parser() -> argparse.ArgumentParser:
    from sim.cli import check, compare, plan, report, run, show, sweep

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
    argv = sys.argv[1:] if argv is None else list(argv)
    ready: Ready | None = None
    try:
        ready = worker_ahead(argv)
        args = build_parser().parse_args(argv)
        if args.command == "run":
            from sim.cli.run import cmd_run

            given, ready = ready, None
            return cmd_run(args, given)  # closes the worker
        return commands()[args.command](args)
    except RulesError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError as exc:
        if _reader_gone():
            # The reader went away (``opsim show | head``): not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"error: {exc.strerror or exc}", file=sys.stderr)  # another pipe: ours
        return 2
    except OSError as exc:
        # A place that cannot be written or read (``--out`` on a file, a
        # read-only or full disk): one line, not a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        if ready is not None:  # --help, a usage error: not used
            ready.close()


def _reader_gone() -> bool:
    """Whether standard output is a pipe whose reader closed it (Linux
    polls such a pipe's end as an error); where that cannot be asked
    (a captured stream), whether it could be: yes."""
    import select

    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return True


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
