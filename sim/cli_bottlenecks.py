"""What ``opsim run`` prints about bottlenecks, and ``--what-if-plus-one``."""
from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

TOP = 3
WHAT_IF_ROLES = 2


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--what-if-plus-one", action="store_true",
                   help=f"re-run with one more person in each of the top {WHAT_IF_ROLES} bottleneck "
                        "roles (same seed) and report what it buys")


def what_if(args: argparse.Namespace, s, log, summary: dict, seed: int, n: int, jobs: int) -> None:
    """Adds ``what_if_plus_one`` to the summary when the flag is set."""
    if not getattr(args, "what_if_plus_one", False):
        return
    from rich.progress import Progress

    from sim.analysis.ci import clean
    from sim.analysis.whatif import what_if_plus_one
    from sim.runner import run

    roles = [b["role"] for b in summary.get("bottlenecks", {}).get("ranked", [])[:WHAT_IF_ROLES]]
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("what if +1", total=len(roles))

        def rerun(variant):
            vlog, _ = run(variant, seed, n, jobs)
            bar.advance(task)
            return vlog
        summary["what_if_plus_one"] = clean(what_if_plus_one(s, log, roles, rerun))


def report_bottlenecks(console: Console, summary: dict) -> None:
    b = summary.get("bottlenecks")
    if not b or not b.get("ranked"):
        return
    table = Table("#", "role", "bottleneck", "util.", "wait share", "binds (longest run)",
                  title=f"top {TOP} bottlenecks (active-period method)")
    notes = []
    for i, x in enumerate(b["ranked"][:TOP], 1):
        ev = x["evidence"]
        runs = sorted(x["binds"], key=lambda r: -r["days"])[:1]
        binds = "; ".join(_span(r) for r in runs) or "-"
        util = "-" if ev["utilization"] is None else f"{ev['utilization']:.0%}"
        share = x["bottleneck_share"]
        table.add_row(str(i), x["role"], f"{share:.0%} of time" if share >= 0.005 else "<1% of time",
                      util, f"{ev['share_of_staff_wait']:.0%}", binds)
        delays = ", ".join(w["workflow"] for w in ev["workflows_delayed"][:3])
        windows = ", ".join(w["window"] for w in ev["windows_delayed"][:3])
        notes.append(f"  {i}. {x['role']} delays {delays or '-'}" + (f"; windows {windows}" if windows else ""))
    console.print(table)
    for line in notes:
        console.print(line)
    runs = [r for r in b.get("runs", []) if r["days"] >= 2]
    if runs:
        console.print("bottleneck by day: " + "; ".join(f"{r['role']} {_span(r)}" for r in runs))
    nxt = [r for r in b.get("next_runs", []) if r["days"] >= 2]
    if nxt:
        console.print("runner-up by day: " + "; ".join(f"{r['role']} {_span(r)}" for r in nxt))
    for entry in summary.get("what_if_plus_one", []):
        report_what_if(console, entry)


def report_what_if(console: Console, e: dict) -> None:
    hc = e["headcount"]
    table = Table("measure (window: met share)", "base", f"{hc[1]} people", "change", "95% CI", "",
                  title=f"what if {e['role']} had {hc[1]} people, not {hc[0]} (paired, same seed; * significant)")
    rows = [("mean wait (h)", e["wait_mean_hours"]), ("utilisation", e["utilization"])]
    rows += list(e["windows"].items())
    for name, d in rows:
        lo, hi = d["ci95"]
        table.add_row(name, _f(d["base"]), _f(d["plus_one"]), _f(d["diff"], True),
                      f"[{_f(lo, True)}, {_f(hi, True)}]", "*" if d["significant"] else "")
    console.print(table)


def _span(run: dict) -> str:
    """``10-19..12-08 (51 d)``: a run of days without the year."""
    return f"{run['start'][5:]}..{run['end'][5:]} ({run['days']} d)"


def _f(x, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.3g}" if sign else f"{x:.3g}"
