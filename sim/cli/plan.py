"""``opsim plan SCENARIO``: the cheapest temporary staff that meets every window."""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rules.errors import Problem, RulesError
from sim.cli.budget import confirm
from sim.cli.execution import add_execution_options, cache_note, execution
from sim.cli.options import add_long_jobs, add_what_ifs, check_seed, load, outside
from sim.cli.staging import check_target, slug, staged

if TYPE_CHECKING:
    from sim.plan.planner import PlanOptions

_TARGET = re.compile(r"(?P<window>[\w-]+)\s*>=\s*(?P<share>[\d.]+)(?P<pct>%?)$")


def add_parser(sub: argparse._SubParsersAction, default_scenario: str) -> None:
    p = sub.add_parser("plan", help="find the cheapest temporary staff by role, shift and day "
                                    "that meets every service window, verified on fresh seeds")
    p.add_argument("scenario", nargs="?", default=default_scenario)
    p.add_argument("--target", dest="targets", action="append", default=[],
                   metavar="WINDOW>=SHARE", help="a window's target, e.g. "
                   "refused_item_back_72h>=0.95 or ...>=95%% (repeatable; given, only these windows are "
                   "planned for; default: the scenario's targets)")
    p.add_argument("--roles", default="", metavar="ROLE,...",
                   help="roles that may get temporary staff (default: every role on the "
                        "targeted windows' workflows)")
    p.add_argument("--max", dest="maxes", action="append", default=[], metavar="ROLE=N",
                   help="at most N temporary people of ROLE per shift and day (default: three "
                        "times the headcount, at least 4)")
    p.add_argument("--shifts", action="append", default=[], metavar="ROLE=SHIFT[,SHIFT]",
                   help="shifts ROLE's temporary staff may work (default: its roster's, and "
                        "where those leave days without a shift that a targeted window's clock "
                        "runs through, the every-day shift most like them)")
    p.add_argument("--allow-overtime", dest="allow_overtime", action="append", default=[],
                   metavar="ROLE=SHIFT", help="ROLE's own members may also work SHIFT as overtime "
                   "(at most the headcount per day, at the overtime price), e.g. "
                   "warehouse=overtime_evening")
    p.add_argument("--permanent", action="store_true",
                   help="permanent headcount per role is a decision too (paid every calendar "
                        "day at the regular price), beside temporary staff")
    p.add_argument("--lost-sales-margin", type=float, default=0.0, metavar="SHARE",
                   help="weigh the value of the orders lost to unanswered chats at this share "
                        "(the shop's margin, 0-1) in what the plan minimises (default 0: shown "
                        "beside the plan, not weighed; the value is revenue, not profit)")
    p.add_argument("--staff-cost-only", action="store_true",
                   help="minimise the staff's cost alone (default: the staff's cost plus what "
                        "the platform charges when its timers run out, e.g. late-shipment "
                        "compensation)")
    p.add_argument("--granularity", choices=("day", "week"), default="day",
                   help="hire by the day (default: agency day rates) or by the whole week")
    p.add_argument("--seed", type=int, default=None, help="the search's root seed (default: "
                                                          "the scenario's); verification uses another")
    p.add_argument("--replications", "-n", type=int, default=3,
                   help="replications per candidate in the search (default 3)")
    p.add_argument("--verify-replications", type=int, default=10,
                   help="fresh replications that verify the plan (default 10)")
    p.add_argument("--budget", type=int, default=40,
                   help="most candidate evaluations in the search (default 40)")
    add_execution_options(p)
    p.add_argument("--out", default=None, help="directory (default: results/plan_<scenario name>)")
    p.add_argument("--force", action="store_true", help="replace the directory if it holds a plan")
    add_what_ifs(p)
    add_long_jobs(p)


def parse_target(text: str) -> tuple[str, float]:
    m = _TARGET.match(text.strip())
    if m is None:
        raise RulesError([Problem(f"--target {text}", "", "expected WINDOW>=SHARE, for example "
                                  "refused_item_back_72h>=0.95 or chat_first_reply_3min>=80%")])
    share = float(m.group("share")) / (100.0 if m.group("pct") else 1.0)
    if not 0.0 < share <= 1.0:
        raise RulesError([Problem(f"--target {text}", "", f"the share must be in (0, 1] "
                                  f"(or a percentage), got {share:g}")])
    return m.group("window"), share


