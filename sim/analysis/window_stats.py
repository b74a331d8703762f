"""The met share of a service window, its 95% interval and its verdict
(``sim.analysis.windows`` measures the cases)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.analysis.ci import share_ci
from sim.analysis.grouping import distinct

if TYPE_CHECKING:
    from sim.analysis.windows import WindowCases

#: z of a two-sided 95% interval (Wilson).
Z95 = 1.959963984540054
EPS = 1e-9


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_interval(shares: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of per-replication shares (n >= 2),
    kept within [0, 1]."""
    _, lo, hi = share_ci(shares, level)
    return lo, hi


def verdict(ci: tuple[float, float], target: float | None, due: int) -> str:
    """``met`` when the interval lies at or above the target, ``not met``
    when it lies below, otherwise ``undecided``."""
    if due == 0:
        return "no cases"
    if target is None:
        return "no target"
    if ci[0] >= target - EPS:
        return "met"
    if ci[1] < target - EPS:
        return "not met"
    return "undecided"


def met_interval(wc: WindowCases, reps: int) -> tuple[tuple[float, float], str]:
    """95% interval of the met share and the method used."""
    due = ~wc.open_not_due
    rep = wc.replication[due]
    met = wc.met[due]
    ids = distinct(rep)  # one replication's cases: one value, no sort
    if len(ids) >= 2 and reps >= 2:
        shares = np.asarray([met[rep == r].mean() for r in ids])
        lo, hi = t_interval(shares)
        if hi - lo > EPS:
            return (lo, hi), f"t across {len(ids)} replications"
        # Every replication had the same share (all met, typically): the
        # t-interval collapses to a point, which would claim certainty from
        # a few cases. The pooled cases' binomial interval does not.
        return (wilson(int(met.sum()), int(met.size)),
                f"wilson (pooled: all {len(ids)} replications had the same share)")
    note = "wilson (1 replication)" if reps == 1 else f"wilson (only {len(ids)} replication with cases)"
    return wilson(int(met.sum()), int(met.size)), note
