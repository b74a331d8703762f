"""What a manager waits for: the whole ``opsim run``, not only the simulation.

Each figure is measured in fresh processes, in turns (A, B, A, B...) on this
shared machine, and reported as the median with its spread over the rounds:

- ``run/sim``: wall time of ``opsim run SCENARIO -n 1`` over the simulation
  time of the same replication (``sim.simulate`` timed inside its own
  process, taken in turns with the run). Target (issue 13): <= 1.5. Also
  ``run - simulation``, the seconds around the simulation: a model that
  simulates slower lowers the ratio without the run doing less.
- ``check``: wall time of ``opsim check`` over that of ``python -c pass``
  (the interpreter's own start-up), and its absolute time.
- with ``--full``: peak resident memory (``/usr/bin/time``'s maximum RSS) and
  bytes written of ``opsim run SCENARIO -n 10`` (one run: about a minute).
  Targets: <= 500 MB, <= 100 MB.
- with ``--evaluate``: ``sim.evaluate(SCENARIO, 10, jobs=2)`` (in turns too): wall and CPU time, the
  time its replications spent simulating and reducing (the reduction's
  overhead is (simulate + reduce) / simulate; target <= 1.1), and the peak
  RSS of the parent and of the largest worker.
- with ``--parts``: the CPU time of each part of ``opsim run -n 1`` done one
  after the other in one process (imports, simulation, Parquet, reduction,
  summary, files, each plot): what parallel phases can overlap (in turns
  with the ``--tree``s, median and spread over the rounds).
- with ``--saved``: two saved runs of ``SCENARIO -n 10`` (seeds 11 and 12,
  written first: a few minutes), then ``opsim compare`` of the two and
  ``opsim report`` of one, in turns: wall, CPU and peak RSS (they read the
  runs' aggregates, or, for runs saved without them, their event logs).

Before the rounds each tree's modules are compiled to bytecode
(``compileall``), as a user's first run leaves them: this workplace sets
``PYTHONDONTWRITEBYTECODE=1``, under which every run would otherwise compile
opsim's modules from source (about 0.25 s of CPU and 0.07 s of wall a
Double 11 run, which an installed opsim does not pay; figures before the
twelfth session were measured without bytecode).

``--tree DIR`` (repeatable) measures other checkouts of opsim in the same
rounds, in turns with this one (``git worktree add DIR COMMIT`` or ``git
archive COMMIT | tar -x -C DIR``): each runs from its own folder with
``PYTHONPATH`` set to it, under this interpreter, on its own copy of the
scenario (a model changed since reads the files of its time; run/sim is
each tree's own ratio). Every timed command's CPU
time (user + system, its children included) is printed beside its wall
time: on a shared machine the wall time depends on the neighbours.
Linux shares the CPU per session (``/proc/sys/kernel/sched_autogroup_enabled``):
under other sessions' load a run's processes together get about one core
and its overlaps do not show (``nice`` works only inside the session);
``echo -15 > /proc/self/autogroup`` in the shell that starts this script
(as root) gives the run its cores, ``echo 0`` after.

Usage (from the repository root):

    .venv/bin/python benchmarks/whole_run.py                 # ~2 minutes, 3 rounds
    .venv/bin/python benchmarks/whole_run.py --rounds 5 --full
    .venv/bin/python benchmarks/whole_run.py --rounds 4 --tree /tmp/before --saved
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class Timed:
    wall: float
    cpu: float  # user + system seconds, children included
    rss_mb: float  # peak resident memory of the largest process
    stdout: str


def compiled(tree: Path) -> None:
    """``tree``'s modules compiled to bytecode (``__pycache__``), as a user's
    first run leaves them: a shell with ``PYTHONDONTWRITEBYTECODE`` set (this
    workplace sets it) never writes them, and every timed run would compile
    the project's modules from source again (about 0.25 s of CPU a run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([PY, "-m", "compileall", "-q", "sim", "rules", "benchmarks"], cwd=tree, env=env,
                   check=True)