def _pairs(items: list[str], option: str, example: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise RulesError([Problem(f"{option} {item}", "", f"expected {example}")])
        out[key.strip()] = value.strip()
    return out


def options(args: argparse.Namespace) -> PlanOptions:
    from sim.plan.money import Weights
    from sim.plan.planner import PlanOptions

    maxes = {}
    for role, value in _pairs(args.maxes, "--max", "ROLE=N, e.g. customer_service=10").items():
        if not value.isdigit():
            raise RulesError([Problem(f"--max {role}={value}", "", "N must be a whole number >= 0")])
        maxes[role] = int(value)
    shifts = {r: [x.strip() for x in v.split(",") if x.strip()]
              for r, v in _pairs(args.shifts, "--shifts", "ROLE=SHIFT[,SHIFT]").items()}
    overtime = _pairs(args.allow_overtime, "--allow-overtime", "ROLE=SHIFT")
    for name, value, lo in (("--replications", args.replications, 1),
                            ("--verify-replications", args.verify_replications, 2),
                            ("--budget", args.budget, 1)):
        if not lo <= value <= 10_000:
            raise RulesError([Problem(name, "", f"must be from {lo} to 10000, got {value}")])
    check_seed(args.seed)
    if not 0.0 <= args.lost_sales_margin <= 1.0:
        raise RulesError([Problem("--lost-sales-margin", "", f"must be a share from 0 to 1, "
                                  f"got {args.lost_sales_margin:g}")])
    if args.jobs < 0:
        raise RulesError([Problem("--jobs", "", f"must be >= 0 (0: up to 4 cores), got {args.jobs}")])
    return PlanOptions(
        path=args.scenario, sets=tuple(args.sets), temps=tuple(args.temps),
        periods=tuple(args.periods), targets=dict(parse_target(t) for t in args.targets),
        roles=tuple(r.strip() for r in args.roles.split(",") if r.strip()),
        max_people=maxes, shifts=shifts, overtime=overtime, fixed_overtime=tuple(args.overtime),
        permanent=args.permanent,
        allow_outside=outside(args), granularity=args.granularity, seed=args.seed,
        replications=args.replications, verify_replications=args.verify_replications,
        budget=args.budget, jobs=args.jobs,
        weights=Weights(platform=0.0 if args.staff_cost_only else 1.0,
                        lost_sales=args.lost_sales_margin))


def cmd_plan(args: argparse.Namespace) -> int:
    # Imported on use: see sim.cli.run.
    from functools import partial

    from sim.analysis.evaluation import evaluate_all
    from sim.plan.planner import most_replications, plan
    from sim.report.plan_files import PLAN_FILES, write_plan
    from sim.runs.runner import default_jobs

    s = load(args.scenario, args)
    opts = options(args)
    out = Path(args.out) if args.out is not None else Path("results") / f"plan_{slug(s.name)}"
    check_target(out, args.force, PLAN_FILES)
    # The worst case: the whole budget, every verification and every repair.
    confirm(s, opts.replications, opts.jobs or default_jobs(), args.yes, disk=False,
            points=-(-most_replications(opts) // opts.replications))
    err = Console(stderr=True)
    with execution(args, out) as (executor, cache), err.status("planning") as status:
        def progress(message: str) -> None:
            # One line per stage (a log file shows the plan is alive) and the spinner's text.
            err.print(message, markup=False, highlight=False)
            status.update(message)
        result = plan(opts, partial(evaluate_all, executor=executor, cache=cache), progress)
    existing = [o.model_dump(mode="json", exclude_defaults=True) for o in s.calendars.overrides]
    with staged(out, args.force, PLAN_FILES) as work:
        write_plan(work, out, result, existing)
    console = Console()
    console.print(shifts_line(result), markup=False, highlight=False)
    console.print(plan_table(result))
    console.print(verification_line(result), markup=False, highlight=False)
    console.print(money_line(result), markup=False, highlight=False)
    for r in result["verification"].get("reasons", []):
        console.print(reason_line(r), markup=False, highlight=False)
    console.print(f"{result['evaluations']} evaluations, {result['replications_run']} replications "
                  f"in {result['wall_seconds']} s; results: {out} (run the plan: opsim run "
                  f"{out / 'plan.yaml'})", markup=False, highlight=False)
    if cache is not None:
        err.print(cache_note(cache), markup=False, highlight=False)
    v = result["verification"]
    # Exit 1 when a target is not verified for want of staff; an entry met in
    # every case whose period has too few cases for 95% is said, not failed.
    verified = not v["not_met"] and set(v["undecided"]) <= set(v["too_few_cases"])
    return 0 if verified and not result["unmeetable"] else 1


def shifts_line(result: dict) -> str:
    """The shifts the plan could staff per role: its temporaries' and the
    one its members may work as overtime."""
    over = result.get("overtime_shifts") or {}
    parts = [f"{role} temporaries {', '.join(names) or 'none'}"
             + (f", overtime {over[role]}" if role in over else "")
             for role, names in result["shifts"].items()]
    return "shifts allowed: " + "; ".join(parts)


def _pct(x: object) -> str:
    return "-" if not isinstance(x, (int, float)) else f"{x:.1%}"


def plan_table(result: dict) -> Table:
    cur = result["currency"]
    p, b = result["plan"], result["lower_bound"]
    t = Table(title=f"Plan for {escape(result['scenario'])}: {p['person_days_total']} temporary "
                    f"person-days, {p['cost']:,.0f} {escape(cur)} (lower bound "
                    f"{b['cost_cny']:,.0f}: the load at 100% utilisation, see plan.json)")
    for col in ("role", "shift", "people", "from", "to"):
        t.add_column(col)
    for role, n in (p.get("permanent") or {}).items():
        t.add_row(escape(role), "permanent", f"+{n}", result["dates"][0], result["dates"][-1])
    for o in p["overrides"]:
        t.add_row(escape(o["role"]), escape(o["shift"]) + (" (overtime)" if o["change"] ==
                  "overtime" else ""), str(o["members"]), o["start"], o["end"])
    return t


def _ci(pair: object) -> str:
    lo, hi = pair if isinstance(pair, list) and len(pair) == 2 else (None, None)
    return "" if lo is None or hi is None else f" [{lo:,.0f}-{hi:,.0f}]"


def money_line(result: dict) -> str:
    """The staff the plan pays beside the money it leaves (per replication:
    the horizon), and what the scenario as it is left."""
    m, cur = result["money"], result["money"]["currency"]
    p, b = m["plan"], m["scenario_as_it_is"]
    charges = "; ".join(f"{a} {x['cny']:,.0f}{_ci(x.get('cny_ci95'))}"
                        for a, x in p["platform"].items()) or "none priced"
    w = result["objective"]["weights"]
    weighed = ("staff + platform charges" if w["platform"] else "staff alone") + (
        f" + lost sales at {w['lost_sales']:.0%}" if w["lost_sales"] else "")
    return (f"money per replication ({cur}): staff {p['staff_cny']:,.0f}; platform charges "
            f"{p['platform_cny']:,.0f} ({charges}); lost sales {p['lost_sales_cny']:,.0f}"
            f"{_ci(p.get('lost_sales_ci95'))} (scenario as it is: charges "
            f"{b['platform_cny']:,.0f}, lost sales {b['lost_sales_cny']:,.0f}); minimised: {weighed}")


def reason_line(r: dict) -> str:
    """Why one window is not met in one period, in words (``plan.json``
    ``verification.reasons``): given up at the limits (every allowed shift
    full) or not verified, the verification's share, the reason."""
    ci = r.get("met_ci95") or []
    interval = f" [{_pct(ci[0])}-{_pct(ci[1])}]" if len(ci) == 2 else ""
    head = {"not met": "cannot be met within the limits",
            "undecided": "cannot be decided within the limits"}.get(r.get("at_limits") or "",
                                                                    "not verified")
    return (f"{r['window']}/{r['period']} {head} (verification: {_pct(r['met'])}{interval}, "
            f"{r['verdict']}): {r['reason']}")


def verification_line(result: dict) -> str:
    v = result["verification"]
    head = (f"verified on seed {v['seed']} x {v['replications']} fresh replications: ")
    if v["all_met"]:
        return head + ("every target met in every period, each with 95% confidence "
                       "(an interval per window and period)")
    parts = []
    if v["not_met"]:
        parts.append("not met: " + ", ".join(v["not_met"]))
    few = set(v.get("too_few_cases", []))
    if few:
        parts.append("met in every case but too few cases for 95% confidence: " + ", ".join(sorted(few)))
    rest = [x for x in v["undecided"] if x not in few]
    if rest:
        parts.append("undecided (interval too wide): " + ", ".join(rest))
    return head + "; ".join(parts)
