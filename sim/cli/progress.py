"""What ``opsim run`` shows while it works: every phase, not only the simulation.

In a terminal, one rich progress bar covers the replications and then each
phase after them (summary, files, report), its description naming the phase.
Elsewhere (a log file, CI, a pipe) a bar would print nothing useful, so each
finished replication and phase is one plain line on stderr with the time
since the start: a log then shows that the run is alive and where time goes.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import Progress


class RunProgress:
    """Progress of one run: ``replications`` simulations, then ``phases``."""

    def __init__(self, label: str, replications: int, phases: tuple[str, ...],
                 stream: TextIO | None = None) -> None:
        self.label = label
        self.replications = replications
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.bar: Progress | None = None
        if self.stream.isatty():
            self.bar = Progress(console=Console(file=self.stream), transient=True)
            self.task = self.bar.add_task(f"{label}: replications",
                                          total=replications + len(phases))

    def __enter__(self) -> RunProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def replication_done(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)
        else:
            self._line(f"replication {done}/{self.replications} done")

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Wrap one phase (``summary``, ``files``, ``report``...)."""
        if self.bar is not None:
            self.bar.update(self.task, description=f"{self.label}: {name}")
        yield
        if self.bar is not None:
            self.bar.advance(self.task)
        else:
            self._line(f"{name} done")

    def _line(self, what: str) -> None:
        elapsed = time.perf_counter() - self.t0
        self.stream.write(f"opsim: {self.label}: {what} ({elapsed:.1f} s)\n")
        self.stream.flush()
