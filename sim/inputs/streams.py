"""Independent random streams, one per source, from one seed.

A stream's seed depends only on (seed, replication, source name), never on
which other sources exist or in which order they draw. So two scenarios that
differ in staffing draw the same demand (common random numbers), and adding a
workflow does not disturb the others.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from rules.distributions import Duration

BLOCK = 512


class Streams:
    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._made: dict[str, np.random.Generator] = {}

    def rng(self, source: str) -> np.random.Generator:
        """The generator of ``source`` (made once per name)."""
        gen = self._made.get(source)
        if gen is None:
            key = (self.replication, zlib.crc32(source.encode("utf-8")))
            gen = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
            self._made[source] = gen
        return gen

    def uniforms(self, source: str) -> Callable[[], float]:
        """A fast U(0,1) draw function for ``source``, buffered in blocks."""
        return _buffered(self.rng(source), lambda g: g.random(BLOCK))

    def durations(self, source: str, spec: Duration) -> Callable[[], float]:
        """A draw function for a duration spec (hours) on its own stream,
        drawn in vectorised blocks: same sequence, a fraction of the cost."""
        return _buffered(self.rng(source), lambda g: spec.block(g, BLOCK))


def _buffered(rng: np.random.Generator, block: Callable[[np.random.Generator], np.ndarray]
              ) -> Callable[[], float]:
    buf: list[float] = []

    def draw() -> float:
        if not buf:
            buf.extend(block(rng).tolist()[::-1])
        return buf.pop()
    return draw
