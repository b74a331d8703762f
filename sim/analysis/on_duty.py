"""On-duty time of one member (:class:`OnDuty`): the hours on duty up to any
moment and whether on duty at it, for utilisation (busy time over on-duty
time), the hourly capacity tables and work outside the shifts.
:mod:`sim.analysis.staffing` builds one per member from
:func:`rules.shifts.role_shifts`."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class OnDuty:
    """Cumulative on-duty time ``F(t)`` of one member, clipped to the horizon."""

    def __init__(self, intervals: Iterable[tuple[float, float]], horizon: float) -> None:
        iv = np.asarray(list(intervals), dtype=float).reshape(-1, 2)
        iv = iv[(iv[:, 1] > 0) & (iv[:, 0] < horizon)]
        self.a = np.maximum(iv[:, 0], 0.0)  # clipped to the horizon
        self.b = np.minimum(iv[:, 1], horizon)
        self.length = self.b - self.a
        self.cum = np.concatenate([[0.0], np.cumsum(self.length)])
        self.total = float(self.cum[-1])

    def F(self, t: np.ndarray) -> np.ndarray:
        """On-duty hours in ``[0, t]``."""
        t = np.asarray(t, dtype=float)
        if self.a.size == 0:
            return np.zeros_like(t)
        i = np.searchsorted(self.a, t, side="right")
        j = np.maximum(i - 1, 0)
        # ``np.clip(t - a, 0, length)``'s numbers (lengths are never
        # negative), by two plain ufuncs: F is called for every member.
        part = np.minimum(np.maximum(t - self.a[j], 0.0), self.length[j])
        return np.where(i > 0, self.cum[j] + part, 0.0)

    def on(self, t: np.ndarray) -> np.ndarray:
        """Whether the member is on duty at ``t``."""
        i = np.searchsorted(self.a, t, side="right") - 1
        ok = i >= 0
        j = np.maximum(i, 0)
        return ok & (t < self.b[j]) if self.a.size else np.zeros(np.shape(t), bool)
