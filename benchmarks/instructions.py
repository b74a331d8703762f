"""Instructions and simulated cache misses per order, 1x / 4x / 10x volume.

    python benchmarks/instructions.py [--factors 1 4 10] [--same-staff]

Timing on a shared 2-CPU machine varies by 15-40% between identical runs of
the large scenarios (their working set lives in the memory hierarchy that
neighbours share). Valgrind's cachegrind counts instead: the instructions
executed are the same in every run, whatever the machine is doing, so they
show whether the engine's *work* per order grows with volume, apart from
what the memory system makes that work cost. The cache simulation (L1 as on
this machine, a 32 MB 16-way last level) shows the other part: how many
accesses miss every cache as the working set grows.

Each count is of one Double 11 replication (front line scaled with the
volume, as in ``bench.py``) minus a run that only loads the scenario. About
50 times slower than a plain run: 1x takes ~3 minutes, 10x ~30.
Not part of the test run.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Last-level cache to simulate, in MB: the 32 MB, 16-way L3 of this
#: machine's CPU (cachegrind's own guess from cpuid is a 256 MB direct-mapped
#: cache). ``--ll-mb 8`` models a last level shared with busy neighbours.
LL_MB = 32
COUNTS = {"instructions": r"I\s+refs:\s+([\d,]+)", "data_refs": r"D\s+refs:\s+([\d,]+)",
          "ll_misses": r"LL misses:\s+([\d,]+)"}


def _child(factor: float, staffed: bool, simulate_it: bool) -> None:
    import bench
    import numpy as np

    from rules.loader import load_scenario
    from sim.runs.replication import simulate

    s = bench.scaled(load_scenario(bench.DOUBLE11), factor, staffed)
    if not simulate_it:
        print(json.dumps({"orders": 0}), flush=True)
        os._exit(0)
    # The run pauses the cyclic collector and turns it back on at its end;
    # the first allocation after that would trigger a collection of every
    # object the run left (at 10x, tens of thousands of open cases), which
    # ``bench.py``'s timing does not include. Keep it off, as the timing does.
    gc.disable()
    c = simulate(s, 0).columns
    orders = int(np.count_nonzero((c["activity"] == "case_start")
                                  & (c["workflow"] == s.demand.order_workflow)))
    print(json.dumps({"orders": orders}), flush=True)
    # Skip the interpreter's shutdown: its final garbage collection walks
    # every object left and would be counted as the run's.
    os._exit(0)


def parse(text: str) -> dict[str, int]:
    """The totals from cachegrind's summary on stderr."""
    out = {}
    for name, pattern in COUNTS.items():
        m = re.search(pattern, text)
        if m is None:
            raise ValueError(f"cachegrind printed no {name!r} total")
        out[name] = int(m.group(1).replace(",", ""))
    return out


def measure(factor: float, staffed: bool, simulate_it: bool = True, ll_mb: int = LL_MB) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", f"--LL={ll_mb << 20},16,64",
             f"--cachegrind-out-file={tmp}/cg.out",
             sys.executable, __file__, "--child", str(factor), "1" if staffed else "0",
             "1" if simulate_it else "0"],
            check=True, capture_output=True, text=True, cwd=ROOT)
    result = parse(done.stderr)
    result.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--factors", type=float, nargs="+", default=[1, 4, 10])
    p.add_argument("--same-staff", action="store_true", help="do not scale the front line")
    p.add_argument("--ll-mb", type=int, default=LL_MB, help="last-level cache to simulate, MB")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(float(args.child[0]), args.child[1] == "1", args.child[2] == "1")
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    staffed = not args.same_staff
    base = measure(1, staffed, simulate_it=False, ll_mb=args.ll_mb)
    print("| volume | orders | instructions per order | data refs per order | "
          "last-level misses per order |")
    print("|---|---|---|---|---|")
    rows = []
    for f in args.factors:
        r = measure(f, staffed, ll_mb=args.ll_mb)
        per = {k: (r[k] - base[k]) / r["orders"] for k in COUNTS}
        rows.append(per)
        print(f"| {f:g}x | {r['orders']:,} | {per['instructions']:,.0f} | "
              f"{per['data_refs']:,.0f} | {per['ll_misses']:,.1f} |", flush=True)
    for k in COUNTS:
        values = [r[k] for r in rows]
        print(f"{k} per order, largest / smallest - 1: {max(values) / min(values) - 1:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
