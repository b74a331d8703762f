"""Why a window is not met, in a manager's words, from the run's log.

When the planner stops without every target met, each entry (window and
period) left gets a reason read from the evaluation that decided it:

- which role its missed cases waited for (``workload.window_waits``: the
  hours they waited, inside the window, per role);
- whether those waits began when no shift the planner may staff works
  (``workload.window_waits_by_hour``: the hour each waiting step was
  enabled, against the allowed shifts' hours and the role's own members'):
  a refusal inspected on Saturday waits for the after-sales agent until
  Monday whatever the planner adds Monday to Friday; the reason names the
  days (or hours) and the scenario's shift that covers most of those waits
  per hour it works, as a ``--shifts`` option;
- else whether the role's allowed shifts were at their limit where the
  cases waited (``--max``), or the role may not get staff (``--roles``);
- for an entry too close to its target to decide at the limits: how many
  replications would decide it (the interval's half-width shrinks as one
  over the root of the replications), and the share the search staffed it
  toward instead of the target (:data:`REACH_SLACK` below the limits').
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
from scipy import special

from rules.scenario import Scenario
from sim.plan.bound import on_duty_by_hour
from sim.plan.decisions import Slots
from sim.plan.judge import Entry
from sim.plan.search import Outcome, Prices
from sim.plan.shifts import closest_every_day_shift, day_names, shift_cover

__all__ = ["entry_days", "replications_to_decide", "undecided_at_limits", "why"]

#: Below this share of the missed cases' waiting hours begun off every
#: allowed shift, the off-shift hours are not the reason given.
OFF_SHIFT_SHARE = 0.25
#: Most replications an estimate names (beyond: "not within 10,000").
MOST_REPLICATIONS = 10_000
#: How far below the share reached at the limits the search may stop for
#: an entry undecided there (one point, assumed: the search's candidates
#: share the limits' seed and replications, so the same staff where the
#: cases wait gives about the same share).
REACH_SLACK = 0.01


def entry_days(e: Entry, pr: Prices | None, days: int) -> list[int]:
    """The days whose enabled steps an entry's cases waited on: its
    period's days and the days after it its cases may still wait (all
    days for ``overall``)."""
    if pr is None or e.period == "overall" or e.period not in pr.period_days:
        return list(range(days))
    inside = pr.period_days[e.period]
    last, tail = max(inside, default=0), pr.tail_days.get(e.window, 0)
    return sorted(d for d in inside | set(range(last + 1, last + 1 + tail)) if d < days)


def allowed_hours(s: Scenario, sl: Slots, role: str) -> np.ndarray:
    """Hours (days x 24) at which the role's own members or a shift the
    planner may staff for it are on duty."""
    on = on_duty_by_hour(s, role, sl.days) > 0
    for k in sl.slots:
        if k[0] == role:
            on |= np.asarray(sl.cover[k]) > 0
    return on


def _shifts_of(sl: Slots, role: str) -> list[str]:
    return [k[1] for k in sl.slots if k[0] == role and sl.change[k] == "extra"]


def _covering_shift(s: Scenario, off: np.ndarray, scope: list[int], allowed: list[str]) -> str | None:
    """The scenario's shift, not yet allowed, that covers the most of the
    ``off`` waiting hours per hour it works in ``scope`` (at least a quarter
    of them), or None."""
    total = float(off[scope].sum())
    best, score = None, 0.0
    for name in s.calendars.shifts:
        if name in allowed:
            continue
        hours, cover = shift_cover(s, name)
        covered = float(off[scope][cover[scope]].sum())
        worked = float(hours[scope].sum())
        if worked <= 0 or covered < OFF_SHIFT_SHARE * total:
            continue
        if covered / worked > score:
            best, score = name, covered / worked
    return best


def off_shift(s: Scenario, sl: Slots, role: str, by_hour: np.ndarray,
              scope: list[int]) -> dict | None:
    """When the missed cases' waits for ``role`` began while none of its
    allowed shifts works, if that is at least :data:`OFF_SHIFT_SHARE` of
    their waiting hours: the share, the days (or hours) and a ``--shifts``
    that would cover them."""
    waits = np.asarray(by_hour, float).reshape(sl.days, 24)
    total = float(waits[scope].sum())
    if total <= 0:
        return None
    on = allowed_hours(s, sl, role)
    off = np.where(on, 0.0, waits)
    share = float(off[scope].sum()) / total
    if share < OFF_SHIFT_SHARE:
        return None
    idle = [d for d in scope if not on[d].any()]
    worked = [d for d in scope if on[d].any()]
    hours_of_day = np.flatnonzero(on[worked].any(axis=0)) if worked else np.array([], int)
    parts = []
    on_idle_days = bool(idle) and float(off[idle].sum()) >= OFF_SHIFT_SHARE * float(off[scope].sum())
    if on_idle_days:
        parts.append(f"no allowed shift of {role} works {day_names(s, idle, scope)}")
    if worked and float(off[worked].sum()) >= OFF_SHIFT_SHARE * float(off[scope].sum()) \
            and hours_of_day.size:
        parts.append(f"none works before {int(hours_of_day[0]):02d}:00 or after "
                     f"{int(hours_of_day[-1]) + 1:02d}:00")
    allowed = _shifts_of(sl, role)
    # Days without any allowed shift: the every-day shift most like the
    # role's own, as the default rule would offer; hours: the shift that
    # covers most of the waits per hour it works.
    extra = closest_every_day_shift(s, allowed) if on_idle_days else None
    extra = extra or _covering_shift(s, off, scope, allowed)
    # The days are named (and the wording says "weekend") only when the
    # waits begun on them are a share worth naming: a weekday evening
    # backlog with a trace at the weekend is about hours, not days.
    days = idle if on_idle_days else []
    weekend = bool(days) and all(
        (s.horizon.start + dt.timedelta(days=d)).weekday() >= 5 for d in days)
    where = "over the weekend" if weekend else "when nobody it may add is on duty"
    text = (f"its missed cases wait for {role} {where} ({share:.0%} of their waiting hours "
            f"began while no allowed shift of {role} works): "
            + "; ".join(parts or [f"no allowed shift of {role} works then"]))
    if extra is not None:
        text += f"; try --shifts {role}={','.join([*allowed, extra])}"
    else:
        text += "; no shift of the scenario covers those hours: add one to calendars.shifts " \
                "and name it with --shifts"
    return {"role": role, "share": round(share, 4), "days": days, "shift": extra, "text": text}


def why(s: Scenario, e: Entry, o: Outcome, sl: Slots, roles: list[str], cap: dict[str, int],
        pr: Prices | None) -> dict:
    """The entry with the reason its missed cases were missed in ``o``."""
    scope = entry_days(e, pr, sl.days)
    workload = o.result["workload"]
    per_day = workload["window_waits"].get(e.window) or {}
    waits = {r: float(np.asarray(v, float)[scope].sum()) for r, v in per_day.items()}
    waits = {r: h for r, h in waits.items() if h > 0}
    out = {**e.as_dict(), "best_met": e.met}
    if not waits:
        out["reason"] = ("no missed case waits for staff with every allowed shift at its "
                         "limit: the time goes to steps staff cannot shorten (couriers, "
                         "customers, the platform)" if e.verdict == "not met" else
                         "too few cases for 95% confidence, whatever the staff")
        return out
    role = max(waits, key=lambda r: waits[r])
    out["waiting_role"] = role
    if role not in roles:
        out["reason"] = (f"its missed cases wait mostly for {role}, which may not get staff: "
                         f"add it with --roles")
        return out
    hourly = (workload.get("window_waits_by_hour") or {}).get(e.window, {}).get(role)
    found = off_shift(s, sl, role, np.asarray(hourly), scope) if hourly is not None else None
    if found is not None:
        out["off_shift"] = {k: v for k, v in found.items() if k != "text"}
        out["reason"] = found["text"]
        return out
    full = [k for k in sl.slots if k[0] == role and sl.change[k] != "permanent"
            and all(o.plan.at_cap(k, d) for d in scope if sl.hours[k][d] > 0)]
    if full:
        out["reason"] = (f"its missed cases still wait for {role} with {cap[role]} extra "
                         f"people per shift every day: raise --max {role}=N")
    else:
        out["reason"] = (f"its missed cases wait for {role}, and one more person where they "
                         f"waited did not raise the share on the search's replications")
    return out


def replications_to_decide(e: Entry, n: int) -> int | None:
    """Replications whose 95% interval would lie above the target if the
    met share and its spread are what ``n`` replications measured; None
    when the share is at or below the target (more replications would
    most likely show it not met) or when it takes more than
    :data:`MOST_REPLICATIONS`."""
    if e.met is None or e.ci is None or n < 2 or e.met <= e.target:
        return None
    half = max(e.met - e.ci[0], e.ci[1] - e.met)
    sd = half * math.sqrt(n) / float(special.stdtrit(n - 1, 0.975))
    for m in range(n + 1, MOST_REPLICATIONS + 1):
        if float(special.stdtrit(m - 1, 0.975)) * sd / math.sqrt(m) < e.met - e.target:
            return m
    return None


def undecided_at_limits(s: Scenario, e: Entry, top: Outcome, sl: Slots, roles: list[str],
                        cap: dict[str, int], pr: Prices | None, n: int) -> dict:
    """The verdict on an entry the search cannot decide: with every allowed
    shift at its limit its interval still straddles the target (no staff
    can be added to move it, so searching for it would only spend the
    budget)."""
    out = why(s, e, top, sl, roles, cap, pr)
    lo, hi = e.ci if e.ci is not None else (math.nan, math.nan)
    m = replications_to_decide(e, n)
    head = (f"with every allowed shift at its limit it is {e.met:.1%} [{lo:.1%}-{hi:.1%}] "
            f"against {e.target:.0%} on {n} replications: it cannot be shown met with these "
            f"replications")
    if m is not None:
        decide = f"about {m} replications would decide it if {e.met:.1%} is its share"
    else:
        decide = (f"at {e.met:.1%} more replications would most likely show it not met"
                  if e.met is not None and e.met <= e.target else
                  f"not within {MOST_REPLICATIONS:,} replications")
    reach = max(0.0, (e.met or 0.0) - REACH_SLACK)
    out["replications_to_decide"] = m
    out["search_reach"] = round(reach, 4)
    out["reason"] = (f"{head}; {decide}; the search staffed it toward {reach:.1%} (the share "
                     f"at the limits less {REACH_SLACK:.0%}) instead of its target; "
                     f"{out['reason']}")
    return out
