"""``report.html``: one self-contained page a manager can open or mail.

Order: what was run, the service-window verdicts (with 95% intervals against
the targets), the verdicts per period, the staffing and its cost, the
bottlenecks, the role and workflow tables, then the plots
(embedded as base64 PNG). All text is escaped; the page has no script and
loads nothing from elsewhere. Sections missing from an older ``summary.json``
are computed from the log when their module is there, else marked "not
available". This module never prints.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rules.scenario import Scenario
from sim.analysis.run_parts import RunView, view_of
from sim.analysis.summary import summary_of
from sim.analysis.window_days import compliance_of_cases
from sim.log.records import EventLog
from sim.report.drawer import start_drawer
from sim.report.html_parts import (
    VERDICT_CLASS,
    _num,
    ci,
    count,
    e,
    hours,
    not_available,
    pct,
    table,
)
from sim.report.html_platform import customer_view_cell, platform_section
from sim.report.html_sections import lost_sales_section, periods_section, staffing_section, undone_section
from sim.report.plot_kit import Ahead, Drawn
from sim.report.plot_numbers import PlotNumbers, plot_numbers
from sim.report.plots import PlotResult, write_plots

PLOT_TITLES = {
    "window_compliance": "Service-window compliance by day",
    "queues": "Queues over time",
    "wait_ecdf": "How long work waits for staff",
    "wait_p95_daily": "Daily p95 wait",
    "utilisation": "Utilisation by role and day",
    "time_breakdown": "Where the time goes",
    "staffing": "Staffing as simulated",
}


@dataclass
class ReportResult:
    path: Path
    plots: PlotResult
    notice: str | None = None


# -- sections ---------------------------------------------------------------

def header(s: Scenario, summary: dict) -> str:
    run = summary.get("run", {})
    hz = run.get("horizon", {})
    facts = [("scenario", run.get("scenario", s.name)), ("horizon", f"{hz.get('start', s.horizon.start)} – "
             f"{hz.get('end', s.horizon.end)} ({s.horizon.days} days)"),
             ("seed", run.get("seed")), ("replications", run.get("replications")),
             ("input hash", run.get("input_hash")), ("records", count(run.get("records"), 0))]
    # No wall time here: the page is the same bytes for the same seed (it is in summary.json).
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    return (f"<header><h1>{e(run.get('scenario', s.name))} — operations-center simulation</h1>"
            f"<p class='lead'>{e(run.get('description', s.description))}</p><dl class='facts'>{dl}</dl>"
            "<p class='note'>Counts are means per replication; intervals are 95%.</p></header>")


def _ci_bar(met: object, pair: object, target: object) -> str:
    """A small track from 0 to 100%: the interval, the estimate and the target."""
    m, t = _num(met), _num(target)
    if m is None:
        return ""
    lo_got, hi_got = (pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (m, m))
    lo_n, hi_n = _num(lo_got), _num(hi_got)
    lo, hi = lo_n if lo_n is not None else m, hi_n if hi_n is not None else m
    parts = [f'<span class="ci" style="left:{lo * 100:.1f}%;width:{max(hi - lo, 0.004) * 100:.1f}%"></span>',
             f'<span class="est" style="left:{m * 100:.1f}%"></span>']
    if t is not None:
        parts.append(f'<span class="tgt" style="left:{t * 100:.1f}%" title="target"></span>')
    return f'<div class="track">{"".join(parts)}</div>'


def verdicts(s: Scenario, summary: dict) -> str:
    windows = summary.get("service_windows")
    if not windows:
        return "<section><h2>Service windows</h2>" + not_available("Service-window verdicts") + "</section>"
    misses = summary.get("window_misses") or {}
    order = sorted(windows, key=lambda w: (windows[w].get("owner") != "shop", w))
    rows = []
    for wid in order:
        w = windows[wid]
        v = w.get("verdict", "")
        cause = (misses.get(wid) or {}).get("largest_queue") or {}
        cause_txt = (f"waiting for {e(_role(s, cause['role']))} ({hours(cause.get('hours'))} on average)"
                     if cause.get("role") else "–")
        spec = s.service_windows.get(wid)
        lim = _num(w.get("limit")) or 0.0
        limit = ((f"{lim:g} h" if lim >= 1 else hours(lim)) if w.get("clock") == "elapsed_hours"
                 else f"{count(w.get('limit'), 0)} {str(w.get('clock', '')).replace('_', ' ')}")
        rows.append([
            f"<b>{e(w.get('name_zh') or '')}</b><br><code>{e(wid)}</code>",
            e("shop (source)" if w.get("owner") == "shop" else w.get("owner")),
            e(limit),
            count(w.get("due")),
            f"<b>{pct(w.get('met'))}</b>" + _ci_bar(w.get("met"), w.get("met_ci95"), w.get("target")),
            ci(w.get("met_ci95")),
            pct(w.get("target"), 0),
            f'<span class="badge {VERDICT_CLASS.get(v, "na")}">{e(v)}</span>',
            f"<span class='nw'>{hours(w.get('p50_hours'))}</span> / "
            f"<span class='nw'>{hours(w.get('p95_hours'))}</span>",
            customer_view_cell(w),
            count(w.get("missed")),
            cause_txt + (f"<br><small>{e(spec.on_breach)}</small>" if spec and spec.on_breach else ""),
        ])
    bad = [w for w in order if windows[w].get("verdict") == "not met"]
    unsure = [w for w in order if windows[w].get("verdict") == "undecided"]
    lead = (f"<p class='lead'><b>{len(bad)} of {len(order)}</b> service windows miss their target"
            + (f" ({e(', '.join(bad))})" if bad else "")
            + (f"; {len(unsure)} undecided (the interval straddles the target)" if unsure else "")
            + ".</p>")
    head = ["window", "owner", "limit", "cases due", "met", "95% interval", "target", "verdict",
            "p50 / p95 time", "met another way (the customer's event; service hours)", "missed",
            "main cause of misses"]
    return ("<section><h2>Service windows: verdicts</h2>" + lead + table(head, rows, "verdicts")
            + "<p class='note'>Verdict: <i>met</i> when the whole interval is at or above the target, "
              "<i>not met</i> when it is below, else <i>undecided</i>. Bar: grey interval, black estimate, "
              "red target.</p></section>")


def bottlenecks(s: Scenario, summary: dict, top: int = 5) -> str:
    b = summary.get("bottlenecks")
    if not b or "ranked" not in b:
        return "<section><h2>Bottlenecks</h2>" + not_available("Bottleneck analysis") + "</section>"
    ranked = b["ranked"][:top]
    if not ranked:
        return "<section><h2>Bottlenecks</h2><p>No role held the center back.</p></section>"
    first = ranked[0]
    lead = (f"<p class='lead'>The main bottleneck is <b>{e(_role(s, first['role']))}</b>: it held the "
            f"center back {pct(first.get('bottleneck_share'), 0)} of the time "
            f"({first.get('days_as_bottleneck', 0)} days as the day's bottleneck).</p>")
    rows = []
    for r in ranked:
        ev = r.get("evidence", {})
        wfs = ", ".join(f"{x['workflow']} ({pct(x.get('share_of_role_wait'), 0)})"
                        for x in ev.get("workflows_delayed", [])[:3])
        wins = ", ".join(x["window"] for x in ev.get("windows_delayed", [])[:3])
        runs = "; ".join(f"{x['start']} – {x['end']}" for x in r.get("binds", [])[:3])
        rows.append([f"<b>{e(_role(s, r['role']))}</b>", pct(r.get("bottleneck_share")),
                     pct(r.get("sole_share")), e(r.get("days_as_bottleneck")), pct(ev.get("utilization")),
                     pct(ev.get("share_of_staff_wait")), hours(ev.get("wait_mean_hours")), e(wfs) or "–",
                     e(wins) or "–", e(runs) or "–"])
    head = ["role", "share of time as bottleneck", "of which sole", "days", "utilisation",
            "share of all staff waiting", "mean wait", "workflows delayed (share of its wait)",
            "windows delayed", "when (runs of days)"]
    return ("<section><h2>Bottlenecks: who holds the center back</h2>" + lead + table(head, rows)
            + f"<p class='note'>Method: {e(b.get('method', ''))}. Who breaks a service window "
              "is another question, answered in the verdicts' <i>main cause of misses</i> (the "
              "role the missed cases waited for longest), as in the terminal's <i>who breaks the "
              "windows</i>.</p></section>")


def _floor0(pair: object) -> object:
    """A share's interval shown no lower than 0 (few replications make t wide)."""
    if isinstance(pair, (list, tuple)) and len(pair) == 2 and _num(pair[0]) is not None:
        return [max(0.0, _num(pair[0]) or 0.0), pair[1]]
    return pair


