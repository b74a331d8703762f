"""Staffing sweeps: one scenario evaluated over a grid of changed values.

``--vary FIELD=V1,V2,...`` or ``--vary FIELD=LO..HI`` (whole numbers, both
included) names a field by the path ``--set`` takes; the points are the grid
of every varied field (or, with ``one_at_a_time``, the scenario as it is plus
each value of each field alone). Every point is evaluated with the same seed
and replications (common random numbers: differences between points come
from the change, not the noise) through :func:`sim.analysis.evaluation.evaluate_all`,
all replications of all points on one executor (a pool of processes or a
Dask cluster), each kept in a cache when one is given.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rules.errors import Problem, RulesError
from rules.loader import load_scenario
from rules.overrides import parse_path
from rules.scenario import Scenario
from sim.analysis.evaluation import evaluate_all
from sim.runs.cache import PointCache
from sim.runs.executor import Executor

#: More points than this is a typo in a range, not a sweep.
MAX_POINTS = 500


@dataclass(frozen=True)
class Vary:
    field: str
    values: tuple[str, ...]


def parse_vary(text: str) -> Vary:
    """``FIELD=V1,V2`` or ``FIELD=LO..HI`` (raises :class:`RulesError`)."""
    shown = f"--vary {text}"
    field, sep, spec = text.partition("=")
    field, spec = field.strip(), spec.strip()
    if not sep or not field or not spec:
        raise RulesError([Problem(shown, "", "expected FIELD=V1,V2,... or FIELD=LO..HI, for "
                                  "example org.roles.customer_service.headcount=4..8")])
    try:
        parse_path(field)
    except ValueError as exc:
        raise RulesError([Problem(shown, "", str(exc))]) from None
    lo, dots, hi = spec.partition("..")
    if dots:
        try:
            first, last = int(lo), int(hi)
        except ValueError:
            raise RulesError([Problem(shown, "", "a range LO..HI takes whole numbers; list "
                                      "other values as V1,V2,...")]) from None
        if last < first:
            raise RulesError([Problem(shown, "", f"the range {first}..{last} is empty")])
        values = tuple(str(v) for v in range(first, last + 1))
    else:
        values = tuple(v.strip() for v in spec.split(",") if v.strip())
    return Vary(field, values)


def points(varies: Sequence[Vary], one_at_a_time: bool = False) -> list[dict[str, str]]:
    """The points of the sweep, each the varied fields and their values (the
    scenario as it is, ``{}``, first when one at a time)."""
    if one_at_a_time:
        out: list[dict[str, str]] = [{}]
        out += [{v.field: value} for v in varies for value in v.values]
    else:
        out = [dict(zip([v.field for v in varies], combo))
               for combo in itertools.product(*(v.values for v in varies))]
    if len(out) > MAX_POINTS:
        raise RulesError([Problem("--vary", "", f"{len(out)} points; at most {MAX_POINTS} "
                                  "(narrow a range, or vary one at a time)")])
    return out


def sweep(path: str, varies: Sequence[Vary], replications: int, seed: int, jobs: int = 1,
          one_at_a_time: bool = False, sets: Sequence[str] = (), temps: Sequence[str] = (),
          periods: Sequence[str] = (), executor: Executor | None = None,
          cache: PointCache | None = None, allow_outside: bool = False,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Every point's windows (met share, interval, verdict, per period) and
    role utilisation, with the same seed and replications (on ``executor``,
    else ``jobs`` processes; replications in ``cache`` read back)."""
    grid = points(varies, one_at_a_time)
    scenarios: list[Scenario] = [
        load_scenario(path, [*sets, *(f"{f}={v}" for f, v in point.items())], temps, periods,
                      allow_outside)
        for point in grid]
    results = evaluate_all(scenarios, replications, seed, jobs, executor, cache, progress)
    return {
        "scenario": scenarios[0].name, "seed": seed, "replications": replications,
        "varied": [v.field for v in varies], "one_at_a_time": one_at_a_time,
        "what_ifs": {"set": list(sets), "temp": list(temps), "period": list(periods)},
        "points": [{"values": point, "service_windows": r["service_windows"],
                    "cost_cny_total": r["cost_cny_total"],
                    "roles": {role: {k: x[k] for k in ("headcount", "utilization",
                                                       "utilization_ci95", "wait_mean_hours")}
                              for role, x in r["roles"].items()}}
                   for point, r in zip(grid, results)],
    }
