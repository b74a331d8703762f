"""Stage 2: the simulation-based search, with common random numbers.

Every candidate is evaluated with the same seed and replications
(:func:`sim.analysis.evaluation.evaluate_all`), so two candidates differ by
their staff, not by their luck. Three steps, each bounded by the budget of
evaluations:

1. *Iterative staffing* in the spirit of Feldman, Mandelbaum, Massey and
   Whitt (2008): simulate, measure each role's offered load per day (the
   work it met plus the work it turned away), staff every day so that its
   load fits in the on-duty hours at the target utilisation, and again,
   until the staffing stops changing.
2. *Greedy additions*: while a target is missed, add one person on the
   (role, shift, block) where the missed cases waited longest, choosing
   among a few such candidates the one that closes most of the gap per yuan.
3. *Greedy removals*: try to take people out, the most expensive first,
   keeping every change after which every target still holds and the
   objective does not rise (:mod:`sim.plan.refine`, with the step toward
   the plan at the limits when single additions stop helping).

The objective is the staff's cost plus the money the plan leaves that the
weights count (:mod:`sim.plan.money`: the platform's charges by default):
additions are chosen per yuan of it, a removal that saves less than the
compensation it lets the platform charge is not kept, and with charges
weighed, *additions for money* (before the removals) add a person where the
charged cases waited when that lowers the objective, although every target
holds already.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rules.loader import load_scenario
from rules.scenario import Scenario
from sim.analysis.evaluation import evaluate_all
from sim.plan.decisions import Plan, Slot
from sim.plan.judge import Entry, entries, shortfall
from sim.plan.money import Weights, money, objective, priced_windows

__all__ = ["Evaluator", "Outcome", "Prices", "add_for_money", "add_greedily", "isa_step",
           "iterate_staffing"]

@dataclass
class Outcome:
    plan: Plan
    result: dict
    cost: float  # temporary staff's cost (CNY), from the scenario's payroll
    entries: list[Entry]
    #: :func:`sim.plan.money.money` of the result: CNY the plan leaves.
    money: dict = field(default_factory=dict)
    #: What the search minimises: ``cost`` plus the weighed money.
    objective: float = 0.0

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def shortfall(self) -> float:
        return shortfall(self.entries)


@dataclass
class Evaluator:
    """Candidates -> outcomes, with the search's seed and replications."""
    path: str
    sets: Sequence[str]
    temps: Sequence[str]
    overtime: Sequence[str]
    periods: Sequence[str]
    targets: dict[str, float]
    seed: int
    replications: int
    jobs: int = 1
    base_cost: float = 0.0
    #: ``evaluate_all``-like function (an executor/cache-aware one in the CLI).
    run: Callable[..., list[dict]] = evaluate_all
    allow_outside: bool = False
    #: Told one line per batch evaluated (progress).
    say: Callable[[str], None] = lambda _m: None
    #: What the objective counts besides the staff's cost.
    weights: Weights = field(default_factory=Weights)
    history: list[dict] = field(default_factory=list)
    #: (window, period) entries the search does not try to meet (unmeetable).
    skip: set[tuple[str, str]] = field(default_factory=set)
    #: (window, period) entries undecided at the limits -> the share the
    #: search staffs toward instead of the target; the strict evaluations
    #: (verification, repairs) leave them out, as no staff decides them.
    reach: dict[tuple[str, str], float] = field(default_factory=dict)
    evaluations: int = 0
    replications_run: int = 0
    _memo: dict = field(default_factory=dict)

    def scenario(self, plan: Plan) -> Scenario:
        return load_scenario(self.path, [*self.sets, *plan.sets()], [*self.temps, *plan.temps()],
                             self.periods,
                             allow_outside=self.allow_outside,
                             overtime=[*self.overtime, *plan.temps("overtime")])

    def judged(self, result: dict, strict: bool) -> list[Entry]:
        """The entries of ``result`` the search weighs: without those it
        gave up, those undecided at the limits against their reach."""
        out = []
        for e in entries(result, self.targets, strict):
            key = (e.window, e.period)
            if key in self.skip or (strict and key in self.reach):
                continue
            out.append(replace(e, reach=self.reach[key]) if key in self.reach else e)
        return out

    def __call__(self, plans: list[Plan], stage: str, seed: int | None = None,
                 replications: int | None = None, strict: bool = False) -> list[Outcome]:
        seed = self.seed if seed is None else seed
        n = self.replications if replications is None else replications
        todo = list({p.key(): p for p in plans
                     if (p.key(), seed, n, strict) not in self._memo}.values())
        if todo:
            t0 = time.perf_counter()
            results = self.run([self.scenario(p) for p in todo], n, seed, self.jobs)
            wall = time.perf_counter() - t0
            for p, r in zip(todo, results):
                kept = self.judged(r, strict)
                cost = round(r["cost_cny_total"] - self.base_cost, 2)
                m = money(r)
                out = Outcome(p, r, cost, kept, m, objective(cost, m, self.weights))
                self._memo[(p.key(), seed, n, strict)] = out
                self.evaluations += 1
                self.replications_run += n
                self.history.append({
                    "evaluation": self.evaluations, "stage": stage, "seed": seed,
                    "replications": n, "person_days": p.total_person_days(),
                    "cost_cny": out.cost, "objective_cny": out.objective,
                    "platform_cny": m["platform_cny"], "lost_sales_cny": m["lost_sales_cny"],
                    "targets_ok": out.ok,
                    "shortfall": round(out.shortfall, 4),
                    "wall_seconds": round(wall / len(todo), 2)})
            outs = [self._memo[(p.key(), seed, n, strict)] for p in todo]
            held = [o.cost for o in outs if o.ok]
            self.say(f"  {stage}: {len(todo)} candidate(s) x {n} replications in {wall:.1f} s, "
                     f"{len(held)} holding every target"
                     + (f" (cheapest {min(held):,.0f})" if held else "")
                     + f"; {self.evaluations} evaluations so far")
        return [self._memo[(p.key(), seed, n, strict)] for p in plans]


