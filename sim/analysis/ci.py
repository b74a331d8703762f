"""Confidence intervals across replications.

Each replication gives one value of a statistic; the interval is the
Student t-interval of their mean. Differences between two scenarios are
paired when the replications share random numbers (same seed, same
replication index), Welch's otherwise.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

LEVEL = 0.95


# Student's t from scipy.special, which is what scipy.stats.t calls (ppf is
# stdtrit, sf is stdtr at -x): the same numbers, without importing
# scipy.stats (0.7-1.3 s, a tenth of a one-replication run).
def _t_ppf(q: float, df: float) -> float:
    from scipy import special  # on use: 0.2 s that a worker reducing a replication need not pay

    return float(special.stdtrit(df, q))


def _t_sf(x: float, df: float) -> float:
    from scipy import special

    return float(special.stdtr(df, -x))


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a)]


def mean_ci(x: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the t-interval; NaN bounds with fewer than
    two finite values, NaN everywhere with none."""
    a = _finite(x)
    if a.size == 0:
        return math.nan, math.nan, math.nan
    m = float(a.mean())
    if a.size < 2:
        return m, math.nan, math.nan
    half = float(_t_ppf(0.5 + level / 2, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size))
    return m, m - half, m + half


def nonnegative_ci(x: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """:func:`mean_ci` of a quantity that cannot be negative (waits, hours,
    cycle times): the lower bound is kept at zero (with two replications a
    mean wait's t-interval reached [-0.96, 3.48] h)."""
    m, lo, hi = mean_ci(x, level)
    return m, lo if math.isnan(lo) else max(0.0, lo), hi


def share_ci(x: Sequence[float] | np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """:func:`mean_ci` of shares (values in [0, 1]), the bounds kept in [0, 1]."""
    m, lo, hi = mean_ci(x, level)
    return m, lo if math.isnan(lo) else max(0.0, lo), hi if math.isnan(hi) else min(1.0, hi)


def paired_diff(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                level: float = LEVEL) -> dict:
    """``b - a`` replication by replication (common random numbers)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in size: {x.size} and {y.size}")
    d = y - x
    d = d[np.isfinite(d)]
    m, lo, hi = mean_ci(d, level)
    p = math.nan
    if d.size >= 2:
        sd = d.std(ddof=1)
        p = 1.0 if sd == 0 and m == 0 else (
            0.0 if sd == 0 else float(2 * _t_sf(abs(m) / (sd / math.sqrt(d.size)), d.size - 1)))
    return _verdict(m, lo, hi, p, "paired t", int(d.size))


def welch_diff(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
               level: float = LEVEL) -> dict:
    """``mean(b) - mean(a)`` for independent samples (Welch's t)."""
    x, y = _finite(a), _finite(b)
    if x.size == 0 or y.size == 0:
        return _verdict(math.nan, math.nan, math.nan, math.nan, "welch t", 0)
    m = float(y.mean() - x.mean())
    if x.size < 2 or y.size < 2:
        return _verdict(m, math.nan, math.nan, math.nan, "welch t", int(min(x.size, y.size)))
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return _verdict(m, m, m, 1.0 if m == 0 else 0.0, "welch t", int(min(x.size, y.size)))
    df = (vx + vy) ** 2 / (vx ** 2 / (x.size - 1) + vy ** 2 / (y.size - 1))
    half = float(_t_ppf(0.5 + level / 2, df) * se)
    p = float(2 * _t_sf(abs(m) / se, df))
    return _verdict(m, m - half, m + half, p, "welch t", int(min(x.size, y.size)))


def _verdict(m: float, lo: float, hi: float, p: float, test: str, n: int) -> dict:
    significant = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
    return {"diff": m, "ci95": [lo, hi], "p_value": p, "test": test, "n": n,
            "significant": significant}


def clean(obj):
    """JSON-ready copy: NaN and infinities become None, numpy scalars plain."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [clean(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj
