"""The numbers the plots draw, apart from the drawing.

A run's plots need a few hundred kilobytes of numbers (hourly queues, the
waits' quantiles, the daily table, the time breakdown), not its staff rows:
:func:`plot_numbers` computes them once from the run's merged view,
``opsim run`` saves them in the run directory (``sim.analysis.aggregates``)
and ``opsim report DIR`` draws from them without reading the event log.
The figures then show exactly the same numbers however they were reached.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rules.scenario import Scenario
from sim.analysis import plot_data as pdata
from sim.analysis.run_parts import RunView
from sim.report.tables import daily_roles

#: Most points of one role's ECDF (quantiles of its waits, evenly spaced).
ECDF_POINTS = 400
#: Fewest steps a role needs for its ECDF to be drawn.
ECDF_MIN_STEPS = 5


@dataclass
class Ecdf:
    """One role's waits as the ECDF plot reads them."""
    quantiles: np.ndarray  # at ECDF levels evenly spaced from 0 to 1
    p50: float
    p95: float
    steps: int
    never_started: float  # share of the steps still waiting at the horizon


@dataclass
class PlotNumbers:
    """What the run's plots draw (the staffing plot and window compliance
    come from the scenario and the summary)."""
    replications: int
    roles: list[str]
    #: Per role with a queue: hourly mean over the replications, and (more
    #: than one replication) the lowest and highest replication, rows 1 and 2.
    queues: dict[str, np.ndarray]
    ecdf: dict[str, Ecdf]
    #: ``sim.report.tables.daily_roles``: arrays shaped ``(roles, days)``.
    daily: dict[str, np.ndarray]
    #: Per workflow: mean step-hours per case in each of ``plot_data.TIME_PARTS``.
    breakdown: dict[str, dict[str, float]]


def wait_numbers(view: RunView) -> PlotNumbers:
    """The numbers of the waits' ECDF alone (the rest empty): a few
    hundredths of a second, so that the plot drawn apart first can start
    while :func:`plot_numbers` computes the rest."""
    st = view.st
    ecdf = {}
    for role, (w, started) in pdata.waits_by_role(st).items():
        if w.size < ECDF_MIN_STEPS:
            continue
        # One partition of the waits for the ECDF's levels and the median
        # and 95th percentile (``np.percentile(w, [50, 95])``'s levels):
        # each quantile is computed alone, so the numbers are the same.
        levels = np.linspace(0, 1, min(w.size, ECDF_POINTS))
        q = np.quantile(w, np.r_[levels, 0.5, 0.95])
        ecdf[role] = Ecdf(q[:-2], float(q[-2]), float(q[-1]), int(w.size),
                          float(1 - started.mean()))
    return PlotNumbers(st.R, list(st.roles), {}, ecdf, {}, {})


def plot_numbers(s: Scenario, view: RunView, waits: PlotNumbers | None = None) -> PlotNumbers:
    """Every plot's numbers; ``waits``: :func:`wait_numbers` of ``view``, when
    already computed."""
    st = view.st
    queues = {}
    for role, level in pdata.queue_hourly_by_rep(st).items():
        rows = [level.mean(axis=0)]
        if st.R > 1:
            rows += [level.min(axis=0), level.max(axis=0)]
        queues[role] = np.stack(rows)
    ecdf = (waits if waits is not None else wait_numbers(view)).ecdf
    breakdown = pdata.time_breakdown_of(s, st, view.workflows, view.starts, view.out_code,
                                        view.out_enable, view.out_end, view.out_wait)
    return PlotNumbers(st.R, list(st.roles), queues, ecdf, daily_roles(st), breakdown)


# -- saved and read back (named arrays and a JSON-able index) ------------------

def numbers_to_arrays(p: PlotNumbers) -> tuple[dict, dict[str, np.ndarray]]:
    """``p`` as a JSON-able index and named arrays (``sim.analysis.aggregates``)."""
    arrays: dict[str, np.ndarray] = {}
    for role, q in p.queues.items():
        arrays[f"queue/{role}"] = q
    for role, e in p.ecdf.items():
        arrays[f"ecdf/{role}"] = e.quantiles
    for name, a in p.daily.items():
        arrays[f"daily/{name}"] = a
    index = {"replications": p.replications, "roles": p.roles, "queues": list(p.queues),
             "ecdf": {r: [e.p50, e.p95, e.steps, e.never_started] for r, e in p.ecdf.items()},
             "daily": list(p.daily), "breakdown": p.breakdown}
    return index, arrays


def numbers_from_arrays(index: dict, arrays: dict[str, np.ndarray]) -> PlotNumbers:
    ecdf = {r: Ecdf(arrays[f"ecdf/{r}"], float(p50), float(p95), int(n), float(never))
            for r, (p50, p95, n, never) in index["ecdf"].items()}
    return PlotNumbers(int(index["replications"]), list(index["roles"]),
                       {r: arrays[f"queue/{r}"] for r in index["queues"]}, ecdf,
                       {k: arrays[f"daily/{k}"] for k in index["daily"]},
                       {w: {k: float(v) for k, v in parts.items()}
                        for w, parts in index["breakdown"].items()})
