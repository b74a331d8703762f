"""Work done in a second process while this one goes on, where a core is free.

``opsim run`` starts a child at once that imports matplotlib, draws the
plots of the scenario alone while the simulation runs, then waits for the
run's plot numbers and draws half of the run's plots while the parent
writes the summary and files and draws the other half (a figure is a few
tenths of a second of matplotlib, all on one core). The child is forked
while the parent is still small (its resident memory is not the run's),
receives its input and sends its small result through pipes, and ends
without running the parent's exit handlers. Where ``fork`` is missing (not
Linux), or the child fails for a reason of its own, the work is done in
this process instead, so the result never depends on where it ran.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from sim.runs.children import die_with_parent, widen_pipe

T = TypeVar("T")


class Inbox:
    """The work's input: each call returns the next value the parent sent
    (waiting for it); :meth:`waiting` says whether one is there already."""

    def __init__(self, get: Callable[[], Any], waiting: Callable[[], bool]) -> None:
        self._get = get
        self.waiting = waiting

    def __call__(self) -> Any:
        return self._get()


#: The work: given its input, returns its result.
Work = Callable[[Inbox], T]


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Apart(Generic[T]):
    """``work(get)`` in a forked child (with ``fork`` and where it can; its
    priority lowered by ``nice``), else run by :meth:`result`; each ``get()``
    returns the next value :meth:`send` gave, in order (the work may start
    on a first part of its input), and ``get.waiting()`` whether one is
    there to be read (the work may stop what it does ahead of it)."""

    def __init__(self, work: Work[T], fork: bool = True, nice: int = 0) -> None:
        self._work = work
        self._inputs: list[Any] = []
        self._read = 0
        self._proc: multiprocessing.process.BaseProcess | None = None
        if fork and can_fork():
            ctx = multiprocessing.get_context("fork")
            self._recv, their_send = ctx.Pipe(duplex=False)
            their_recv, self._send = ctx.Pipe(duplex=False)
            widen_pipe(self._send)  # a send does not wait for the child to be done drawing
            self._proc = ctx.Process(target=_child, args=(work, their_recv, their_send,
                                                          (self._recv, self._send), nice), daemon=True)
            self._proc.start()
            their_send.close()
            their_recv.close()

    def send(self, value: object) -> None:
        """The next part of the work's input."""
        self._inputs.append(value)
        if self._proc is not None and not self._send.closed:
            try:
                self._send.send(value)
            except OSError:  # the child is gone: result() redoes the work here
                self._send.close()

    def result(self) -> T:
        """The child's result (waiting for it), or the work done here if it failed."""
        if self._proc is None:
            return self._work(self._inbox())
        if not self._send.closed:
            self._send.close()  # no more input: a child that waits for more ends
        try:
            ok, value = self._recv.recv()
        except (EOFError, OSError):
            ok, value = False, None
        finally:
            self._recv.close()
            self._proc.join()
        # A failure of the child alone (killed, out of memory) must not lose
        # the work: it is redone here, where an error of the work itself shows as usual.
        self._read = 0
        return value if ok else self._work(self._inbox())

    def close(self) -> None:
        """End the child if it still runs (the caller failed and will not
        wait for it: it must not write into a directory being removed)."""
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()

    def _inbox(self) -> Inbox:
        return Inbox(self._get, lambda: self._read < len(self._inputs))

    def _get(self) -> Any:
        if self._read >= len(self._inputs):
            raise ValueError("Apart.result() before send(): the work has no more input")
        self._read += 1
        return self._inputs[self._read - 1]


def _child(work: Work[object], recv: Connection, send: Connection,
           parents: tuple[Connection, ...], nice: int) -> None:
    code = 1
    try:
        if nice:
            os.nice(nice)
        # Ends with the parent, even one killed: an orphan would wait for
        # input forever. Without the parent's ends of the pipes, which the
        # fork copied, a parent gone is also an end of input here.
        die_with_parent()
        for end in parents:
            end.close()
        send.send((True, work(Inbox(recv.recv, recv.poll))))
        code = 0
    except BaseException:
        with contextlib.suppress(OSError):
            send.send((False, traceback.format_exc()))
    finally:
        # No exit handlers or buffer flushes: they belong to the parent (a
        # progress thread may hold a stream's lock in the copy this child got).
        os._exit(code)