@dataclass(frozen=True)
class Prices:
    """What removals weigh: a person-day's price per slot (a temporary
    person's day rate, or a member's overtime hours), the windows each
    role's steps are part of, and the days of each period."""
    daily: dict[Slot, float]
    touches: dict[str, set[str]]
    period_days: dict[str, set[int]]
    #: Per window, days after a period's end its cases may still be waiting.
    tail_days: dict[str, int] = field(default_factory=dict)


def _offered(result: dict, role: str, days: int) -> np.ndarray:
    w = result["workload"]
    return (np.asarray(w["work_hours"].get(role, np.zeros(days)))
            + np.asarray(w["unserved_hours"].get(role, np.zeros(days))))


def isa_step(plan: Plan, result: dict, regular_hours: dict[str, np.ndarray], roles: list[str],
             utilisation: float) -> Plan:
    """The staffing each day's measured load asks for: temporary hours so
    that offered <= utilisation x on-duty hours, spread over the role's
    slots by the hours each works that day, rounded up per slot; per block
    of the plan's granularity, the mean of its working days rounded up."""
    sl = plan.slots
    out = plan
    for role in roles:
        # Day by day: temporary staff and overtime, not a permanent headcount.
        mine = [k for k in sl.slots if k[0] == role and sl.change[k] != "permanent"]
        if not mine:
            continue
        need = np.maximum(_offered(result, role, sl.days) / utilisation - regular_hours[role], 0.0)
        hours = np.array([sl.hours[k] for k in mine])  # slots x days
        total = hours.sum(axis=0)
        for i, k in enumerate(mine):
            share = np.divide(hours[i], total, out=np.zeros(sl.days), where=total > 0)
            people = np.ceil(np.divide(need * share, hours[i], out=np.zeros(sl.days),
                                       where=hours[i] > 0) - 1e-9)
            out = out.set_days(k, people)
    return out


def iterate_staffing(ev: Evaluator, start: Plan, regular_hours: dict[str, np.ndarray],
                     roles: list[str], utilisation: float = 0.85, budget: int = 10**6,
                     rounds: int = 3) -> Outcome:
    """Stage 2.1: re-staff from the measured load until the plan repeats."""
    current = ev([start], "iterative staffing")[0]
    for _ in range(rounds):
        if current.ok or ev.evaluations >= budget:
            break
        nxt = isa_step(current.plan, current.result, regular_hours, roles, utilisation)
        merged = current.plan.copy()
        for k in merged.people:  # never below the start (the Erlang C guess for chats)
            merged.people[k] = np.maximum(nxt.people[k], start.people[k])
        if merged.key() == current.plan.key():
            break
        current = ev([merged], "iterative staffing")[0]
    return current