def glance(s: Scenario, summary: dict) -> str:
    """Three or four sentences for whoever reads nothing else."""
    items = []
    windows = summary.get("service_windows") or {}
    bad = [(w, x) for w, x in windows.items() if x.get("verdict") == "not met"]
    if windows:
        txt = f"<b>{len(bad)} of {len(windows)}</b> service windows miss their target"
        if bad:
            txt += ": " + "; ".join(f"{e(x.get('name_zh') or w)} met {pct(x.get('met'), 0)} "
                                    f"(target {pct(x.get('target'), 0)})" for w, x in bad[:3])
        items.append(txt + ".")
        hidden = [(w, n, p) for w, x in windows.items() if x.get("verdict") == "met"
                  for n, p in (x.get("periods") or {}).items() if p.get("verdict") == "not met"]
        if hidden:
            items.append("<b>But by period:</b> " + "; ".join(
                f"{e(x_name)} met only {pct(p.get('met'), 0)} in {e(n)}" for x_name, n, p in hidden[:4])
                + ".")
    ranked = (summary.get("bottlenecks") or {}).get("ranked") or []
    if ranked:
        r = ranked[0]
        u = (r.get("evidence") or {}).get("utilization")
        items.append(f"Main bottleneck: <b>{e(_role(s, r['role']))}</b>, {pct(r.get('bottleneck_share'), 0)} "
                     f"of the time, utilisation {pct(u, 0)}.")
    wfs = summary.get("workflows") or summary.get("cases") or {}
    backlog = sorted(((w, _num(x.get("open_at_end")) or 0.0, _num(x.get("started")) or 0.0)
                      for w, x in wfs.items()), key=lambda t: -t[1])
    backlog = [b for b in backlog if b[1] >= 1][:3]
    if backlog:
        open_ = ", ".join(f"{count(n, 0)} of {count(tot, 0)} {e(_wf(s, w))}" for w, n, tot in backlog)
        items.append("Still open at the end of the horizon: " + open_ + " (per replication).")
    if not items:
        return ""
    return "<section class='glance'><h2>At a glance</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + \
        "</ul></section>"


