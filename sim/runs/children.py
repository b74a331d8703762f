"""The processes a run forks (pool workers, the log's writer, the drawer):
they end with their parent, and the pipes between them are wide.

Here, not in ``runner``, so that every module that forks can use them
without importing the runner (``log_stream`` is imported by it).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from multiprocessing.connection import Connection


def default_jobs() -> int:
    """The processes a run uses unless told: a core each, up to 4 (here, not
    in ``runner``, so that ``opsim run`` knows it before importing numpy)."""
    return max(1, min(4, os.cpu_count() or 1))


#: Linux's prctl option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """A worker's initializer: end with the parent, even when it is killed
    with ``kill -9`` (a pool's workers would otherwise run on, orphaned,
    simulating for no one). Linux only; elsewhere workers end when their
    pipe to the parent closes, as the standard library makes them."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the call above
        os._exit(1)


#: Linux's fcntl option for a pipe's size, and the size asked for (the
#: most an unprivileged process may ask by default).
F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


def widen_pipe(end: Connection) -> None:
    """Make the pipe of ``end`` hold :data:`PIPE_BYTES` (Linux; else as it
    is): with the default 64 kB a writer waits for the reader after each
    64 kB, and a reader busy elsewhere holds the writer up (the drawer,
    drawing, held ``opsim run``'s parent up for 0.4 s with the plots'
    0.45 MB of numbers); a reduction's 15 MB take 15 round trips instead
    of 230."""
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    with contextlib.suppress(OSError):  # a lower cap: the pipe stays as it was, which works
        fcntl.fcntl(end.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