def _timed(cmd: list[str], tree: Path = ROOT) -> Timed:
    """``cmd`` run in ``tree`` (its opsim first on the path) under GNU time."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name, *cmd], cwd=tree, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} in {tree}: exit {out.returncode}\n{out.stderr[-2000:]}")
        wall = time.perf_counter() - t0
        user, system, rss = Path(tf.name).read_text().split()[-3:]
    return Timed(wall, float(user) + float(system), int(rss) / 1024, out.stdout)


def _spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def _bytes_under(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _name(tree: Path) -> str:
    return "this" if tree == ROOT else str(tree)


Series = dict[str, dict[str, list[float]]]


def run_over_sim(trees: list[Path], scenario: str, seed: int, rounds: int) -> Series:
    """Per tree: ``opsim run -n 1`` over its simulation, in turns (run, sim
    of each tree, round after round)."""
    out: Series = {_name(t): {"run/sim": [], "run wall s": [], "run CPU s": [], "simulation s": [],
                              "run - simulation s": []} for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for tree in trees:
                got = out[_name(tree)]
                run = _timed([PY, "-m", "sim", "run", scenario, "-n", "1", "--seed", str(seed),
                              "--out", str(Path(tmp) / f"run{r}-{len(got['run/sim'])}"), "--force"], tree)
                sim = float(_timed([PY, "-c", SIM_ONLY, scenario, str(seed)],
                                   tree).stdout.strip().splitlines()[-1])
                got["run wall s"].append(run.wall)
                got["run CPU s"].append(run.cpu)
                got["simulation s"].append(sim)
                got["run/sim"].append(run.wall / sim)
                got["run - simulation s"].append(run.wall - sim)
    return out


def check_startup(trees: list[Path], rounds: int) -> Series:
    out: Series = {_name(t): {"check/python": [], "check wall s": []} for t in trees}
    for _ in range(rounds * 3):
        for tree in trees:
            c = _timed([PY, "-m", "sim", "check", "scenarios/baseline.yaml"], tree)
            b = _timed([PY, "-c", "pass"], tree)
            out[_name(tree)]["check wall s"].append(c.wall)
            out[_name(tree)]["check/python"].append(c.wall / b.wall)
    return out


def full_run(scenario: str, seed: int, n: int, tree: Path = ROOT) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        got = _timed([PY, "-m", "sim", "run", scenario, "-n", str(n), "--seed", str(seed),
                      "--out", str(out)], tree)
        return {"wall s": got.wall, "CPU s": got.cpu, "peak RSS MB": got.rss_mb,
                "written MB": _bytes_under(out) / 2**20}


def saved_runs(trees: list[Path], scenario: str, n: int, rounds: int) -> Series:
    """Per tree: two saved runs (seeds 11, 12; no report), then ``opsim
    compare`` of them and ``opsim report`` of the first, in turns."""
    out: Series = {_name(t): {} for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {}
        for i, tree in enumerate(trees):
            dirs[tree] = [Path(tmp) / f"t{i}-s{seed}" for seed in (11, 12)]
            for seed, d in zip((11, 12), dirs[tree]):
                _timed([PY, "-m", "sim", "run", scenario, "-n", str(n), "--seed", str(seed),
                        "--no-report", "--out", str(d)], tree)
        for _ in range(rounds):
            for tree in trees:
                a, b = dirs[tree]
                got = out[_name(tree)]
                for what, cmd in (("compare", ["compare", str(a), str(b)]), ("report", ["report", str(a)])):
                    t = _timed([PY, "-m", "sim", *cmd], tree)
                    for key, x in ((f"{what} wall s", t.wall), (f"{what} CPU s", t.cpu),
                                   (f"{what} peak RSS MB", t.rss_mb)):
                        got.setdefault(key, []).append(x)
    return out


PARTS = """
import sys, time
rows = []
t0 = [time.process_time()]
def lap(name):
    now = time.process_time(); rows.append((name, now - t0[0])); t0[0] = now
import sim.cli.main
from rules import load_scenario
s = load_scenario(sys.argv[1])
lap("imports and scenario")
from sim.analysis.run_parts import reduce_part, merge, for_report
from sim.runs.replication import simulate
log = simulate(s, 0, int(sys.argv[2]))
lap("simulation")
import pickle, tempfile
from pathlib import Path
out = Path(tempfile.mkdtemp())
from sim.log import files as logfile
logfile.write_part(log, out / logfile.PARQUET, 0, None)
lap("replication's Parquet")
part = pickle.loads(pickle.dumps(reduce_part(s, log), protocol=pickle.HIGHEST_PROTOCOL))
lap("reduction (and its pickle)")
view = merge(s, [part], 1)
from sim.report.plot_numbers import plot_numbers
numbers = plot_numbers(s, view)
lap("merge and plot numbers")
from sim.analysis.summary import summary_of
from sim.runs.runner import _facts
summary = summary_of(view, _facts(s, 11, 1, 1.0, len(log)))
lap("summary")
from sim.analysis.compare import compare_aggregates
from sim.report.output import finish_run, run_aggregates
kept = compare_aggregates(view)
view = for_report(view)
finish_run(out, s, view, summary, run_aggregates(kept, numbers))
lap("aggregates and files")
import sim.report.html
lap("report imports")
from sim.report.plot_kit import Context, draw, style_of
from sim.report.plots import makers_of
ctx = Context(s, style_of(True), numbers, summary)
for name, make in makers_of(ctx, summary["window_compliance_by_day"]).items():
    draw(ctx, {name: make}, out / "plots", ("png",))
    lap("plot " + name)
