"""What a manager waits for: the whole ``opsim run``, not only the simulation.

Each figure is measured in fresh processes, in turns (A, B, A, B...) on this
shared machine, and reported as the median with its spread over the rounds:

- ``run/sim``: wall time of ``opsim run SCENARIO -n 1`` over the simulation
  time of the same replication (``sim.simulate`` timed inside its own
  process, taken in turns with the run). Target (issue 13): <= 1.5.
- ``check``: wall time of ``opsim check`` over that of ``python -c pass``
  (the interpreter's own start-up), and its absolute time.
- with ``--full``: peak resident memory (``/usr/bin/time``'s maximum RSS) and
  bytes written of ``opsim run SCENARIO -n 10`` (one run: about a minute).
  Targets: <= 500 MB, <= 100 MB.
- with ``--evaluate``: ``sim.evaluate(SCENARIO, 10, jobs=2)``: wall time, the
  time its replications spent simulating and reducing (the reduction's
  overhead is (simulate + reduce) / simulate; target <= 1.1), and the peak
  RSS of the parent and of the largest worker.

Usage (from the repository root):

    .venv/bin/python benchmarks/whole_run.py                 # ~2 minutes, 3 rounds
    .venv/bin/python benchmarks/whole_run.py --rounds 5 --full
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

SIM_ONLY = """
import sys, time
from rules import load_scenario
from sim import simulate
s = load_scenario(sys.argv[1])
t0 = time.perf_counter()
simulate(s, 0, int(sys.argv[2]))
print(time.perf_counter() - t0)
"""


def _timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in kB (GNU time) and stdout of ``cmd``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name, *cmd], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        rss = int(Path(tf.name).read_text().split()[-1])
    return wall, rss, out.stdout


def _spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def _bytes_under(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_over_sim(scenario: str, seed: int, rounds: int) -> dict[str, list[float]]:
    ratios, runs, sims = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            out = Path(tmp) / f"run{r}"
            wall, _, _ = _timed([PY, "-m", "sim", "run", scenario, "-n", "1", "--seed", str(seed),
                                 "--out", str(out)])
            _, _, text = _timed([PY, "-c", SIM_ONLY, scenario, str(seed)])
            sim = float(text.strip().splitlines()[-1])
            runs.append(wall)
            sims.append(sim)
            ratios.append(wall / sim)
    return {"run/sim": ratios, "run wall s": runs, "simulation s": sims}


def check_startup(rounds: int) -> dict[str, list[float]]:
    checks, bare, ratios = [], [], []
    for _ in range(rounds * 3):
        c, _, _ = _timed([PY, "-m", "sim", "check"])
        b, _, _ = _timed([PY, "-c", "pass"])
        checks.append(c)
        bare.append(b)
        ratios.append(c / b)
    return {"check/python": ratios, "check wall s": checks}


def full_run(scenario: str, seed: int, n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        wall, rss, _ = _timed([PY, "-m", "sim", "run", scenario, "-n", str(n), "--seed", str(seed),
                               "--out", str(out)])
        return {"wall s": wall, "peak RSS MB": rss / 1024, "written MB": _bytes_under(out) / 2**20}


EVALUATE = """
import resource, sys, time
from rules import load_scenario
import sim
s = load_scenario(sys.argv[1])
t0 = time.perf_counter()
r = sim.evaluate(s, int(sys.argv[3]), int(sys.argv[2]), jobs=2)["run"]
wall = time.perf_counter() - t0
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
print(wall, r["simulate_seconds"], r["reduce_seconds"], mb(resource.RUSAGE_SELF),
      mb(resource.RUSAGE_CHILDREN))
"""


def evaluation(scenario: str, seed: int, n: int) -> dict[str, float]:
    _, _, text = _timed([PY, "-c", EVALUATE, scenario, str(seed), str(n)])
    wall, simulate, reduce, parent, worker = map(float, text.split())
    return {"wall s": wall, "simulate s (sum)": simulate, "reduce s (sum)": reduce,
            "(simulate+reduce)/simulate": (simulate + reduce) / simulate,
            "parent peak RSS MB": parent, "worker peak RSS MB": worker}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="scenarios/double11.yaml")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--full", action="store_true", help="also the -n 10 run's memory and bytes")
    p.add_argument("--evaluate", action="store_true", help="also sim.evaluate's figures")
    p.add_argument("--replications", type=int, default=10)
    args = p.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    sys.stdout.write(f"# whole run, {args.scenario}, seed {args.seed}, commit {commit}, "
                     f"{os.cpu_count()} cores\n")
    for name, xs in {**run_over_sim(args.scenario, args.seed, args.rounds),
                     **check_startup(args.rounds)}.items():
        sys.stdout.write(f"{name:>14}: {_spread(xs)}\n")
    if args.full:
        for name, x in full_run(args.scenario, args.seed, args.replications).items():
            sys.stdout.write(f"-n {args.replications} {name:>12}: {x:.1f}\n")
    if args.evaluate:
        for name, x in evaluation(args.scenario, args.seed, args.replications).items():
            sys.stdout.write(f"evaluate -n {args.replications} {name}: {x:.2f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
