"""Where replications run: this process, a pool of processes, or a Dask cluster.

An :class:`Executor` applies one function to many items and hands back the
results, either all in order (:meth:`~Executor.map`) or one by one as each
finishes (:meth:`~Executor.completed`), so that a caller can store every
result the moment it exists (a search killed half way then loses only the
items in flight). The function must be a module-level function (it is
pickled by reference) and the items picklable.

- :class:`LocalExecutor`: in this process with ``jobs <= 1``, else one pool
  of ``jobs`` processes, created on first use and kept for every later call
  (a planner evaluates hundreds of candidates: a pool per call would start
  ``jobs`` interpreters each time), whose workers end with the parent.
- :class:`DaskExecutor`: a Dask distributed cluster, reached at an address
  (``tcp://HOST:PORT``) or started on this machine. Dask is an optional
  extra, imported only here and only when asked for.

The results do not depend on where an item ran: each replication draws from
its own random streams (``sim.inputs.streams``).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import importlib.metadata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Protocol, TypeVar

import numpy as np

from rules.errors import Problem, RulesError
from sim.runs.children import die_with_parent

T = TypeVar("T")
R = TypeVar("R")

#: What ``--executor`` accepts.
KINDS = ("local", "dask")
#: Seconds to wait for a Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 15
#: The packages whose code decides a replication's reduced numbers (the
#: layers up to ``sim.analysis``); ``code_version`` hashes their source.
_ENGINE = ("rules", "sim/kernel", "sim/log", "sim/staff", "sim/inputs", "sim/cases", "sim/runs",
           "sim/analysis")
INSTALL_DASK = "install the dask extra: pip install -e '.[dask]'"


class Executor(Protocol):
    def map(self, fn: Callable[[Any], R], items: Sequence[Any]) -> list[R]:
        """``fn`` of every item, in the items' order."""
        ...

    def completed(self, fn: Callable[[Any], R], items: Sequence[Any]) -> Iterator[tuple[int, R]]:
        """``(index, fn(items[index]))`` as each finishes, in any order;
        closing the iterator early cancels what has not started."""
        ...

    def close(self) -> None:
        ...


def _in_order(pairs: Iterator[tuple[int, R]], n: int) -> list[R]:
    out: list[Any] = [None] * n
    for i, result in pairs:
        out[i] = result
    return out