for name, t in rows:
    print(f"{name}: {t:.3f}")
"""

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


def evaluation(scenario: str, seed: int, n: int, tree: Path = ROOT) -> dict[str, float]:
    got = _timed([PY, "-c", EVALUATE, str(ROOT / scenario), str(seed), str(n)], tree)
    wall, simulate, reduce, parent, worker = map(float, got.stdout.split())
    return {"wall s": wall, "CPU s (all processes)": got.cpu, "simulate s (sum)": simulate,
            "reduce s (sum)": reduce, "(simulate+reduce)/simulate": (simulate + reduce) / simulate,
            "parent peak RSS MB": parent, "worker peak RSS MB": worker}


def _print(series: Series) -> None:
    for tree, figures in series.items():
        for name, xs in figures.items():
            sys.stdout.write(f"[{tree}] {name:>22}: {_spread(xs)}\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="scenarios/double11.yaml")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--full", action="store_true", help="also the -n 10 run's memory and bytes")
    p.add_argument("--evaluate", action="store_true", help="also sim.evaluate's figures")
    p.add_argument("--saved", action="store_true", help="also compare and report of saved -n 10 runs")
    p.add_argument("--no-run", action="store_true", help="skip the run -n 1 and check figures")
    p.add_argument("--parts", action="store_true",
                   help="also the CPU time of each part of a run -n 1, in one process")
    p.add_argument("--replications", type=int, default=10)
    p.add_argument("--tree", type=Path, action="append", default=[],
                   help="another checkout of opsim measured in turns with this one")
    args = p.parse_args()
    trees = [ROOT, *(t.resolve() for t in args.tree)]
    for tree in trees:
        compiled(tree)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    load = os.getloadavg()
    sys.stdout.write(f"# whole run, {args.scenario}, seed {args.seed}, commit {commit}, "
                     f"{os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    if not args.no_run:
        runs = run_over_sim(trees, args.scenario, args.seed, args.rounds)
        for tree, figures in runs.items():
            r = figures["run/sim"]
            sys.stdout.write(f"[{tree}] opsim run -n 1 wall / simulation = {statistics.median(r):.2f} "
                             f"(min {min(r):.2f}, max {max(r):.2f}; target <= 1.5)\n")
        _print(runs)
        _print(check_startup(trees, args.rounds))
    if args.parts:  # in turns with the --trees, round after round
        parts: Series = {_name(t): {} for t in trees}
        for _ in range(args.rounds):
            for tree in trees:
                got = _timed([PY, "-c", PARTS, args.scenario, str(args.seed)], tree)
                for line in got.stdout.splitlines():
                    name, _, x = line.rpartition(": ")
                    parts[_name(tree)].setdefault(f"CPU s, {name}", []).append(float(x))
        _print(parts)
    if args.full:
        for tree in trees:
            for name, x in full_run(args.scenario, args.seed, args.replications, tree).items():
                sys.stdout.write(f"[{_name(tree)}] -n {args.replications} {name:>12}: {x:.1f}\n")
    if args.evaluate:  # in turns, round after round, as the others
        evaluated: Series = {_name(t): {} for t in trees}
        for _ in range(args.rounds):
            for tree in trees:
                for name, x in evaluation(args.scenario, args.seed, args.replications, tree).items():
                    evaluated[_name(tree)].setdefault(f"evaluate -n {args.replications} {name}",
                                                      []).append(x)
        _print(evaluated)
    if args.saved:
        _print(saved_runs(trees, args.scenario, args.replications, args.rounds))
    load = os.getloadavg()
    sys.stdout.write(f"# load at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
