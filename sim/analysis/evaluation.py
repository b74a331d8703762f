"""A scenario's numbers for a search: simulate and reduce, replication by replication.

:func:`evaluate` is what sweeps, comparisons and the planner call hundreds
of times. Each replication is simulated and, where it ran (a worker process
with ``jobs > 1``), reduced to what the numbers need: every window's cases
(one entry per case, not per step), each role's per-replication values and
its waits, the cases per workflow. The log is dropped there; the parent
never holds more than one replication's log, nor writes a file or draws a
plot. The windows, the roles and the cases come out as in ``summarize``
(the same functions turn the same populations into the same numbers;
``tests/test_evaluation.py`` compares them); confidence intervals still come
from per-replication values.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rules.scenario import Scenario
from rules.shifts import all_shifts
from sim.analysis.ci import clean
from sim.analysis.kpis import RoleInfo, role_info, role_reps, role_rows, role_waits
from sim.analysis.lost_sales import lost_sales_of, lost_sales_reps, orders_lost_in
from sim.analysis.payroll import staffing
from sim.analysis.platform import platform_actions, platform_counts
from sim.analysis.staffing import Shifts, StaffLog, group_quantile
from sim.analysis.summary import case_totals
from sim.analysis.window_days import compliance_of_cases
from sim.analysis.windows import WindowCases, all_window_cases, concat_cases, windows_of_cases
from sim.analysis.workload import Workload, mean_workload, workload
from sim.log.records import EventLog
from sim.runs.cache import PointCache, dataclass_types, point_key, scenario_hash
from sim.runs.executor import Executor, LocalExecutor
from sim.runs.replication import simulate
from sim.runs.runner import input_hash


@dataclass(frozen=True)
class Reduced:
    """One replication, reduced to what :func:`evaluate` needs."""
    replication: int
    windows: dict[str, WindowCases]
    #: ``kpis.role_reps`` of this replication (arrays of length 1).
    roles: dict[str, dict[str, np.ndarray]]
    waits: dict[str, np.ndarray]
    info: dict[str, RoleInfo]
    #: Per workflow: cases started and completed.
    cases: dict[str, tuple[int, int]]
    records: int
    #: Daily load per role, and the waits of missed cases (for the planner).
    workload: Workload = field(default_factory=Workload)
    #: ``lost_sales.lost_sales_reps`` of this replication (empty without demand).
    lost_sales: dict[str, np.ndarray] = field(default_factory=dict)
    #: ``platform.platform_counts`` of this replication: acts by action.
    platform: dict[str, int] = field(default_factory=dict)
    #: Seconds spent simulating and reducing (for ``benchmarks/``).
    simulate_seconds: float = 0.0
    reduce_seconds: float = 0.0


#: The dataclasses a cached :class:`Reduced` is made of (read from its annotations).
_STORED = dataclass_types(Reduced)


def reduce(s: Scenario, log: EventLog, replication: int, shifts: Shifts | None = None) -> Reduced:
    """The reduction of one replication's log (``shifts``: the scenario's
    ``all_shifts``, when already made)."""
    windows, index = all_window_cases(s, log)
    st = StaffLog(s, log, shifts)
    return Reduced(replication, windows, role_reps(st), role_waits(st), role_info(st),
                   case_totals(log), len(log), workload(s, log, st, windows, index),
                   lost_sales=lost_sales_reps(s, st, np.array([orders_lost_in(s, log)], float)) or {},
                   platform=platform_counts(s, log))


def _one(args: tuple[Scenario, int, int, Shifts | None]) -> Reduced:
    s, rep, seed, shifts = args
    t0 = time.perf_counter()
    log = simulate(s, rep, seed)
    t1 = time.perf_counter()
    part = reduce(s, log, rep, shifts)
    return replace(part, simulate_seconds=t1 - t0, reduce_seconds=time.perf_counter() - t1)


def reductions(s: Scenario, seed: int, n: int, jobs: int = 1) -> Iterator[Reduced]:
    """Replications 0..n-1, reduced, in order, on ``jobs`` processes."""
    with LocalExecutor(jobs) as executor:
        for parts in _reduce_all([s], seed, n, executor):
            yield from parts


def _reduce_all(scenarios: Sequence[Scenario], seed: int, n: int, executor: Executor,
                cache: PointCache | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[list[Reduced]]:
    """Every replication of every scenario, on one executor (a sweep keeps
    both cores busy, not only while a point has replications left). A
    replication in ``cache`` is read back, not simulated; the others are
    stored the moment each is done, so a search killed half way loses only
    those in flight. Equal scenarios (the same resolved content) are
    simulated once."""
    hashes = [scenario_hash(s) for s in scenarios]
    keys = [[point_key(h, seed, rep) for rep in range(n)] for h in hashes]
    found: dict[str, Reduced] = {}
    todo: dict[str, tuple[Scenario, int, int, Shifts]] = {}
    # Each scenario's rosters, made once here, not in every replication's reduction.
    shifts: dict[str, Shifts] = {}
    for s, h, row in zip(scenarios, hashes, keys):
        for rep, key in enumerate(row):
            if key in found or key in todo:
                continue
            hit = cache.get(key, _STORED) if cache is not None else None
            if isinstance(hit, Reduced) and hit.replication == rep:
                found[key] = hit
            else:
                if h not in shifts:
                    shifts[h] = all_shifts(s)
                todo[key] = (s, rep, seed, shifts[h])
    names, total = list(todo), len(found) + len(todo)
    if progress is not None:
        progress(len(found), total)
    for i, part in executor.completed(_one, list(todo.values())):
        found[names[i]] = part
        if cache is not None:
            cache.put(names[i], part, _STORED)
        if progress is not None:
            progress(len(found), total)
    return [[found[key] for key in row] for row in keys]


def evaluate(s: Scenario, replications: int | None = None, seed: int | None = None,
             jobs: int = 1, executor: Executor | None = None,
             cache: PointCache | None = None) -> dict:
    """The summary's numbers for ``s`` (``run``, ``cases``, ``service_windows``,
    ``window_compliance_by_day``, ``roles``, ``lost_sales``, ``platform_actions``)
    without an event log, a file or
    a plot; memory stays flat in the number of replications. The same
    ``seed`` gives every scenario the same random numbers (common random
    numbers), so two evaluations can be compared replication by replication."""
    seed = s.seed if seed is None else seed
    n = s.replications if replications is None else replications
    return evaluate_all([s], n, seed, jobs, executor, cache)[0]


def evaluate_all(scenarios: Sequence[Scenario], replications: int, seed: int, jobs: int = 1,
                 executor: Executor | None = None, cache: PointCache | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """:func:`evaluate` of several scenarios with the same seed and
    replications (common random numbers), sharing one executor: ``executor``
    if given (left open for the next call), else a pool of ``jobs``
    processes for this call. With ``cache``, replications already in it are
    read back and new ones stored (the numbers are the same either way).
    ``progress(done, total)`` after the cache is read and after each
    replication (distinct replications: equal scenarios count once)."""
    if replications < 1:
        raise ValueError(f'"replications" must be >= 1, got {replications}.')
    t0 = time.perf_counter()
    if executor is None:
        with LocalExecutor(jobs) as own:
            results = _reduce_all(scenarios, seed, replications, own, cache, progress)
    else:
        results = _reduce_all(scenarios, seed, replications, executor, cache, progress)
    wall = round(time.perf_counter() - t0, 3)
    return [_merge(s, parts, seed, replications, wall) for s, parts in zip(scenarios, results)]


def _merge(s: Scenario, parts: list[Reduced], seed: int, n: int, wall: float) -> dict:
    facts = {"scenario": s.name, "seed": seed, "replications": n, "input_hash": input_hash(s),
             "wall_seconds": wall,
             "records": sum(p.records for p in parts),
             "simulate_seconds": round(sum(p.simulate_seconds for p in parts), 3),
             "reduce_seconds": round(sum(p.reduce_seconds for p in parts), 3)}
    windows = {wid: concat_cases([p.windows[wid] for p in parts]) for wid in s.service_windows}
    return clean({
        "run": facts,
        "cases": _cases(parts, n),
        "service_windows": windows_of_cases(s, windows, n),
        "window_compliance_by_day": compliance_of_cases(s, windows, n),
        "roles": _roles(parts),
        **staffing(s),
        "workload": mean_workload([p.workload for p in parts]).as_dict(),
        "lost_sales": lost_sales_of(s, {k: np.concatenate([p.lost_sales[k] for p in parts])
                                        for k in parts[0].lost_sales}),
        "platform_actions": platform_actions(s, [p.platform for p in parts]),
    })


def _cases(parts: list[Reduced], n: int) -> dict:
    out: dict[str, dict] = {}
    for wf in sorted({wf for p in parts for wf in p.cases}):
        started = sum(p.cases.get(wf, (0, 0))[0] for p in parts)
        done = sum(p.cases.get(wf, (0, 0))[1] for p in parts)
        out[wf] = {"started": started / n, "completed": done / n, "open_at_end": (started - done) / n}
    return out


def _roles(parts: list[Reduced]) -> dict:
    reps = {role: {k: np.concatenate([p.roles[role][k] for p in parts]) for k in x}
            for role, x in parts[0].roles.items()}
    p95 = {}
    for role in reps:
        waits = np.concatenate([p.waits[role] for p in parts])
        p95[role] = float(group_quantile(waits, np.zeros(waits.size, np.int64), 1, 0.95)[0])
    return role_rows(reps, parts[0].info, p95)
