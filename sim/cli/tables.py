"""The terminal tables of ``opsim run``: window verdicts, cases, bottlenecks,
what-ifs (rich tables; the summary's numbers, nothing computed here)."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

TOP = 3
STYLE = {"met": "green", "not met": "red", "undecided": "yellow"}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _target(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:g}"


def duration(hours: float) -> str:
    """Hours as a person reads them, short: ``3min``, ``4.2h``, ``48h``, ``10d``."""
    if hours < 1:
        return f"{hours * 60:.0f}min"
    if hours < 10:
        return f"{hours:.1f}h"
    return f"{hours:.0f}h" if hours < 100 else f"{hours / 24:.0f}d"


def chinese(console: Console) -> bool:
    """Whether Chinese names fit beside the ids: a UTF terminal, wide enough."""
    return console.encoding.lower().startswith("utf") and console.width >= 100


def label(ident: str, names: dict[str, str] | None) -> str:
    """``客服 customer_service`` when ``names`` has the id, else the id."""
    zh = (names or {}).get(ident)
    return f"{zh} {ident}" if zh else ident


def windows_table(summary: dict, zh: bool = False) -> Table | None:
    """Window, cases, met share, 95% CI, p95, limit, target and verdict."""
    windows = summary.get("service_windows")
    if not windows:
        return None
    table = Table(title="service windows (cases per replication; shares in %; target in parentheses)",
                  box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True,
                  show_edge=False)
    # Ids fold rather than cut; everything fits in 80 columns.
    table.add_column("window", overflow="fold", min_width=24)
    for name in ("cases", "met [95% CI]", "p95/limit", "verdict"):
        table.add_column(name, no_wrap=True, justify="left" if name == "verdict" else "right")
    for wid, w in windows.items():
        ci = w.get("met_ci95")
        ci_text = "-" if not ci else f"{_pct(ci[0])}-{_pct(ci[1])}"
        if w.get("ci_method", "").startswith("wilson"):
            ci_text += " W"
        verdict = w["verdict"]
        style = STYLE.get(verdict)
        shown = f"[{style}]{verdict}[/]" if style else verdict
        p95 = "-" if w.get("p95_hours") is None else duration(w["p95_hours"])
        # Names come from scenario files: escaped, so "[" is text, not rich markup.
        name = escape(f"{w['name_zh']} {wid}" if zh and w.get("name_zh") else wid)
        table.add_row(name, f"{w['cases']:.0f}" if w["cases"] >= 100 else f"{w['cases']:.1f}",
                      f"{_pct(w.get('met'))} [{ci_text}]", f"{p95}/{duration(w['limit_hours'])}",
                      f"{shown} ({_target(w.get('target'))})")
    return table


def report_windows(console: Console, summary: dict, names: dict[str, str] | None = None) -> None:
    table = windows_table(summary, chinese(console))
    if table is not None:
        console.print(table)
    for line in period_lines(summary):
        console.print(line)
    for line in breaker_lines(summary, names if chinese(console) else None):
        console.print(line, markup=False, highlight=False)


def breaker_lines(summary: dict, names: dict[str, str] | None = None) -> list[str]:
    """Who breaks the windows (waiting time of the missed cases), in the
    same words as the report's "main cause of misses"."""
    from sim.analysis.window_report import window_breakers  # on use: see sim.cli.run

    out = []
    for r in window_breakers(summary)[:TOP]:
        missed = "; ".join(f"{w['window']} {w['missed']:,.0f}/rep, waiting {duration(w['waiting_hours'])}"
                           for w in r["windows"])
        out.append(f"  {label(r['role'], names)}: {missed}")
    if out:
        out.insert(0, "who breaks the windows (missed cases by the role they waited for longest):")
    return out


def period_lines(summary: dict) -> list[str]:
    """Per window with periods: its verdict in each, and a headline when a
    window met overall is not met in some period (the failing days would
    otherwise hide in a 92-day average)."""
    out = []
    for wid, w in (summary.get("service_windows") or {}).items():
        periods = w.get("periods") or {}
        if not periods:
            continue
        parts = []
        for name, p in periods.items():
            style = STYLE.get(p["verdict"])
            verdict = f"[{style}]{p['verdict']}[/]" if style else p["verdict"]
            parts.append(f"{escape(name)} {_pct(p.get('met'))}% {verdict}")
        failing = [name for name, p in periods.items() if p["verdict"] == "not met"]
        if w["verdict"] == "met" and failing:
            out.append(f"[bold red]{escape(wid)}: met overall but NOT MET in "
                       f"{escape(', '.join(failing))}[/]")
        out.append(f"  {escape(wid)} by period: " + "; ".join(parts))
    return out


