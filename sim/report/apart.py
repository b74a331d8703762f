"""Work done in a second process while this one goes on, where a core is free.

``opsim run`` draws half of its figures in a forked child while the parent
draws the other half (a figure is a few tenths of a second of matplotlib,
all on one core). The child starts as a copy of the parent (``fork``: the
numbers it draws are not pickled), sends its small result back through a
pipe and ends without running the parent's exit handlers. Where ``fork``
is missing (not Linux), or the child fails for a reason of its own, the
work is done in this process instead, so the result never depends on where
it ran.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Apart(Generic[T]):
    """``fn()`` started in a forked child (with ``fork`` and where it can),
    else run by :meth:`result`."""

    def __init__(self, fn: Callable[[], T], fork: bool = True) -> None:
        self._fn = fn
        self._proc: multiprocessing.process.BaseProcess | None = None
        if fork and can_fork():
            ctx = multiprocessing.get_context("fork")
            self._recv, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(fn, send), daemon=True)
            self._proc.start()
            send.close()

    def result(self) -> T:
        """The child's result (waiting for it), or ``fn()`` here if it failed."""
        if self._proc is None:
            return self._fn()
        try:
            ok, value = self._recv.recv()
        except EOFError:
            ok, value = False, None
        finally:
            self._recv.close()
            self._proc.join()
        # A failure of the child alone (killed, out of memory) must not lose
        # the work: it is redone here, where an error of fn itself shows as usual.
        return value if ok else self._fn()


def _child(fn: Callable[[], object], send: Connection) -> None:
    try:
        send.send((True, fn()))
        code = 0
    except BaseException:
        send.send((False, traceback.format_exc()))
        code = 1
    send.close()
    # No exit handlers or buffer flushes: they belong to the parent (a
    # progress thread may hold a stream's lock in the copy this child got).
    os._exit(code)
