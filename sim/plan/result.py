"""The planner's result: what ``plan.json`` holds (the plan, its bound, the
search and the verification, the money the plan leaves, the history)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rules.scenario import Scenario
from sim.analysis.payroll import daily_staffing
from sim.plan.judge import entries
from sim.plan.money import money
from sim.plan.search import Evaluator, Outcome

if TYPE_CHECKING:
    from sim.plan.planner import PlanOptions

__all__ = ["Context", "result"]


@dataclass(frozen=True)
class Context:
    targets: dict[str, float]
    roles: list[str]
    cap: dict[str, int]
    seed: int
    verify_seed: int
    verify_replications: int
    repairs: int
    #: The additions stopped at the budget with targets still missed.
    budget_exhausted: bool
    #: Role -> the shifts its temporary staff could work.
    shifts: dict[str, list[str]] = field(default_factory=dict)
    #: Entries undecided with every allowed shift at its limit (given up).
    undecided_at_limits: list[dict] = field(default_factory=list)
    #: Why each entry the verification did not show met is not met.
    reasons: list[dict] = field(default_factory=list)


def _verdicts(result: dict, targets: dict[str, float]) -> dict:
    """The verification, strictly: ``met`` only with the 95% interval at or
    above the target; ``undecided`` names an interval too wide to decide."""
    es = entries(result, targets, strict=True)
    return {"entries": [e.as_dict() for e in es],
            "all_met": all(e.verdict in ("met", "no cases") for e in es),
            "not_met": [f"{e.window}/{e.period}" for e in es if e.verdict == "not met"],
            "undecided": [f"{e.window}/{e.period}" for e in es if e.verdict == "undecided"],
            # Undecided although every case met: too few cases for 95%, not too few staff.
            "too_few_cases": [f"{e.window}/{e.period}" for e in es if e.verdict == "undecided"
                              and e.met is not None and e.met >= 1.0 - 1e-9]}


def result(s: Scenario, opts: PlanOptions, c: Context, base: Outcome, bound: dict,
            searched: Outcome, found: Outcome, checked: Outcome, as_is: Outcome,
            unmeetable: list[dict], ev: Evaluator, wall: float) -> dict:
    p = found.plan
    staffed = daily_staffing(s)
    # The plan as simulated (from the overrides it writes), not as decided.
    planned = daily_staffing(ev.scenario(p))
    return {
        "scenario": s.name, "input": opts.path,
        "what_ifs": {"set": list(opts.sets), "temp": list(opts.temps),
                     "permanent": opts.permanent,
                     "overtime": list(opts.fixed_overtime),
                     "period": list(opts.periods)},
        "seed": c.seed, "verify_seed": c.verify_seed,
        "replications": {"search": opts.replications, "verification": opts.verify_replications},
        "granularity": opts.granularity, "roles": c.roles, "limits": c.cap,
        "shifts": c.shifts,
        # The shift each role's own members may work as overtime (--allow-overtime).
        "overtime_shifts": dict(opts.overtime),
        "targets": c.targets, "currency": s.costs.currency,
        "dates": [p.slots.date(d).isoformat() for d in range(p.slots.days)],
        "plan": {"temps": p.temps(), "overtime": p.temps("overtime"),
                 "permanent": p.permanent(), "sets": p.sets(),
                 "overtime_member_days": p.days_by_role("overtime"),
                 "objective": found.objective,
                 "overrides": p.overrides(),
                 "by_day": {r: [int(x) for x in planned[r]["temporary"] - staffed[r]["temporary"]]
                            for r in c.roles},
                 "by_slot": {f"{r}:{sh}": [int(x) for x in v] for (r, sh), v in p.people.items()},
                 "person_days": {r: int((planned[r]["temporary"] - staffed[r]["temporary"]).sum())
                                 for r in c.roles},
                 "person_days_total": int(sum((planned[r]["temporary"] - staffed[r]["temporary"]).sum()
                                              for r in c.roles)),
                 "cost": found.cost},
        "objective": {"minimised": "the plan's staff cost + platform x the platform's charges "
                                   "+ lost_sales x the value of lost sales (CNY per replication: "
                                   "the horizon), every target held",
                      "weights": {"platform": opts.weights.platform,
                                  "lost_sales": opts.weights.lost_sales}},
        # What a manager weighs: the staff the plan pays beside the money it
        # leaves, the plan and the scenario as it is (no staff added) both
        # measured on the verification's seed and replications, so that the
        # difference is the plan's, not the seeds'.
        "money": {"currency": s.costs.currency, "per": "replication (the scenario's horizon)",
                  "plan": {"staff_cny": found.cost, "payroll_cny": checked.result.get("cost_cny_total"),
                           **money(checked.result), "measured_on": "verification"},
                  "scenario_as_it_is": {"staff_cny": 0.0,
                                        "payroll_cny": as_is.result.get("cost_cny_total"),
                                        **money(as_is.result), "measured_on": "verification"}},
        "documented_staff": {r: s.headcount(r) for r in c.roles},
        "on_duty_before": {r: [int(x) for x in staffed[r]["regular"] + staffed[r]["temporary"]]
                           for r in c.roles},
        "lower_bound": bound,
        "scenario_as_it_is": {"cost": base.cost, "targets_ok": base.ok,
                              "entries": [e.as_dict() for e in base.entries]},
        "unmeetable": unmeetable,
        "undecided_at_limits": c.undecided_at_limits,
        # The search's own result (its seed), before the verification's repairs.
        "search": {"targets_ok": searched.ok, "cost": searched.cost,
                   "person_days_total": searched.plan.total_person_days(),
                   "budget_exhausted": c.budget_exhausted,
                   "entries": [e.as_dict() for e in searched.entries]},
        "verification": {"seed": c.verify_seed, "replications": c.verify_replications,
                         "repairs": c.repairs, **_verdicts(checked.result, c.targets),
                         "reasons": c.reasons},
        "history": ev.history,
        "evaluations": ev.evaluations, "replications_run": ev.replications_run,
        "wall_seconds": round(wall, 1),
    }