def report_staffing(console: Console, summary: dict) -> None:
    """Person-days and cost, with the roles that had temporary staff or overtime."""
    roles = summary.get("staffing") or {}
    if not roles:
        return
    days = sum(r["person_days"] for r in roles.values())
    extra = [f"{role} +{r['temporary_person_days']} temp days" for role, r in roles.items()
             if r["temporary_person_days"]]
    extra += [f"{role} {r['overtime_hours']:g} h overtime" for role, r in roles.items()
              if r["overtime_hours"]]
    console.print(f"staffing: {days:,} person-days on duty, cost {summary['cost_cny_total']:,.0f} CNY"
                  + (f" ({'; '.join(extra)})" if extra else ""), markup=False, highlight=False)


def lost_sales_line(summary: dict) -> str | None:
    """Chats customers left unanswered and the orders and money they took
    with them, with 95% intervals (None when the run has no demand)."""
    ls = summary.get("lost_sales") or {}
    if not ls:
        return None

    def ci(key: str, fmt: str) -> str:
        lo, hi = ls.get(key + "_ci95") or [None, None]
        return f" [{lo:{fmt}}-{hi:{fmt}}]" if lo is not None and hi is not None else ""
    text = (f"lost sales: {ls['chats_lost']:,.0f}{ci('chats_lost', ',.0f')} chats left unanswered, "
            f"{ls['orders_lost']:,.0f}{ci('orders_lost', ',.0f')} orders")
    if ls.get("value_lost") is not None:
        text += (f", {ls['value_lost']:,.0f}{ci('value_lost', ',.0f')} {ls.get('currency', 'CNY')}"
                 f" per replication (at {ls['average_order_value']:g} an order)")
    return text


def slot_time_lines(summary: dict) -> list[str]:
    """Conversation roles' utilisation beside the slot-time claims held idle
    while chats waited and the chat time paused for brief backend work
    (``sim.analysis.slot_time``): the idle time utilisation reads as spare."""
    lines = []
    for role, r in (summary.get("roles") or {}).items():
        if "reserved_share" not in r:
            continue
        lo, hi = r["reserved_share_ci95"]
        ci = f" [{lo:.1%}-{hi:.1%}]" if lo is not None and hi is not None else ""
        lines.append(f"{role}: utilisation {r['utilization']:.0%}, slots held idle by claims while "
                     f"chats waited {r['reserved_share']:.1%}{ci} "
                     f"({r['reserved_slot_hours']:,.0f} slot-h), chats paused for brief work "
                     f"{r['paused_chat_hours']:,.0f} h per replication")
    open_ = [f"{role} " + ", ".join(f"{a} {x['per_replication']:,.1f}" for a, x in list(acts.items())[:3])
             for role, acts in (summary.get("whole_member_open") or {}).items()
             if sum(x["per_replication"] for x in acts.values()) >= 1]
    if open_:
        lines.append("whole-member work open at the end, per replication: " + "; ".join(open_))
    return lines


def report_cases(console: Console, summary: dict) -> None:
    table = Table("workflow", "started", "completed", "open at end", title="cases per replication")
    for wf, c in summary["cases"].items():
        table.add_row(escape(wf), f"{c['started']:.1f}", f"{c['completed']:.1f}", f"{c['open_at_end']:.1f}")
    console.print(table)


def report_bottlenecks(console: Console, summary: dict, names: dict[str, str] | None = None) -> None:
    names = names if chinese(console) else None
    b = summary.get("bottlenecks")
    if not b or not b.get("ranked"):
        return
    table = Table("#", "role", "bottleneck", "util.", "wait share", "binds (longest run)",
                  title=f"top {TOP} bottlenecks: who holds the center back (active-period method)")
    notes = []
    for i, x in enumerate(b["ranked"][:TOP], 1):
        ev = x["evidence"]
        runs = sorted(x["binds"], key=lambda r: -r["days"])[:1]
        binds = "; ".join(_span(r) for r in runs) or "-"
        util = "-" if ev["utilization"] is None else f"{ev['utilization']:.0%}"
        share = x["bottleneck_share"]
        table.add_row(str(i), escape(label(x["role"], names)),
                      f"{share:.0%} of time" if share >= 0.005 else "<1% of time",
                      util, f"{ev['share_of_staff_wait']:.0%}", binds)
        delays = ", ".join(w["workflow"] for w in ev["workflows_delayed"][:3])
        windows = ", ".join(w["window"] for w in ev["windows_delayed"][:3])
        notes.append(f"  {i}. {x['role']} delays {delays or '-'}"
                     + (f"; windows {windows}" if windows else ""))
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
                  title=f"what if {e['role']} had {hc[1]} people, not {hc[0]} "
                        f"(paired, same seed; * significant)")
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


def _f(x: float | None, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.3g}" if sign else f"{x:.3g}"