def _candidates_to_add(o: Outcome, roles: list[str], k: int, pr: Prices | None) -> list[Plan]:
    """Plans with one more person where the missed cases of the failing
    entries waited longest, per yuan (per slot and block; a period's entry
    counts the days of its period only)."""
    sl = o.plan.slots
    waits = o.result["workload"]["window_waits"]
    score: dict[tuple[Slot, int], float] = {}
    for e in (e for e in o.entries if not e.ok):
        inside = None
        if pr is not None and e.period != "overall" and e.period in pr.period_days:
            days_in = pr.period_days[e.period]
            last, tail = max(days_in, default=0), pr.tail_days.get(e.window, 0)
            inside = days_in | set(range(last + 1, last + 1 + tail))
        for role, per_day in (waits.get(e.window) or {}).items():
            if role not in roles:
                continue
            per_day = np.asarray(per_day)
            for slot in (s for s in sl.slots if s[0] == role):
                price = 1.0 if pr is None else max(pr.daily.get(slot, 1.0), 1.0)
                gains = sl.hours[slot]
                if sl.change[slot] == "permanent":
                    # The next hire: the roster with one more member minus the
                    # roster now, and its price per member-day it gains.
                    nth = int(o.plan.people[slot].max(initial=0)) + 1
                    if nth > sl.cap[slot]:
                        continue
                    h = sl.hire(slot, nth)
                    gains = h.days
                    price *= sl.hire(slot, 1).worked / max(h.worked, 1e-9)
                for b, block in enumerate(sl.blocks_of(slot)):
                    days = [d for d in block if gains[d] > 0 and not o.plan.at_cap(slot, d)
                            and (inside is None or d in inside)]
                    if days:
                        w = float(per_day[days].sum()) * e.gap / (price * len(days))
                        if w > 0:
                            score[(slot, b)] = score.get((slot, b), 0.0) + w
    best = sorted(score, key=lambda x: -score[x])[:k]
    return [o.plan.add(slot, b, 1) for slot, b in best]


def _gain_per_yuan(x: Outcome, shortfall_before: float, objective_before: float) -> float:
    return (shortfall_before - x.shortfall) / max(x.objective - objective_before, 1.0)


def add_greedily(ev: Evaluator, o: Outcome, roles: list[str], budget: int, batch: int,
                 stage: str = "greedy additions", pr: Prices | None = None,
                 **how: Any) -> Outcome:
    """Stage 2.2: add people until every target holds or the budget ends
    (``how``: the evaluations' seed, replications and strictness, when not
    the search's own, as in the verification's repairs)."""
    while not o.ok and ev.evaluations < budget:
        cands = _candidates_to_add(o, roles, batch, pr)
        if not cands:
            break
        outs = ev(cands, stage, **how)
        base = o.shortfall
        best = max(outs, key=lambda x: _gain_per_yuan(x, base, o.objective))
        if best.shortfall >= base - 1e-9:
            # No single person helps: add on the best few places at once (a
            # queue that needs two more people shows no gain from one).
            merged = o.plan.copy()
            for c in _candidates_to_add(o, roles, max(2 * batch, 2), pr):
                for slot in merged.people:
                    merged.people[slot] = np.maximum(merged.people[slot], c.people[slot])
            best = ev([merged], stage, **how)[0]
            if best.shortfall >= base - 1e-9:
                return o  # more people where the cases waited does not help
        o = best
    return o


def _charged(o: Outcome) -> Outcome:
    """``o`` with an entry per window whose missed cases the platform
    charges, as if each were a target missed by its misses (what
    :func:`_candidates_to_add` reads to find where a person helps)."""
    found = []
    for wid in priced_windows(o.result):
        w = o.result["service_windows"].get(wid) or {}
        met = w.get("met")
        if met is not None and met < 1.0:
            found.append(Entry(wid, "overall", 1.0, met, None, "not met", float(w.get("cases") or 0)))
    return Outcome(o.plan, o.result, o.cost, found, o.money, o.objective)


def add_for_money(ev: Evaluator, o: Outcome, roles: list[str], budget: int, batch: int,
                  pr: Prices | None = None) -> Outcome:
    """Stage 2.3 with the platform's charges weighed: while the budget
    lasts, add the person (where the charged cases waited longest, per
    yuan) who lowers the objective most, every target still holding; stop
    when none lowers it."""
    if ev.weights.platform <= 0:
        return o
    while o.ok and ev.evaluations < budget:
        cands = _candidates_to_add(_charged(o), roles, batch, pr)
        if not cands:
            break
        held = [x for x in ev(cands, "additions for money") if x.ok]
        best = min(held, key=lambda x: x.objective, default=None)
        if best is None or best.objective >= o.objective - 1e-6:
            break
        o = best
    return o
