"""``opsim plan`` on Double 11, cold (no cache): what issue 15 asks to report.

Runs ``opsim plan SCENARIO --no-cache`` in a fresh process (wall time and
peak RSS from GNU time), then reads ``plan.json`` and prints: the wall time
(target: under 5 minutes on the 2-core machine), the candidate evaluations
and replications it used, the plan's cost against its lower bound and
against the temporary staff of ``scenarios/double11_staffed.yaml`` (costed
by the same payroll), and the verification's met shares with their 95%
intervals per window and period. ``--rounds N`` repeats the plan (each cold)
and gives the median and the spread of the wall time; the other figures are
the same in every round (same seeds). The CPU time of all its processes,
over the cores used, shows what the wall time would be on an idle machine.

Usage (from the repository root):

    .venv/bin/python benchmarks/plan.py                       # one cold plan, ~4-5 minutes
    .venv/bin/python benchmarks/plan.py --rounds 3 --jobs 2
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _staffed_extra_cost(base: str, staffed: str) -> float:
    sys.path.insert(0, str(ROOT))
    from rules.loader import load_scenario
    from sim.analysis.payroll import staffing

    return (staffing(load_scenario(staffed))["cost_cny_total"]
            - staffing(load_scenario(base))["cost_cny_total"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="scenarios/double11.yaml")
    ap.add_argument("--staffed", default="scenarios/double11_staffed.yaml")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--budget", type=int, default=None, help="opsim plan's --budget (default: its own)")
    args = ap.parse_args()
    walls: list[float] = []
    peaks: list[float] = []
    cpus: list[float] = []
    result: dict = {}
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "plan"
            cmd = ["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "sim", "plan", args.scenario,
                   "--out", str(out), "--no-cache", "--jobs", str(args.jobs),
                   *(["--budget", str(args.budget)] if args.budget else [])]
            t0 = time.perf_counter()
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            rss, user, system = p.stderr.strip().splitlines()[-1].split()
            peaks.append(int(rss) / 1024)
            cpus.append(float(user) + float(system))
            if not (out / "plan.json").exists():
                print(p.stdout, p.stderr, file=sys.stderr)
                raise SystemExit(f"round {i}: no plan.json (exit {p.returncode})")
            result = json.loads((out / "plan.json").read_text())
            kept = Path(tempfile.gettempdir()) / f"bench_plan_{i}.json"
            kept.write_text(json.dumps(result))
        print(f"round {i + 1}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU (all processes), "
              f"peak RSS {peaks[-1]:.0f} MB", flush=True)
    staffed = _staffed_extra_cost(args.scenario, args.staffed)
    p, b, v = result["plan"], result["lower_bound"], result["verification"]
    print(f"\nopsim plan {args.scenario} --no-cache --jobs {args.jobs}"
          f"{f' --budget {args.budget}' if args.budget else ''}, {args.rounds} round(s)")
    print(f"wall: median {statistics.median(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f}); "
          f"peak RSS {max(peaks):.0f} MB")
    # On a shared machine the wall time depends on the neighbours; the CPU
    # time does much less: over the cores used, it is what an idle machine's
    # wall time would be at best.
    print(f"CPU: median {statistics.median(cpus):.1f} s; / {args.jobs} cores = "
          f"{statistics.median(cpus) / args.jobs:.1f} s (the wall time on an idle machine, at best)")
    print(f"evaluations: {result['evaluations']}, replications: {result['replications_run']} "
          f"(search: {result['replications']['search']} per candidate; verification: "
          f"{v['replications']} on seed {v['seed']}, repairs: {v['repairs']})")
    print(f"plan: {p['person_days_total']} temporary person-days, {p['cost']:,.0f} CNY; "
          f"lower bound {b['person_days']} person-days, {b['cost_cny']:,.0f} CNY "
          f"(plan / bound = {p['cost'] / max(b['cost_cny'], 1):.2f}); "
          f"{Path(args.staffed).name}'s temporary staff {staffed:,.0f} CNY "
          f"(plan / staffed = {p['cost'] / max(staffed, 1):.2f})")
    print("verification: " + ("every target met" if v["all_met"] else
                              f"not met {v['not_met']}, undecided {v['undecided']}"))
    for e in v["entries"]:
        ci = e["met_ci95"]
        met = "-" if e["met"] is None else f"{e['met']:.3f}"
        interval = "" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"
        print(f"  {e['window']:28s} {e['period']:16s} target {e['target']:.2f} met {met} "
              f"{interval} {e['verdict']}")
    for u in result["unmeetable"]:
        print(f"  unmeetable: {u['window']}/{u['period']}: {u['reason']}")


if __name__ == "__main__":
    main()