def _wf(s: Scenario, wid: str) -> str:
    spec = s.workflows.get(wid)
    return f"{spec.name_zh} {wid}" if spec else wid


def _role(s: Scenario, rid: str) -> str:
    spec = s.org.roles.get(rid)
    return f"{spec.name_zh} {rid}" if spec else rid


def roles_table(s: Scenario, summary: dict) -> str:
    roles = summary.get("roles")
    if not roles:
        return "<section><h2>Roles</h2>" + not_available("Role KPIs") + "</section>"
    order = sorted(roles, key=lambda r: -(_num(roles[r].get("utilization")) or 0))
    rows = []
    for rid in order:
        r = roles[rid]
        u = _num(r.get("utilization"))
        cls = "bad" if u is not None and u >= 0.9 else ("warn" if u is not None and u >= 0.75 else "")
        rows.append([e(_role(s, rid)), e(r.get("headcount")), e(r.get("concurrency")), count(r.get("tasks")),
                     f'<span class="{cls}">{pct(u)}</span>', ci(_floor0(r.get("utilization_ci95"))),
                     pct(r.get("reserved_share")) if "reserved_share" in r else "–",
                     count(r.get("paused_chat_hours"), 0) + " h" if "paused_chat_hours" in r else "–",
                     hours(r.get("wait_mean_hours")), hours(r.get("wait_p95_hours")),
                     count(r.get("queue_mean")), count(r.get("queue_max"), 0),
                     hours(r.get("overtime_hours"))])
    head = ["role", "headcount", "concurrency", "steps", "utilisation", "95% interval",
            "held idle by claims", "chats paused", "mean wait",
            "p95 wait", "mean queue", "max queue", "overtime"]
    return "<section><h2>Roles</h2>" + table(head, rows, "num") + "</section>"


