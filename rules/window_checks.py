"""Cross-field checks of the service windows and the platform's timers
(``rules.checks`` runs them with the others)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from rules.errors import suggest
from rules.scenario import Scenario
from rules.windows import ServiceWindow
from rules.workflow import Step, walk

Found = Iterator[tuple[tuple, str]]
#: Activities the engine records for every case besides its steps.
CASE_MARKERS = frozenset({"case_start", "case_end"})
_unknown = suggest


def check_windows(s: Scenario) -> Found:
    for wid, win in s.service_windows.items():
        base = ("service_windows", wid)
        activities: set[str] = set()
        for i, w in enumerate(win.workflows):
            if w not in s.workflows:
                yield base + ("workflows", i), _unknown("workflow", w, s.workflows)
                continue
            activities |= {step.id for _, step, _ in walk(s.workflows[w].steps)}
            activities |= CASE_MARKERS
        if not activities:
            continue
        named = (("start", win.start.activity), ("end", win.end.activity), ("only_if", win.only_if))
        for field, act in named:
            if act is not None and act not in activities:
                sub = (field, "activity") if field != "only_if" else (field,)
                yield base + sub, _unknown("activity", act, activities)
        if win.customer_view is not None and win.customer_view.activity not in activities:
            yield base + ("customer_view", "activity"), _unknown(
                "activity", win.customer_view.activity, activities)
        yield from _check_limit_periods(s, base, win)
        if win.timer is not None:
            yield from _check_timer(s, base, win, activities)
    for wid in s.targets:
        if wid not in s.service_windows:
            yield ("targets", wid), _unknown("service window", wid, s.service_windows)


def _check_limit_periods(s: Scenario, base: tuple, win: ServiceWindow) -> Found:
    """Dated limits that could never apply or that say two things at once."""
    h = s.horizon
    for i, p in enumerate(win.limit_periods):
        here = base + ("limit_periods", i)
        if p.end < h.start or p.start > h.end:
            yield here, (f"{p.start}..{p.end} lies outside the horizon {h.start}..{h.end}, "
                         f"so this limit would never apply")
        for j, q in enumerate(win.limit_periods[:i]):
            if q.start <= p.end and p.start <= q.end:
                yield here, (f"overlaps limit_periods[{j}] ({max(p.start, q.start)}.."
                             f"{min(p.end, q.end)}); a day takes one limit")
                break


def _top_level(steps: Sequence[Step], activity: str) -> int | None:
    """Index of the top-level step that is or holds ``activity``."""
    for i, step in enumerate(steps):
        if any(x.id == activity for _, x, _ in walk((step,))):
            return i
    return None


def _check_timer(s: Scenario, base: tuple, win: ServiceWindow, activities: set[str]) -> Found:
    """A timer the engine can act on: the platform's, on the clock the
    analysis measures (elapsed hours from an end to an end, every case)."""
    # Problems of the window's other fields are the timer's: a scenario that
    # adds a timer to a window the rules declare is pointed at the timer.
    here = base + ("timer",)
    if win.owner != "platform":
        yield here, "a timer is the platform's act: a window with a timer needs owner: platform"
    if win.clock != "elapsed_hours":
        yield here, f"a timer runs on elapsed_hours, not {win.clock}"
    if win.active_hours is not None or win.only_if is not None:
        field = "active_hours" if win.active_hours is not None else "only_if"
        yield here, (f"a window with a timer times every case; '{field}' would leave "
                     f"cases the engine times out of the window")
    for field, point in (("start", win.start), ("end", win.end)):
        if point.edge != "end":
            yield base + (field, "edge"), (f"a timer starts and stops at the end of an activity "
                                           f"(edge: end), not at its '{point.edge}'")
    if win.timer is None:
        return
    if win.timer.cost_of_order is not None and (
            s.demand is None or s.demand.average_order_value is None):
        # The value is what is missing: point at it, in the scenario.
        where = ("demand", "average_order_value") if s.demand is not None else ("demand",)
        yield where, (f"service window '{base[1]}' prices its timer as a share of the order "
                      f"(timer.cost_of_order): give the order's value")
    if win.timer.action in activities:
        yield here + ("action",), (f"'{win.timer.action}' is already an activity of the window's "
                                   f"workflows; the platform's record needs an id of its own")
    if win.timer.resume_at is None:
        return
    for w in win.workflows:
        if w not in s.workflows:
            continue
        steps = s.workflows[w].steps
        ids = [x.id for x in steps]
        if win.timer.resume_at not in ids:
            yield here + ("resume_at",), (f"'{win.timer.resume_at}' is not a top-level step of "
                                          f"workflow '{w}' ({', '.join(ids)})")
            continue
        end = _top_level(steps, win.end.activity)
        if end is not None and ids.index(win.timer.resume_at) <= end:
            yield here + ("resume_at",), (f"'{win.timer.resume_at}' must come after the step "
                                          f"that ends the window ('{ids[end]}') in workflow '{w}'")
