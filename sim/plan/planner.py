"""``opsim plan``: the three stages, the feasibility check and the verdict.

1. The lower bound (:mod:`sim.plan.bound`) from the scenario as it is.
2. A feasibility check: every allowed slot at its limit on every working
   day. A target that even this misses cannot be met within the limits; it
   is reported with the reason (which role its missed cases still wait for,
   or that no staff wait is left) and left out of the search, which plans
   for the others.
3. The search (:mod:`sim.plan.search`) from the Erlang C start for chats
   and the iterative staffing of every role, with common random numbers.
4. Verification on a seed the search never used: every target met with 95%
   confidence in every period, or the entries that are not.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rules.errors import Problem, RulesError, suggest
from rules.loader import load_scenario
from rules.scenario import Scenario
from rules.workflow import walk
from sim.analysis.evaluation import evaluate_all
from sim.analysis.payroll import daily_staffing, staffing
from sim.plan.bound import erlang_start, load_bound, segments
from sim.plan.decisions import Plan, Slot, Slots, roster_shifts, slots
from sim.plan.judge import entries
from sim.plan.money import Weights
from sim.plan.reasons import undecided_at_limits, why
from sim.plan.refine import TOWARD, remove_greedily, toward_limits
from sim.plan.result import Context, result
from sim.plan.search import (
    Evaluator,
    Outcome,
    Prices,
    add_for_money,
    add_greedily,
    isa_step,
    iterate_staffing,
)
from sim.plan.shifts import default_shifts

__all__ = ["PlanOptions", "default_roles", "plan", "verify_seed"]

#: Mixed into the root seed for the verification's replications.
VERIFY_SALT = 0x5EED_0F_7E51
#: Rounds of repair after a failed verification, and the candidates each may try.
MAX_REPAIRS = 2
REPAIR_STEPS = 4
#: The share of ``--budget`` the iterative staffing and additions may use,
#: and with the additions for money.
ADDING_SHARE = 0.6
MONEY_SHARE = 0.7


@dataclass(frozen=True)
class PlanOptions:
    path: str
    sets: tuple[str, ...] = ()
    #: Temporary staff the scenario has anyway (``--temp``), kept in every candidate.
    temps: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    #: Window -> target share (default: the scenario's ``targets``).
    targets: dict[str, float] = field(default_factory=dict)
    #: Roles that may get temporary staff (default: those on the windows' paths).
    roles: tuple[str, ...] = ()
    #: Role -> most temporary people per shift per day.
    max_people: dict[str, int] = field(default_factory=dict)
    #: Role -> shifts temporary staff may work (default: the role's roster
    #: shifts, and the closest every-day shift where those leave days
    #: without a shift that a targeted window's clock runs through:
    #: ``sim.plan.shifts.default_shifts``).
    shifts: dict[str, list[str]] = field(default_factory=dict)
    #: Role -> the shift its members may work as overtime (a decision too).
    overtime: dict[str, str] = field(default_factory=dict)
    #: Permanent headcount per role is a decision too (``--permanent``).
    permanent: bool = False
    #: Overtime the scenario has anyway (``--overtime``), kept in every candidate.
    fixed_overtime: tuple[str, ...] = ()
    #: ``day`` (temporary staff by the day, as agencies hire) or ``week``.
    granularity: str = "day"
    seed: int | None = None
    replications: int = 3
    verify_replications: int = 10
    #: Most candidate evaluations in the search (verification not included).
    budget: int = 40
    jobs: int = 1
    utilisation: float = 0.85
    #: ``extends`` may name files outside the usual folders (``--allow-outside``).
    allow_outside: bool = False
    #: What the objective counts besides the staff (``sim.plan.money``):
    #: the platform's charges (``--staff-cost-only``: 0) and the lost
    #: sales' value at a margin (``--lost-sales-margin``).
    weights: Weights = field(default_factory=Weights)


def most_replications(opts: PlanOptions) -> int:
    """The most replications a plan can simulate: the scenario as it is and
    the feasibility plan, the search's budget (a batch and a combined
    candidate may pass it at the end of a stage), and every round of
    verification and repair."""
    batch = max(2, opts.jobs)
    search = (2 + opts.budget + 2 * (batch + 1)) * opts.replications
    checks = (1 + MAX_REPAIRS) * opts.verify_replications
    repairs = MAX_REPAIRS * (1 + REPAIR_STEPS + batch + 1) * opts.verify_replications
    return search + checks + repairs


def verify_seed(seed: int, round_: int = 0) -> int:
    """A root seed the search never uses, derived from the search's (one
    per round of verification)."""
    ss = np.random.SeedSequence([seed, VERIFY_SALT, round_])
    return int(ss.generate_state(1, np.uint32)[0])


def default_roles(s: Scenario, windows: Sequence[str]) -> list[str]:
    """Roles that do staff steps in the targeted windows' workflows and have
    a shift temporary staff can work (their roster's, or ``office``)."""
    found: dict[str, None] = {}
    for wid in windows:
        for wf in s.service_windows[wid].workflows:
            for _, step, _ in walk(s.workflows[wf].steps):
                role = getattr(step, "role", None)
                if isinstance(role, str) and role in s.org.roles and roster_shifts(s, role):
                    found[role] = None
    return list(found)


def _targets(s: Scenario, asked: dict[str, float]) -> dict[str, float]:
    """The targets given (``--target``), else the scenario's own."""
    for wid in asked:
        if wid not in s.service_windows:
            raise RulesError([Problem("--target", "", suggest("service window", wid,
                                                              s.service_windows))])
    out = dict(asked) or {w: t for w, t in s.targets.items() if w in s.service_windows}
    if not out:
        raise RulesError([Problem("--target", "", "the scenario sets no targets; give one, "
                                  "e.g. --target refused_item_back_72h>=0.95")])
    return out


def _caps(s: Scenario, roles: list[str], asked: dict[str, int]) -> dict[str, int]:
    for role in [*roles, *asked]:
        if role not in s.org.roles:
            raise RulesError([Problem("--roles/--max", "", suggest("role", role, s.org.roles))])
    # Without a limit: up to three times the role's documented headcount
    # per shift and day (at least four), beyond what any shop hires.
    return {r: asked.get(r, max(4, 3 * s.headcount(r))) for r in roles}


def plan(opts: PlanOptions, run: Callable[..., list[dict]] = evaluate_all,
         progress: Callable[[str], None] | None = None) -> dict:
    """The cheapest plan found, its bound, verification and history."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    s = load_scenario(opts.path, opts.sets, opts.temps, opts.periods,
                      allow_outside=opts.allow_outside, overtime=opts.fixed_overtime)
    targets = _targets(s, opts.targets)
    roles = list(opts.roles) or default_roles(s, list(targets))
    cap = _caps(s, roles, opts.max_people)
    for option, named in (("--max", opts.max_people), ("--shifts", opts.shifts)):
        for role in named:
            if role not in roles:
                raise RulesError([Problem(option, "", f"role '{role}' is not among the roles "
                                          f"planned ({', '.join(roles)}); add it with --roles")])
    for role, names in opts.shifts.items():
        if not names:
            raise RulesError([Problem("--shifts", "", f"name at least one shift for '{role}'")])
    for text in opts.fixed_overtime:
        role, _, rest = text.partition("+")
        if role in opts.overtime and rest.endswith(":" + opts.overtime[role]):
            raise RulesError([Problem("--allow-overtime", "", f"'{role}' already works "
                                      f"{opts.overtime[role]} as overtime by --overtime {text}; "
                                      "plan it or give it, not both")])
    for role in opts.overtime:
        if role not in roles:
            raise RulesError([Problem("--allow-overtime", "", f"role '{role}' is not among the "
                                      f"roles planned: {', '.join(roles)}")])
    # A shift the default rule adds (an every-day shift beside the roster's)
    # is not also offered to temporaries when the role works it as
    # overtime; the roster's own shifts stay theirs (the slots refuse the
    # pair, rather than silently take a shift away from the temporaries).
    shifts = {r: list(opts.shifts.get(r) or [
        x for x in default_shifts(s, r, targets)
        if x != opts.overtime.get(r) or x in roster_shifts(s, r)]) for r in roles}
    try:
        sl = slots(s, roles, shifts, opts.granularity, cap, opts.overtime, opts.permanent)
    except ValueError as exc:
        raise RulesError([Problem("--shifts/--allow-overtime", "", str(exc))]) from None
    seed = s.seed if opts.seed is None else opts.seed
    ev = Evaluator(opts.path, opts.sets, opts.temps, opts.fixed_overtime, opts.periods,
                   dict(targets), seed, opts.replications, opts.jobs,
                   staffing(s)["cost_cny_total"], run, allow_outside=opts.allow_outside, say=say,
                   weights=opts.weights)
    zero = Plan(sl)
    say("stage 1: the scenario as it is, and the lower bound")
    base = ev([zero], "scenario as it is")[0]
    bound = load_bound(s, base.result["workload"], sl, roles)
    chats = erlang_start(s, base.result["workload"], zero, targets)
    bound["erlang_c_estimate"] = {
        "what": "people each hour that an M/M/c queue per hour needs for the minute-scale "
                "windows (the chat's first reply): the search's start, an estimate, not a bound",
        "person_days": chats.person_days(),
        "cost_cny": round(sum(s.costs.temporary(r) * n for r, n in chats.person_days().items()), 2)}
    say("feasibility: every allowed shift at its limit")
    full = zero.copy()
    for k in full.people:
        full.people[k] = np.where(sl.hours[k] > 0, sl.cap[k], 0)
    top = ev([full], "feasibility")[0]
    prices = _prices(s, sl, roles, targets)
    # Unmeetable when even this plan's interval lies below the target. An
    # undecided entry that the search would not accept even at the limits
    # cannot be decided by adding staff: it gets its verdict now (how many
    # replications, or which shift, would decide it), and the search staffs
    # toward the share the limits reached (a manager still wants the window
    # as good as it can be) instead of spending the budget on the target.
    unmeetable = [why(s, e, top, sl, roles, cap, prices)
                  for e in top.entries if e.verdict == "not met"]
    stuck = [undecided_at_limits(s, e, top, sl, roles, cap, prices, opts.replications)
             for e in top.entries if e.verdict == "undecided" and not e.ok]
    ev.skip = {(u["window"], u["period"]) for u in unmeetable}
    ev.reach = {(u["window"], u["period"]): u["search_reach"] for u in stuck}
    for o in (base, top):
        o.entries = ev.judged(o.result, strict=False)
    exhausted = False
    money_budget = max(ev.evaluations + 1, int(opts.budget * MONEY_SHARE))
    if base.ok:
        found = base
        if opts.weights.platform > 0:
            say("stage 2: additions for money (every target holds already)")
            found = add_for_money(ev, found, roles, money_budget, max(2, opts.jobs), prices)
    else:
        say("stage 2: iterative staffing from the measured load")
        start = chats
        daily = daily_staffing(s)
        regular = {r: daily[r]["hours"] for r in roles}
        start = _max(start, isa_step(zero, base.result, regular, roles, opts.utilisation))
        # Additions may use most of the budget, never all: removals need some.
        adding = max(ev.evaluations + 1, int(opts.budget * ADDING_SHARE))
        found = iterate_staffing(ev, start, regular, roles, opts.utilisation, adding)
        say("stage 2: greedy additions")
        found = add_greedily(ev, found, roles, adding, max(2, opts.jobs), pr=prices)
        if not found.ok and top.ok and ev.evaluations + len(TOWARD) <= opts.budget:
            say("stage 2: no single person helps: plans part of the way to the limits")
            found = toward_limits(ev, found, top, prices)
        if not found.ok:
            exhausted = ev.evaluations >= adding
            say("stage 2: targets still missed: " + ("the budget of evaluations ran out "
                "(--budget)" if exhausted else "no allowed person helps any more"))
        elif opts.weights.platform > 0:
            say("stage 2: additions for money (people who save more in charges than they cost)")
            found = add_for_money(ev, found, roles, money_budget, max(2, opts.jobs), prices)
        if found.ok:  # a removal is kept only when every target holds
            say("stage 2: greedy removals")
            found = remove_greedily(ev, found, opts.budget, max(2, opts.jobs), prices)
    searched = found
    say("stage 3: verification on fresh seeds")
    checked, vseed, n = _verify(ev, found.plan, seed, 0, opts)
    repairs = 0
    while _repairable(checked) and repairs < MAX_REPAIRS:
        # A person at a time where the failing entries' missed cases waited,
        # judged strictly on the seed and replications that found the gap
        # (fewer would widen the intervals and over-staff); the repaired
        # plan is verified on the next seed.
        say(f"stage 3: repair {repairs + 1} (targets not verified), then a new verification")
        how: dict[str, Any] = {"seed": vseed, "replications": n, "strict": True}
        failing = ev([found.plan], "repair", **how)[0]
        fixed = add_greedily(ev, failing, roles, ev.evaluations + REPAIR_STEPS, max(2, opts.jobs),
                             "repair", prices, **how)
        if fixed.plan.key() == found.plan.key():
            break  # nothing staff can add helps (too few cases to decide, say)
        repairs += 1  # counted when the plan changed
        found = fixed
        checked, vseed, n = _verify(ev, found.plan, seed, repairs, opts)
    # The scenario as it is on the verification's seed and replications too
    # (common random numbers): what the plan saves is then the change it
    # makes, not the difference between two seeds' draws.
    as_is = ev([zero], "scenario as it is (verification)", seed=vseed, replications=n,
               strict=True)[0]
    reasons = _reasons(s, checked, [*unmeetable, *stuck], sl, roles, cap, prices, targets)
    return result(s, opts, Context(targets, roles, cap, seed, vseed, n, repairs,
                                    exhausted and not searched.ok, shifts, stuck, reasons),
                   base, bound, searched, found, checked, as_is, unmeetable, ev,
                   time.perf_counter() - t0)


def _repairable(o: Outcome) -> bool:
    """Is some entry not verified for want of staff? An interval too wide to
    decide while every case met its window is a want of cases (a period
    with few of them): no person added changes it."""
    return any(not e.ok and not (e.verdict == "undecided" and e.met is not None
                                 and e.met >= 1.0 - 1e-9) for e in o.entries)


def _verify(ev: Evaluator, p: Plan, seed: int, round_: int,
            opts: PlanOptions) -> tuple[Outcome, int, int]:
    """The plan on a fresh seed, judged strictly, with the replications
    fixed in advance: adding replications until a plan passes would be
    optional stopping, and its 95% would no longer hold."""
    vseed = verify_seed(seed, round_)
    n = opts.verify_replications
    return ev([p], "verification", seed=vseed, replications=n, strict=True)[0], vseed, n


def _prices(s: Scenario, sl: Slots, roles: list[str], targets: dict[str, float]) -> Prices:
    touches: dict[str, set[str]] = {r: set() for r in roles}
    for wid in targets:
        for r in default_roles(s, [wid]):
            touches.setdefault(r, set()).add(wid)
    daily = {k: _price(s, sl, k) for k in sl.slots}
    tails = {w: int(np.ceil(s.service_windows[w].limit_hours / 24.0)) + 1 for w in targets}
    return Prices(daily, touches, {name: set(days) for name, days in segments(s).items()}, tails)


def _price(s: Scenario, sl: Slots, k: Slot) -> float:
    """What one person on one working day of slot ``k`` costs."""
    if sl.change[k] == "extra":
        return s.costs.temporary(k[0])
    if sl.change[k] == "overtime":
        return s.costs.overtime(k[0]) * float(sl.hours[k].max())
    # A permanent member is paid every calendar day, worked or not, and buys
    # the member-days its roster gains (decisions.hire: 6 of 7 for a chat
    # agent on 6+1), so a day of its work costs more.
    return s.costs.regular(k[0]) * sl.days / max(sl.hire(k, 1).worked, 1.0)


def _max(a: Plan, b: Plan) -> Plan:
    out = a.copy()
    for k in out.people:
        out.people[k] = np.maximum(a.people[k], b.people[k])
    return out


def _reasons(s: Scenario, checked: Outcome, known: list[dict], sl: Slots, roles: list[str],
             cap: dict[str, int], pr: Prices, targets: dict[str, float]) -> list[dict]:
    """Why each entry the verification did not show met is not met, in words:
    the reason found at the limits for those given up there, else read from
    the verification's own runs (an entry met in every case of a period with
    too few cases for 95% is not a want of staff and gets none)."""
    before = {(u["window"], u["period"]): u for u in known}
    out = []
    for e in entries(checked.result, targets, strict=True):
        if e.verdict in ("met", "no cases") or (e.met is not None and e.met >= 1.0 - 1e-9):
            continue
        u = before.get((e.window, e.period)) or why(s, e, checked, sl, roles, cap, pr)
        out.append({"window": e.window, "period": e.period, "verdict": e.verdict,
                    "met": e.met, "met_ci95": list(e.ci) if e.ci else None,
                    # The verdict with every allowed shift at its limit, for
                    # the entries the search gave up there.
                    "at_limits": before[(e.window, e.period)]["verdict"]
                    if (e.window, e.period) in before else None,
                    "reason": u["reason"]})
    return out
