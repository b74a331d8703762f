"""One replication in a worker whose reduction goes ahead in parts
(``runner.run_reduced``'s ``ahead``, what ``opsim run -n 1`` does with a
core to spare): the worker, the pipe its parts come through, the memory
the parent shares with it, and the worker started ahead of the scenario.

The parent makes two ``memfd``s before the worker is forked: the log's
(the worker streams the replication into it, ``log_stream``, and the
parent reads the log there as the simulation ends, ``SharedLog``) and the
result's (the worker writes its result's arrays there, :class:`_OutOfBand`).

:func:`start_ahead` forks the worker before the caller loads the scenario
(and before numpy is imported: the worker imports it, the engine and the
reduction while the parent loads the scenario), and :meth:`Ready.begin`
sends it its work as soon as the scenario is loaded, naming the functions
it runs (:class:`ByName`) rather than importing them first: the
simulation then starts before the parent has imported what follows it.

The worker is a plain forked process whose ends of the pipes and memory
are the arguments of its function (:func:`_serve`), not a pool's worker
holding them in module globals: it sends its failure, as its result,
through the pipe.
"""
from __future__ import annotations

import contextlib
import importlib
import mmap
import multiprocessing
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.runs.children import die_with_parent, widen_pipe

if TYPE_CHECKING:
    from rules.scenario import Scenario

#: What the parent does with the first part of a reduction sent ahead, given
#: a function that tells whether the worker still reduces (see ``run_reduced``).
Ahead = Callable[[object, Callable[[], bool]], None]
#: What sends a worker's first part to the parent.
Send = Callable[[object], None]


def ignore(_value: object) -> None:
    pass


def forks() -> bool:
    # The pipe reaches the worker by inheritance: forked by name (Python
    # 3.14 makes forkserver the default on Linux).
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class ByName:
    """A module-level function named by its module and name, imported when
    called: the work sent by :meth:`Ready.begin` before the parent has
    imported the runner and the reduction (it pickles as two strings)."""
    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)


#: The worker's function for one replication (``runner._one_reduced``).
ONE = ByName("sim.runs.runner", "_one_reduced")


