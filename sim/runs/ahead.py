"""One replication in a worker whose reduction goes ahead in parts
(``runner.run_reduced``'s ``ahead``, what ``opsim run -n 1`` does with a
core to spare): the worker, the pipe its parts come through, the memory
the parent shares with it, and the worker started ahead of the scenario.

The parent makes two ``memfd``s before the worker is forked: the log's
(the worker streams the replication into it, ``log_stream``, and the
parent reads the log there as the simulation ends, ``SharedLog``) and the
result's (the worker writes its result's arrays there, :class:`_OutOfBand`).

:func:`start_ahead` forks the worker before the caller loads the scenario,
so that the worker's imports (the engine, the reduction: 0.05 s) and the
pool's start (0.025 s) overlap the loading instead of following it.
"""
from __future__ import annotations

import contextlib
import importlib
import mmap
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from sim.runs.children import die_with_parent, widen_pipe
from sim.runs.log_stream import SharedLog

#: What the parent does with the first part of a reduction sent ahead, given
#: a function that tells whether the worker still reduces (see ``run_reduced``).
Ahead = Callable[[object, Callable[[], bool]], None]

#: In a worker of a run whose reduction goes ahead in two parts: the pipe
#: to the parent (set by the pool's initializer, :func:`_ahead_worker`)...
_AHEAD: Connection | None = None
#: ... a ``memfd`` of the parent's for the arrays of its result...
_RESULT_MEMORY: int | None = None
#: ... and the pipe its work comes through (:func:`_serve`).
_WORK: Connection | None = None


def _ahead_worker(send: Connection, memory: int | None = None, work: Connection | None = None,
                  parents: tuple[Connection, ...] = ()) -> None:
    global _AHEAD, _RESULT_MEMORY, _WORK
    die_with_parent()
    for end in parents:  # the parent's ends, copied by the fork: its closing them must be the end
        end.close()
    _AHEAD, _RESULT_MEMORY, _WORK = send, memory, work


def send_ahead(value: object) -> None:
    """In a worker: ``value`` to the parent, if it is a worker sending ahead."""
    if _AHEAD is not None:
        _AHEAD.send(value)


def ignore(_value: object) -> None:
    pass


def forks() -> bool:
    # The pipe reaches the worker by inheritance: the pool forks it, by
    # name (Python 3.14 makes forkserver the default on Linux).
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@dataclass
class _Reduced:
    """A worker's whole result, after its first part, through the same pipe."""
    result: tuple


def _one_ahead(job: tuple[Callable[[Any], tuple], tuple]) -> None:
    """``one(work)`` (``runner._one_reduced``) whose result goes the way its
    first part went: its arrays into the parent's memory when it gave some
    (``_RESULT_MEMORY``), the rest through the pipe."""
    one, work = job
    result = _Reduced(one(work))
    if _RESULT_MEMORY is not None:
        with contextlib.suppress(OSError):  # no room: all through the pipe
            send_ahead(_out_of_band(result, _RESULT_MEMORY))
            return
    send_ahead(result)


def _serve(modules: tuple[str, ...]) -> None:
    """The worker's one task: import ``modules``, then do the work the
    parent sends (straight through a pipe: through the pool's queue it took
    0.015 s of its threads to arrive), or nothing if it sends none."""
    for name in modules:
        importlib.import_module(name)
    if _WORK is None:
        raise RuntimeError("_serve runs only in a worker started by Ready (its pipe not set)")
    try:
        job = _WORK.recv()
    except EOFError:  # the parent ended
        return
    if job is not None:  # None: not used
        _one_ahead(job)


@dataclass
class _OutOfBand:
    """A pickle whose buffers (the arrays' data) are in a ``memfd``, each
    at its offset: the result of Double 11's reduction is 15 MB, which
    through the pipe took 0.035 s of the worker and the parent, both
    waiting (pickled, written, read, unpickled: four copies)."""
    data: bytes
    places: list[tuple[int, int]]

    def load(self, memory: int) -> object:
        size = max((at + n for at, n in self.places if n), default=0)
        whole = memoryview(mmap.mmap(memory, size)) if size else memoryview(bytearray())
        return pickle.loads(self.data, buffers=[whole[at:at + n] if n else memoryview(bytearray())
                                                for at, n in self.places])


#: Each buffer's offset is a multiple of this (the arrays' data stay aligned).
ALIGN = 64


