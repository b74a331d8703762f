"""The report's parts on the platform's timers: what the platform did when
they ran out (``platform_actions``), and a window measured from the
customer's own event (``customer_view``) or over the service hours
(``service_hours_view``)."""
from __future__ import annotations

from rules.scenario import Scenario
from sim.report.html_parts import ci, count, e, hours, pct, table

THEN = {"continue": "the case goes on (a charge)", "resume": "the case goes on at a later step",
        "end": "the case ends there"}


def customer_view_cell(w: dict) -> str:
    """The window's met share and p95 from the customer's event, or over
    the starts in the service hours (the platform's reading), or a dash."""
    hours_view = w.get("service_hours_view")
    if hours_view:
        lo, hi = hours_view.get("hours") or (0, 24)
        return (f"<b>{pct(hours_view.get('met'))}</b> <small>{ci(hours_view.get('met_ci95'))}"
                f"</small><br><small>started {lo:02d}:00-{hi:02d}:00 only (the platform's "
                f"reading)</small>")
    view = w.get("customer_view")
    if not view:
        return "&ndash;"
    start = (view.get("from") or {}).get("activity", "")
    return (f"<b>{pct(view.get('met'))}</b> <small>{ci(view.get('met_ci95'))}</small><br>"
            f"<small>p95 {hours(view.get('p95_hours'))}, from <code>{e(start)}</code></small>")


def ci_of(pair: object) -> str:
    """``[low&ndash;high]`` of counts, as the tables print them."""
    lo, hi = pair if isinstance(pair, list) and len(pair) == 2 else (None, None)
    return f"[{count(lo)}&ndash;{count(hi)}]"


def platform_section(s: Scenario, summary: dict) -> str:
    """Acts of the platform per replication, with their cost where priced."""
    acts = {k: v for k, v in (summary.get("platform_actions") or {}).items() if isinstance(v, dict)}
    if not acts:
        return ""
    rows = []
    for action, a in acts.items():
        w = s.service_windows.get(a.get("window", ""))
        cost = a.get("cost_per_replication")
        rows.append([f"<code>{e(action)}</code>", f"<code>{e(a.get('window', ''))}</code>",
                     e(THEN.get(a.get("then", ""), a.get("then", ""))),
                     f"<b>{count(a.get('per_replication'))}</b> <small>{ci_of(a.get('ci95'))}</small>",
                     "&ndash;" if cost is None
                     else f"{count(cost)} <small>({e(a.get('cost_source', ''))})</small>",
                     e(w.on_breach if w is not None else "")])
    head = ["platform act", "timer of window", "what becomes of the case", "per replication [95%]",
            f"cost per replication ({s.costs.currency})", "the platform's rule"]
    return ("<section><h2>Platform timers that ran out</h2><p class='lead'>When a platform window's "
            "limit passes before the shop acts, the platform acts: work not yet started is withdrawn, "
            "the case takes the platform's path.</p>" + table(head, rows, "num") + "</section>")
