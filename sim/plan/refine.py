"""Refining a plan found by the search (:mod:`sim.plan.search`): a step
toward the plan at the limits when no single person helps
(:func:`toward_limits`), and the greedy removals of stage 2.3
(:func:`remove_greedily`): people taken out where the targets have room,
each change kept only if every target still holds and the objective does
not rise. Every candidate is evaluated with the search's common random
numbers (its :class:`~sim.plan.search.Evaluator`)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.plan.decisions import Slot
from sim.plan.search import Evaluator, Outcome, Prices

__all__ = ["TOWARD", "remove_greedily", "toward_limits"]

#: Shares of the way from a plan that misses targets to the plan at the
#: limits, tried together when single additions stop helping.
TOWARD = (0.1, 0.25, 0.5, 1.0)


def toward_limits(ev: Callable[..., list[Outcome]], o: Outcome, top: Outcome, pr: Prices,
                  stage: str = "toward the limits") -> Outcome:
    """When single additions stop helping while the plan at the limits
    (``top``) holds every target: plans a share of the way from ``o`` to it
    (:data:`TOWARD`), on the slots of the roles whose windows still miss,
    and the cheapest that holds; the removals then take out the people it
    does not need. A queue that needs several more people on many days
    shows no gain from any one of them (the ninth session's Double 11
    search stopped so); ``o`` itself when none holds."""
    if o.ok or not top.ok:
        return o
    missing = {e.window for e in o.entries if not e.ok}
    roles = {r for r, windows in pr.touches.items() if windows & missing}
    cands = []
    for share in TOWARD:
        p = o.plan.copy()
        for k in p.people:
            if k[0] in roles:
                gap = np.maximum(top.plan.people[k] - p.people[k], 0)
                p.people[k] = p.people[k] + np.ceil(share * gap - 1e-9).astype(np.int64)
        cands.append(p)
    held = [x for x in ev(cands, stage) if x.ok]
    return min(held, key=lambda x: x.objective, default=o)


def _slack(o: Outcome, role: str, days: list[int], pr: Prices) -> float:
    """The least room above its target (as a share of what the target
    allows to miss) among the entries the role's block can move."""
    room = 1.0
    for e in o.entries:
        if e.window not in pr.touches.get(role, set()) or e.met is None:
            continue
        if e.period != "overall" and not pr.period_days.get(e.period, set()).intersection(days):
            continue
        room = min(room, (e.met - e.target) / max(1.0 - e.target, 1e-3))
    return room


def _removals(o: Outcome, tried: set, pr: Prices,
              groups: list[tuple[int, ...]]) -> list[tuple[float, Slot, tuple[int, ...]]]:
    """(score, slot, days) of the removals worth trying at one level (the
    days of each group): one person fewer on every day of the group that
    has one, scored by yuan saved times the targets' room."""
    moves = []
    sl = o.plan.slots
    for slot, v in o.plan.people.items():
        for group in groups:
            if sl.change[slot] == "permanent" and len(group) < sl.days:
                continue  # a headcount changes over the whole horizon only
            days = [d for d in group if v[d] > 0]
            if not days or (slot, group) in tried:
                continue
            room = _slack(o, slot[0], days, pr)
            # A hire less saves its pay over the horizon: its price per
            # member-day times the member-days the roster gains with it.
            worked = sl.hire(slot, 1).worked if sl.change[slot] == "permanent" else len(days)
            if room > 0:
                moves.append((pr.daily.get(slot, 1.0) * worked * room, slot, group))
    return sorted(moves, key=lambda m: -m[0])


def remove_greedily(ev: Evaluator, o: Outcome, budget: int, batch: int, pr: Prices) -> Outcome:
    """Stage 2.3: take people out where the targets have room, coarse to
    fine: one person fewer over the whole horizon, then per period, then
    per block; the largest savings first; a removal is kept only if every
    target still holds, and the removals of one batch that each hold are
    tried together first. A level ends when nothing in it can go."""
    sl = o.plan.slots
    everything = tuple(range(sl.days))
    levels = [[everything], [tuple(sorted(d)) for d in pr.period_days.values() if d],
              [tuple(b) for b in sl.blocks]]
    for groups in levels:
        tried: set[tuple[Slot, tuple[int, ...]]] = set()
        while ev.evaluations < budget:
            moves = _removals(o, tried, pr, groups)
            if not moves:
                break
            chosen = moves[:batch]
            outs = ev([o.plan.add_days(slot, days, -1) for _, slot, days in chosen],
                      "greedy removals")
            good = [(m, x) for m, x in zip(chosen, outs) if _kept(x, o)]
            # A failed removal stays failed: fewer people elsewhere never helps it.
            tried.update((slot, days) for (_, slot, days), x in zip(chosen, outs) if not _kept(x, o))
            if len(good) > 1 and ev.evaluations < budget:
                both = o.plan
                for (_, slot, days), _ in good:
                    both = both.add_days(slot, days, -1)
                together = ev([both], "greedy removals")[0]
                if _kept(together, o):
                    o = together
                    continue
            if good:
                o = min((x for _, x in good), key=lambda x: x.objective)
    return o


def _kept(x: Outcome, before: Outcome) -> bool:
    """A removal holds: every target, and no more objective than before (a
    person who saves the platform's charges more than they cost stays)."""
    return x.ok and x.objective <= before.objective + 1e-6
