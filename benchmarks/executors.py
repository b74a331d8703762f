"""What the executors and the point cache cost and give, on a small Double 11 sweep.

    .venv/bin/python benchmarks/executors.py              # 3 rounds, ~3 minutes on 2 cores
    .venv/bin/python benchmarks/executors.py --rounds 5 --points 2 --replications 2

Each round runs, in turn: one process without a cache (A), one process
with a fresh cache (B: what writing the cache costs), the same again from
the warm cache (C), a pool of two processes (D) and a Dask cluster of two
single-threaded worker processes started once for the whole benchmark (E),
all through ``evaluate_all`` with the same seed; the numbers are checked to
be equal. Taken in turns (A, B, C, D, E, A, ...) because the host is shared:
the ratios within a round mean more than any one time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from rules.loader import load_scenario
from sim.analysis.evaluation import evaluate_all
from sim.runs.cache import PointCache
from sim.runs.executor import DaskExecutor, LocalExecutor

TIMINGS = ("wall_seconds", "simulate_seconds", "reduce_seconds")


def untimed(results: list[dict]) -> str:
    out = json.loads(json.dumps(results))
    for r in out:
        for k in TIMINGS:
            r["run"].pop(k)
    return json.dumps(out, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--points", type=int, default=2, help="warehouse headcounts 3, 4, ...")
    ap.add_argument("--replications", "-n", type=int, default=2)
    ap.add_argument("--scenario", default="scenarios/double11.yaml")
    args = ap.parse_args()
    scenarios = [load_scenario(args.scenario, [f"org.roles.warehouse.headcount={3 + i}"])
                 for i in range(args.points)]
    n, seed = args.replications, 1
    times: dict[str, list[float]] = {k: [] for k in "ABCDE"}
    reference: str | None = None
    with LocalExecutor(2) as pool, DaskExecutor(None, 2) as dask:
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as d:
                runs = {"A": lambda: evaluate_all(scenarios, n, seed),
                        "B": lambda: evaluate_all(scenarios, n, seed, cache=PointCache(d)),
                        "C": lambda: evaluate_all(scenarios, n, seed, cache=PointCache(d)),
                        "D": lambda: evaluate_all(scenarios, n, seed, executor=pool),
                        "E": lambda: evaluate_all(scenarios, n, seed, executor=dask)}
                for name, fn in runs.items():
                    t0 = time.perf_counter()
                    result = untimed(fn())
                    times[name].append(time.perf_counter() - t0)
                    reference = reference or result
                    if result != reference:
                        raise SystemExit(f"{name} gave other numbers")
    labels = {"A": "1 process, no cache", "B": "1 process, cold cache (writes)",
              "C": "warm cache (reads only)", "D": "pool of 2 processes",
              "E": "Dask, 2 worker processes"}
    print(f"{args.points} points x {n} replications of {args.scenario}, {args.rounds} rounds")
    for k, label in labels.items():
        ratios = [t / a for t, a in zip(times[k], times["A"])]
        print(f"{k} {label:32s} median {statistics.median(times[k]):7.2f} s  "
              f"(min {min(times[k]):.2f}, max {max(times[k]):.2f}); vs A per round: "
              f"{min(ratios):.3f}-{max(ratios):.3f}")
    print("all executors gave the same numbers")


if __name__ == "__main__":
    main()