def workflows_table(s: Scenario, summary: dict) -> str:
    wfs = summary.get("workflows")
    if not wfs:
        return "<section><h2>Workflows</h2>" + not_available("Workflow KPIs") + "</section>"
    rows = []
    for wid in sorted(wfs, key=lambda w: -(_num(wfs[w].get("started")) or 0)):
        w = wfs[wid]
        spec = s.workflows.get(wid)
        name = f"{spec.name_zh} {wid}" if spec else wid
        rows.append([e(name), count(w.get("started")), count(w.get("completed")), count(w.get("open_at_end")),
                     hours(w.get("cycle_p50_hours")), hours(w.get("cycle_p95_hours")),
                     pct(w.get("working_share"), 0), pct(w.get("waiting_share"), 0),
                     pct(w.get("outside_share"), 0),
                     pct(w.get("deadline_met_share"), 0) if "deadline_met_share" in w else "–"])
    head = ["workflow", "started", "completed", "open at end", "cycle p50", "cycle p95", "working",
            "waiting for staff", "outside parties / clock", "ready before campaign"]
    return ("<section><h2>Workflows</h2>" + table(head, rows, "num")
            + "<p class='note'>Cycle times of completed cases; shares of the cases' summed step time.</p>"
              "</section>")


def plots_section(plots: PlotResult) -> str:
    out = ["<section><h2>Plots</h2>"]
    if plots.notice:
        out.append(f"<p class='note'>{e(plots.notice)}</p>")
    for name in PLOT_TITLES:
        path = plots.files.get(name)
        if path is None or not path.exists():
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        svg = path.with_suffix(".svg")
        link = f" (<a href='plots/{e(svg.name)}'>SVG</a>)" if svg.exists() else ""
        out.append(f"<figure id='{e(name)}'><h3>{e(PLOT_TITLES[name])}</h3>"
                   f"<img src='data:image/png;base64,{data}' alt='{e(PLOT_TITLES[name])}'>"
                   f"<figcaption>{e(plots.captions.get(name, ''))}{link}</figcaption></figure>")
    out.append("</section>")
    return "".join(out)


CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",Arial,sans-serif;
 margin:0 auto;max-width:1200px;padding:18px 28px;color:#222;line-height:1.4}
h1{font-size:24px;margin:4px 0} h2{font-size:19px;border-bottom:2px solid #08519c;padding-bottom:3px;
 margin-top:30px} h3{font-size:15px;margin:16px 0 4px}