def named(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` as a :class:`ByName` when its module holds it under its name
    (else itself, pickled as it is): the same function given either way
    compares equal (:func:`reduced_ahead` checks the work begun)."""
    if isinstance(f, ByName):
        return f
    module, name = getattr(f, "__module__", None), getattr(f, "__qualname__", None)
    if isinstance(module, str) and isinstance(name, str) and getattr(sys.modules.get(module), name,
                                                                     None) is f:
        return ByName(module, name)
    return f


@dataclass
class _Reduced:
    """A worker's whole result, after its first part, through the same pipe."""
    result: tuple


@dataclass
class _Failed:
    """The worker's exception and its traceback's text."""
    error: BaseException
    trace: str


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


def _result(result: tuple, memory: int) -> _Reduced | _OutOfBand:
    """What carries ``result`` to the parent: its arrays written into the
    parent's ``memfd``, else (no room: ``OSError``) all of it through the pipe."""
    reduced = _Reduced(result)
    try:
        return _out_of_band(reduced, memory)
    except OSError:
        return reduced


def _serve(send: Connection, work: Connection, memory: int, parents: tuple[Connection, ...],
           modules: tuple[str, ...]) -> None:
    """The worker's life: import ``modules``, then do the one job the parent
    sends (straight through a pipe), or nothing if it sends none; the
    result, or the failure, goes back through ``send``."""
    die_with_parent()
    for end in parents:  # the parent's ends, copied by the fork: its closing them must be the end
        end.close()
    try:
        for name in modules:
            importlib.import_module(name)
        try:
            job = work.recv()
        except EOFError:  # the parent ended
            return
        if job is None:  # not used
            return
        one, args = job
        # The work as ``runner._one_reduced`` takes it, with this worker's
        # pipe as where the first part goes.
        send.send(_result(one((*args[:7], send.send, *args[8:])), memory))
    except BaseException as exc:
        trace = traceback.format_exc()
        with contextlib.suppress(BaseException):  # the parent gone, or the error unpicklable
            try:
                send.send(_Failed(exc, trace))
            except (pickle.PicklingError, TypeError, AttributeError):
                send.send(_Failed(RuntimeError(f"{type(exc).__name__}: {exc}"), trace))


class Ready:
    """A worker for one replication sent ahead, forked and waiting for its
    work (:func:`start_ahead`): its process, the pipe its parts come through
    and the two ``memfd``s. :meth:`close` when not used."""

    def __init__(self, modules: tuple[str, ...] = ()) -> None:
        self.recv, send = multiprocessing.Pipe(duplex=False)
        widen_pipe(send)
        work, self.work = multiprocessing.Pipe(duplex=False)
        widen_pipe(self.work)
        self.memory = os.memfd_create("opsim-log", os.MFD_CLOEXEC)
        self.results = os.memfd_create("opsim-result", os.MFD_CLOEXEC)
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(send, work, self.results, (self.recv, self.work), modules),
            name="opsim-worker")
        self.process.start()
        send.close()  # the worker has its copies: theirs are the pipes' other ends
        work.close()
        self.closed = False
        #: The job sent by :meth:`begin`, as sent.
        self.begun: tuple | None = None

    def fds(self) -> tuple[int, ...]:
        """The files of this process that a child forked later must close
        (the shared memory lives as long as any process has it open; a
        pipe's end kept open by such a child, the drawer, would leave the
        worker blocked writing to it when the parent gives up on a failure,
        and the parent waiting for it: review 11b item 1)."""
        return (self.memory, self.results, self.recv.fileno(), self.work.fileno())

    def begin(self, s: Scenario, seed: int, reducer: Callable[..., Any], events: Path | None,
              csv_parts: Path | None, apart: bool, one: Callable[[Any], tuple] = ONE) -> None:
        """Send the worker its work now: replication 0 of ``s`` reduced by
        ``reducer`` (a :class:`ByName` if the caller has not imported it),
        its records written into ``events`` (and ``csv_parts``; see
        ``runner.Work``); :func:`reduced_ahead`, given the same work, then
        only waits for it."""
        job = (named(one), (s, 0, seed, named(reducer), events, csv_parts, apart, None, self.memory))
        with contextlib.suppress(OSError):
            # A worker gone already (its imports failed, or it was killed)
            # has said why, or not: :func:`reduced_ahead` reads it and raises,
            # as for a worker that fails later (review 12: the broken pipe
            # read as "the reader went away" ended the run silently, exit 0).
            self.work.send(job)
        self.begun = job

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
        if wait:
            if self.process.is_alive():
                self.process.terminate()  # its log's writer ends with it (die_with_parent)
            self.process.join()
        else:  # not waited for, but reaped when it comes
            threading.Thread(target=self.process.join, daemon=True).start()


def start_ahead(modules: tuple[str, ...] = ()) -> Ready | None:
    """The worker of a one-replication run sent ahead, forked now and
    importing ``modules`` while the caller loads its scenario (``run_reduced``'s
    ``ready``); None where there is no ``fork``."""
    return Ready(modules) if forks() else None


def _same_work(begun: tuple, one: Callable[[Any], tuple], work: tuple) -> bool:
    """Whether the job ``begun`` is ``one(work)`` (the scenario the same object)."""
    begun_one, (s, rep, seed, reducer, events, csv_parts, apart, _, _) = begun
    return (begun_one == named(one) and s is work[0] and (rep, seed, events, csv_parts, apart)
            == (work[1], work[2], work[4], work[5], work[6]) and reducer == named(work[3]))


def reduced_ahead(one: Callable[[Any], tuple], work: tuple, ahead: Ahead,
                  meanwhile: Callable[[], None] | None, ready: Ready | None = None) -> tuple:
    """``one(work)`` in a worker (``ready``, else one started here) whose
    reducer sends its first part ahead (see ``run_reduced``); the rest of
    the result follows through the same pipe, its arrays written into the
    parent's ``memfd`` (``_OutOfBand``) where there is room. A ``ready``
    that :meth:`~Ready.begin` gave other work is closed, unused."""
    from sim.runs.log_stream import SharedLog  # numpy: see Ready.begin

    if ready is not None and ready.begun is not None and not _same_work(ready.begun, one, work):
        ready.close()
    ready = ready if ready is not None and not ready.closed else Ready()
    done: Callable[[], None] | None = None
    try:
        if ready.begun is None:
            ready.begin(work[0], work[2], work[3], work[4], work[5], work[6], one)
        done = aside(meanwhile) if meanwhile is not None else None
        got = _next_part(ready)
        if done is not None:
            wait_for_it, done = done, None
            wait_for_it()
        if got is not None and not isinstance(got[0], (_Reduced, _OutOfBand, _Failed)):
            first = got[0].open(ready.memory) if isinstance(got[0], SharedLog) else got[0]
            del got
            ahead(first, lambda: not ready.recv.poll())
            del first  # the log's pages are the worker's to free
            got = _next_part(ready)
        if got is not None and isinstance(got[0], _OutOfBand):
            got = (got[0].load(ready.results),)
        if got is not None and isinstance(got[0], _Failed):
            raise got[0].error from RuntimeError(f"in the worker:\n{got[0].trace}")
        if got is None or not isinstance(got[0], _Reduced):
            raise RuntimeError(f"the worker ended without its result (exit code {ready.process.exitcode})")
        result: tuple = got[0].result
    except BaseException:
        ready.close(wait=True)  # as ``with``: no worker left writing
        if done is not None:  # nor this process's work going on after the failure
            with contextlib.suppress(BaseException):
                done()
        raise
    # The worker's exit (it frees the replication's few hundred MB) is not waited for.
    ready.close(wait=False)
    return result


#: How much lower than this process's the priority of :func:`aside`'s thread is.
ASIDE_NICE = 10


def aside(work: Callable[[], None]) -> Callable[[], None]:
    """Start ``work`` in a thread of lower priority (on Linux a thread has
    its own nice value) and return what waits for it (raising what it
    raised). While the worker simulates, this process's work (imports, the
    staffing, figures built ahead: 0.5-0.7 s of CPU) at this process's
    priority drew the drawer's and the log writer's (niced) work onto the
    simulation's core, where the scheduler's balance put one of them: the
    simulation lost 0.07-0.13 s waiting for its core. At the drawer's
    priority this work shares the other core with them instead."""
    failed: list[BaseException] = []

    def run() -> None:
        with contextlib.suppress(OSError, AttributeError):  # elsewhere: as it is
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           os.getpriority(os.PRIO_PROCESS, 0) + ASIDE_NICE)
        try:
            work()
        except BaseException as exc:  # raised where it is waited for
            failed.append(exc)

    thread = threading.Thread(target=run, name="opsim-meanwhile", daemon=True)
    thread.start()

    def wait_for_it() -> None:
        thread.join()
        if failed:
            raise failed[0]
    return wait_for_it


def _next_part(ready: Ready) -> tuple[object] | None:
    """What the worker sent next, or None if it ended without (failed).
    The pipe's end may stay open in the records' writer a while after the
    worker ended: its end is watched too."""
    wait([ready.recv, ready.process.sentinel])
    if not ready.recv.poll():
        return None
    try:
        return (ready.recv.recv(),)
    except (EOFError, OSError):
        return None