def _out_of_band(value: object, memory: int) -> _OutOfBand:
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    places, at = [], 0
    for b in buffers:
        raw = b.raw()
        done = 0
        while done < raw.nbytes:
            done += os.pwrite(memory, raw[done:], at + done)
        places.append((at, raw.nbytes))
        at += raw.nbytes + (-raw.nbytes % ALIGN)
    return _OutOfBand(data, places)


class Ready:
    """A worker for one replication sent ahead, forked and waiting for its
    work (:func:`start_ahead`): its pool, the pipe its parts come through
    and the two ``memfd``s. :meth:`close` when not used."""

    def __init__(self, modules: tuple[str, ...] = ()) -> None:
        self.recv, send = multiprocessing.Pipe(duplex=False)
        widen_pipe(send)
        work, self.work = multiprocessing.Pipe(duplex=False)
        widen_pipe(self.work)
        self.memory = os.memfd_create("opsim-log", os.MFD_CLOEXEC)
        self.results = os.memfd_create("opsim-result", os.MFD_CLOEXEC)
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                        initializer=_ahead_worker,
                                        initargs=(send, self.results, work, (self.recv, self.work)))
        #: The worker's task (forked in submit): done when its work is.
        self.done: Future = self.pool.submit(_serve, modules)
        send.close()  # the worker has its copies: theirs are the pipes' other ends
        work.close()
        self.closed = False

    def fds(self) -> tuple[int, ...]:
        """The files of this process that a child forked later must close
        (the shared memory lives as long as any process has it open; a
        pipe's end kept open by such a child, the drawer, would leave the
        worker blocked writing to it when the parent gives up on a failure,
        and the parent waiting for the worker: review 11b item 1)."""
        return (self.memory, self.results, self.recv.fileno(), self.work.fileno())

    def close(self, wait: bool = True) -> None:
        """The worker ends (at once, its work cancelled, unless ``wait`` is
        False: then when it is done) and the parent's ends are closed."""
        if self.closed:
            return
        self.closed = True
        # A worker still waiting for work ends (not by the pipe's end: a
        # process forked since, the drawer, may hold a copy of this end).
        with contextlib.suppress(OSError):
            self.work.send(None)
        self.work.close()
        self.recv.close()
        os.close(self.memory)  # what is mapped of them stays readable
        os.close(self.results)
        self.pool.shutdown(wait=wait, cancel_futures=wait)


def start_ahead(modules: tuple[str, ...] = ()) -> Ready | None:
    """The worker of a one-replication run sent ahead, forked now and
    importing ``modules`` while the caller loads its scenario (``run_reduced``'s
    ``ready``); None where there is no ``fork``."""
    return Ready(modules) if forks() else None


def reduced_ahead(one: Callable[[Any], tuple], work: tuple, ahead: Ahead,
                  meanwhile: Callable[[], None] | None, ready: Ready | None = None) -> tuple:
    """``one(work)`` in a worker (``ready``, else one started here) whose
    reducer sends its first part ahead (see ``run_reduced``); the rest of
    the result follows through the same pipe, its arrays written into the
    parent's ``memfd`` (``_OutOfBand``) where there is room."""
    ready = ready if ready is not None and not ready.closed else Ready()
    try:
        ready.work.send((one, (*work[:7], True, ready.memory)))
        done = ready.done
        if meanwhile is not None:
            meanwhile()
        got = _next_part(ready.recv, done)
        if got is not None and not isinstance(got[0], (_Reduced, _OutOfBand)):
            first = got[0].open(ready.memory) if isinstance(got[0], SharedLog) else got[0]
            del got
            ahead(first, lambda: not done.done())
            del first  # the log's pages are the worker's to free
            got = _next_part(ready.recv, done)
        if got is not None and isinstance(got[0], _OutOfBand):
            got = (got[0].load(ready.results),)
        if got is None or not isinstance(got[0], _Reduced):
            done.result()  # a worker's failure raises here
            raise RuntimeError("the worker ended without its result")
        result: tuple = got[0].result
    except BaseException:
        ready.close(wait=True)  # as ``with``: no worker left writing
        raise
    # The worker's exit (it frees the replication's few hundred MB) is not waited for.
    ready.close(wait=False)
    return result


def _next_part(recv: Connection, done: Future) -> tuple[object] | None:
    """What the worker sent next, or None if it ended without (failed)."""
    while not recv.poll(0.05):
        if done.done() and not recv.poll():  # the pipe may stay open in the records' writer a while
            return None
    try:
        return (recv.recv(),)
    except (EOFError, OSError):
        return None
