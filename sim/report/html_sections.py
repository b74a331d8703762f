"""The report's sections on periods and staffing (the rest is in ``html``)."""
from __future__ import annotations

from rules.scenario import Scenario
from sim.report.html_parts import VERDICT_CLASS, ci, count, e, pct, table


def _badge(verdict: str) -> str:
    return f'<span class="badge {VERDICT_CLASS.get(verdict, "na")}">{e(verdict)}</span>'


def periods_section(s: Scenario, summary: dict) -> str:
    """Each window's verdict per period: a window met over the horizon can
    fail where it matters (the headline names those)."""
    windows = summary.get("service_windows") or {}
    names = list(s.periods)
    if not names or not windows:
        return ""
    rows, hidden = [], []
    for wid, w in windows.items():
        periods = w.get("periods") or {}
        failing = [n for n, p in periods.items() if p.get("verdict") == "not met"]
        if w.get("verdict") == "met" and failing:
            hidden.append(f"<b>{e(wid)}</b> is met overall but not in {e(', '.join(failing))}")
        cells = []
        for n in names:
            p = periods.get(n)
            cells.append("–" if p is None else
                         f"{pct(p.get('met'))}<br><small>{ci(p.get('met_ci95'))}</small><br>"
                         + _badge(p.get("verdict", "")))
        rows.append([f"<code>{e(wid)}</code>", _badge(w.get("verdict", "")), *cells])
    spans = [f"{e(n)}<br><small>{p.start}..{p.end}</small>" for n, p in s.periods.items()]
    head_html = ("<tr><th>window</th><th>overall</th>"
                 + "".join(f"<th>{x}</th>" for x in spans) + "</tr>")
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    lead = ("<p class='lead'>" + "; ".join(hidden) + ".</p>") if hidden else ""
    return (f"<section><h2>Service windows by period</h2>{lead}<table class='verdicts'>"
            f"<thead>{head_html}</thead><tbody>{body}</tbody></table>"
            "<p class='note'>Cases counted in the period they started in; 95% intervals "
            "across replications.</p></section>")


def staffing_section(s: Scenario, summary: dict) -> str:
    """Person-days on duty and cost per role, as simulated."""
    roles = summary.get("staffing") or {}
    if not roles:
        return ""
    rows = [[f"<code>{e(role)}</code>", count(r["headcount"], 0), count(r["person_days"], 0),
             count(r["temporary_person_days"], 0), count(r["overtime_hours"], 0),
             count(r["cost_cny"], 0)]
            for role, r in roles.items()]
    head = ["role", "headcount", "person-days on duty", "temporary person-days", "overtime h",
            f"cost ({s.costs.currency})"]
    total = count(summary.get("cost_cny_total"), 0)
    return (f"<section><h2>Staffing and cost</h2><p class='lead'>Total cost of the staffing "
            f"simulated: <b>{total} {e(s.costs.currency)}</b> over {s.horizon.days} days.</p>"
            + table(head, rows, "num")
            + f"<p class='note'>Prices: {e(s.costs.source or 'rules/costs.yaml')}. People on "
              "duty per day are in staffing.csv.</p></section>")


def _whole(x: object) -> str:
    return count(x, 0)


def lost_sales_section(s: Scenario, summary: dict) -> str:
    """Chats customers left unanswered, and the orders and money with them."""
    ls = summary.get("lost_sales") or {}
    if not ls:
        return ""
    cur = e(ls.get("currency") or s.costs.currency)
    rows = [["chats left unanswered", count(ls.get("chats_lost"), 0), ci(ls.get("chats_lost_ci95"), _whole)],
            ["orders lost", count(ls.get("orders_lost"), 0), ci(ls.get("orders_lost_ci95"), _whole)]]
    if ls.get("value_lost") is not None:
        rows.append([f"value lost ({cur})", count(ls.get("value_lost"), 0),
                     ci(ls.get("value_lost_ci95"), _whole)])
    aov = ls.get("average_order_value")
    return ("<section><h2>Lost sales</h2><p class='lead'>Customers who left a pre-sales chat "
            "before an agent answered, while agents were on duty (a chat written at night "
            "waits for the morning shift).</p>"
            + table(["per replication", "mean", "95% interval"], rows, "num")
            + f"<p class='note'>Orders lost: chats lost x the share of chats that end in an "
              f"order ({pct(ls.get('chat_conversion'), 0)}); value: x the average order value "
              f"({'not given' if aov is None else count(aov, 0) + ' ' + cur}); both from the "
              f"scenario's demand.</p></section>")


def undone_section(summary: dict) -> str:
    """Whole-member work a role never got to: duties skipped when due again,
    and tasks not started (or cut short) at the horizon. Utilisation alone
    hides it: a saturated role drops its lowest-priority work silently."""
    skipped = summary.get("duties_skipped") or {}
    open_ = summary.get("whole_member_open") or {}
    rows = []
    for role in sorted(set(skipped) | set(open_)):
        acts = sorted((open_.get(role) or {}).items(), key=lambda kv: -kv[1]["per_replication"])
        shown = [(a, x) for a, x in acts if x["per_replication"] >= 0.5][:4]
        not_started = sum(x["per_replication"] for _, x in acts)
        in_progress = sum(x.get("in_progress", 0.0) for _, x in acts)
        sk = skipped.get(role) or {}
        if not_started < 0.5 and in_progress < 0.5 and sk.get("per_replication", 0.0) < 0.5:
            continue
        rows.append([f"<code>{e(role)}</code>",
                     "&ndash;" if not sk else f"<b>{count(sk['per_replication'])}</b> "
                     f"<small>[{ci(sk.get('ci95'), count)}]</small>",
                     count(not_started), count(in_progress),
                     ", ".join(f"<code>{e(a)}</code> {count(x['per_replication'])}" for a, x in shown)
                     or "&ndash;"])
    if not rows:
        return ""
    head = ["role", "duties skipped [95%]", "tasks not started at the end", "cut short at the end",
            "most left undone (per replication)"]
    return ("<section><h2>Work left undone</h2><p class='lead'>Per replication: duties nobody "
            "started before they were due again (skipped), and whole-member tasks still "
            "waiting, or in hand, when the run ended.</p>" + table(head, rows, "num") + "</section>")