class LocalExecutor:
    """This process (``jobs <= 1``) or one reusable pool of ``jobs`` processes."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # Interrupted (Ctrl-C, an error): stop now, not after the replications
        # in flight, whose results would be thrown away.
        self.close(wait=kind is None)

    def close(self, wait: bool = True) -> None:
        if self._pool is not None:
            if not wait:
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.terminate()
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], R], items: Sequence[Any]) -> list[R]:
        return _in_order(self.completed(fn, items), len(items))

    def completed(self, fn: Callable[[Any], R], items: Sequence[Any]) -> Iterator[tuple[int, R]]:
        # One item and no pool yet: starting processes would cost more than the item.
        if self.jobs <= 1 or (self._pool is None and len(items) <= 1):
            for i, item in enumerate(items):
                yield i, fn(item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=die_with_parent)
        futures: dict[Future[R], int] = {self._pool.submit(fn, item): i
                                         for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the next call starts a new pool.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise RulesError([Problem("--jobs", "", "a worker process died (killed, or out of "
                                      "memory: try fewer --jobs); run the command again to "
                                      "resume (replications done are kept in the cache)")]) from None
        finally:
            for future in futures:
                future.cancel()


def _dask() -> ModuleType:
    try:
        import distributed
    except ImportError:
        raise RulesError([Problem("--executor", "", f"dask is not installed; {INSTALL_DASK}")]) from None
    return distributed


class DaskExecutor:
    """A Dask distributed cluster: the scheduler at ``address``, or with no
    address a cluster of ``jobs`` single-threaded worker processes started
    here (and closed with the executor). The workers need opsim installed,
    the same version: a worker whose code differs is refused, since its
    numbers would not be this version's."""

    def __init__(self, address: str | None = None, jobs: int = 1) -> None:
        distributed = _dask()
        self._cluster = None
        where = address or "a local cluster"
        try:
            if address is None:
                self._cluster = distributed.LocalCluster(
                    n_workers=max(1, jobs), threads_per_worker=1, dashboard_address=None)
                address = self._cluster.scheduler_address
            self._client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            raise RulesError([Problem("--address", "", f"cannot reach the Dask scheduler at {where}: "
                                      f"{exc}")]) from None
        self._as_completed = distributed.as_completed
        self._killed_worker = distributed.KilledWorker
        try:  # a scheduler without workers would take the work and never do it
            self._client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise RulesError([Problem("--address", "", f"the Dask scheduler at {where} has no "
                                      f"workers ({exc}); start some: dask worker {address}")]) from None
        self._check_workers()

    def _check_workers(self) -> None:
        ours = code_version()
        try:
            theirs = self._client.run(code_version)
        except Exception as exc:  # e.g. a worker without opsim (an ImportError, re-raised)
            self.close()
            raise RulesError([Problem("--address", "", f"a Dask worker cannot run opsim: {exc}; "
                                      "install this opsim on every worker")]) from None
        odd = sorted(w for w, v in theirs.items() if v != ours)
        if odd:
            self.close()
            raise RulesError([Problem("--address", "", f"{len(odd)} Dask worker(s) run other opsim "
                                      f"code than this one ({odd[0]}...); install the same version "
                                      "on every worker")])

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map(self, fn: Callable[[Any], R], items: Sequence[Any]) -> list[R]:
        return _in_order(self.completed(fn, items), len(items))

    def completed(self, fn: Callable[[Any], R], items: Sequence[Any]) -> Iterator[tuple[int, R]]:
        if not items:
            return
        # pure=False: every item is its own task (Dask would otherwise hash
        # the scenarios to name the tasks, and merge equal ones).
        futures = self._client.map(fn, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future, result in self._as_completed(futures, with_results=True):
                if future.status != "finished":  # cancelled: Dask hands back the error
                    raise _lost(result)
                yield index[future.key], result
        except (OSError, asyncio.CancelledError, concurrent.futures.CancelledError,
                self._killed_worker) as exc:  # the scheduler or workers went away
            raise _lost(exc) from None
        finally:
            if self._client is not None and self._client.status == "running":
                self._client.cancel(futures)


def _lost(exc: object) -> RulesError:
    why = " ".join(str(exc).split())  # Dask's messages span lines
    return RulesError([Problem("--executor", "", f"the Dask cluster lost the work "
                               f"({type(exc).__name__}: {why}); run the command again to resume "
                               "(replications done are kept in the cache)")])


def make_executor(kind: str, jobs: int, address: str | None = None) -> LocalExecutor | DaskExecutor:
    """The executor ``--executor KIND`` names (``address`` only for dask)."""
    if kind == "local":
        if address is not None:
            raise RulesError([Problem("--address", "", "takes a Dask scheduler; add --executor dask")])
        return LocalExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(address, jobs)
    raise RulesError([Problem("--executor", "", f"unknown executor {kind!r}; one of {', '.join(KINDS)}")])


@lru_cache(maxsize=1)
def code_version() -> str:
    """A tag of the code that computes a replication's numbers: opsim's
    version, numpy's (the random streams) and a hash of the engine's and
    the analysis' source. A cached result is reused only under the same
    tag, and a Dask worker must have the same."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    try:
        h.update(importlib.metadata.version("opsim").encode())
    except importlib.metadata.PackageNotFoundError:
        h.update(b"unversioned")
    h.update(np.__version__.encode())
    for package in _ENGINE:
        for path in sorted((root / package).rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]
