"""Where a search's replications run and where they are kept: ``--jobs``,
``--executor local|dask``, ``--address`` and ``--no-cache``, shared by the
commands that evaluate many points (``sweep``, ``plan``)."""
from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rules.errors import Problem, RulesError

if TYPE_CHECKING:
    from sim.runs.cache import PointCache
    from sim.runs.executor import DaskExecutor, LocalExecutor

#: ``sim.runs.executor.KINDS``, without importing the engine to build the parser.
KINDS = ("local", "dask")


def add_execution_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=int, default=0,
                   help="processes, or with --executor dask and no --address the local "
                        "cluster's workers (default: up to 4 cores)")
    p.add_argument("--executor", choices=KINDS, default="local",
                   help="local: processes on this machine; dask: a Dask cluster (the extra: "
                        "pip install -e '.[dask]')")
    p.add_argument("--address", default=None, metavar="tcp://HOST:PORT",
                   help="the Dask scheduler of an existing cluster (default with --executor "
                        "dask: a cluster started on this machine)")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor keep evaluated replications in <out>.cache")


@contextmanager
def execution(args: argparse.Namespace,
              out: Path) -> Iterator[tuple[LocalExecutor | DaskExecutor, PointCache | None]]:
    """The executor the options name (closed after the block) and the cache
    beside ``out`` (None with ``--no-cache``)."""
    # Imported on use, as the commands do (see sim.cli.run).
    from sim.runs.cache import PointCache
    from sim.runs.executor import make_executor
    from sim.runs.runner import default_jobs

    if args.jobs < 0:
        raise RulesError([Problem("--jobs", "", f"must be >= 0, got {args.jobs}")])
    cache = None if args.no_cache else PointCache.beside(out)
    with make_executor(args.executor, args.jobs or default_jobs(), args.address) as executor:
        yield executor, cache


def cache_note(cache: PointCache | None) -> str:
    """One line on what the cache gave (empty without one)."""
    if cache is None:
        return ""
    if cache.problem is not None:
        return (f"{cache.hits} replications read from the cache, {cache.writes} kept; "
                f"{cache.problem} (the results are complete; a run again computes the rest again)")
    return (f"{cache.hits} replications read from the cache, {cache.writes} computed and kept "
            f"in {cache.directory}")