.lead{font-size:15px} .note,.na{color:#666;font-size:12px} .na{font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content auto max-content auto;gap:2px 12px;font-size:13px}
dl.facts dt{color:#666} dl.facts dd{margin:0;font-family:monospace}
table{border-collapse:collapse;font-size:12.5px;width:100%;margin:6px 0}
th{background:#eef3f9;text-align:left;padding:5px 6px;border-bottom:1px solid #b8c8dc;vertical-align:bottom}
td{padding:4px 6px;border-bottom:1px solid #e4e4e4;vertical-align:top}
table.num td:not(:first-child){text-align:right;white-space:nowrap}
code{font-size:11px;color:#555} .nw{white-space:nowrap}
.badge{padding:2px 8px;border-radius:10px;font-weight:bold;white-space:nowrap}
.badge.ok{background:#d7f0d7;color:#17612a} .badge.bad{background:#fbd3d0;color:#a01c10}
.badge.warn{background:#fde9c4;color:#8a5300} .badge.na{background:#eee;color:#666}
span.bad{color:#a01c10;font-weight:bold} span.warn{color:#8a5300}
.track{position:relative;height:8px;width:110px;background:#f1f1f1;border:1px solid #ddd;margin-top:3px}
.track .ci{position:absolute;top:0;height:8px;background:#9ecae1}
.track .est{position:absolute;top:-2px;width:2px;height:12px;background:#111}
.track .tgt{position:absolute;top:-3px;width:2px;height:14px;background:#de2d26}
figure{margin:10px 0 24px} figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:12px;color:#555}
.glance{background:#f5f8fc;border:1px solid #c9d8ea;padding:2px 16px 8px;margin-top:18px}
.glance h2{border:0;margin-top:10px} .glance li{margin:4px 0;font-size:15px}
@media print{figure{page-break-inside:avoid}}
"""


def render_html(s: Scenario, summary: dict, plots: PlotResult) -> str:
    title = f"{summary.get('run', {}).get('scenario', s.name)} — opsim report"
    body = "".join([header(s, summary), glance(s, summary), verdicts(s, summary),
                    platform_section(s, summary),
                    periods_section(s, summary), staffing_section(s, summary), lost_sales_section(s, summary),
                    bottlenecks(s, summary), undone_section(summary),
                    roles_table(s, summary), workflows_table(s, summary), plots_section(plots)])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<style>{CSS}</style></head><body>{body}"
            "<footer class='note'>Generated by opsim from the run's event log.</footer></body></html>")


def complete_summary(s: Scenario, run: EventLog | RunView, summary: dict) -> dict:
    """The summary with any analysis section an older run lacks computed
    from the run; the sections it has are kept as they are."""
    wanted = ("roles", "workflows", "bottlenecks", "service_windows")
    if all(k in summary for k in wanted):
        return summary
    view = view_of(s, run)
    if all(k in summary for k in wanted) or not view.records:
        return summary
    fresh = summary_of(view, summary.get("run", {}))
    return {**fresh, **summary}


def write_report(s: Scenario, run: EventLog | RunView | PlotNumbers, summary: dict, run_dir: Path,
                 font: str | bool | None = True, formats: tuple[str, ...] = ("png",), jobs: int = 1,
                 drawn: Sequence[Drawn] = (), ahead: Ahead | None = None) -> ReportResult:
    """Plots into ``run_dir/plots`` (see :func:`write_plots` for ``formats``,
    ``drawn`` and ``ahead``; with ``jobs`` >= 2 and nothing drawn elsewhere, half of
    them in a second process) and the page into ``run_dir/report.html``, from
    the run's plot numbers (a complete summary then), merged view or log."""
    by_day = summary
    if not isinstance(run, PlotNumbers):
        view = view_of(s, run)
        summary = by_day = complete_summary(s, view, summary)
        run = plot_numbers(s, view)
        if "window_compliance_by_day" not in summary:  # for the plot only, as before
            by_day = {**summary, "window_compliance_by_day": compliance_of_cases(s, view.windows,
                                                                                view.replications)}
    if jobs >= 2 and not drawn:
        drawer = start_drawer(s, run_dir / "plots", font, formats)
        drawer.send(run)
        drawn = [drawer]
    plots = write_plots(s, run, by_day, run_dir / "plots", font, formats, drawn, ahead)
    path = run_dir / "report.html"
    path.write_text(render_html(s, summary, plots), encoding="utf-8")
    return ReportResult(path, plots, plots.notice)
