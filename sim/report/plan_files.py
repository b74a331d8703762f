"""What ``opsim plan`` leaves: ``plan.json``, ``plan.yaml`` and ``plan.html``.

``plan.yaml`` is a scenario that ``extends`` the planned one and adds the
plan's temporary staff, so ``opsim run plan.yaml`` simulates the plan;
``plan.html`` charts the plan per role and day against the staff on duty
without it, and lists the verified compliance.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import os
from pathlib import Path

import matplotlib
import numpy as np
import yaml
from matplotlib.figure import Figure

from rules.documents import parse
from rules.overrides import failing, parse_path
from sim.analysis.ci import clean
from sim.report.plot_kit import Margins, small_multiples
from sim.views.style import Style, find_cjk_font

__all__ = ["PLAN_FILES", "plan_scenario", "write_plan"]

DPI = 110
#: What a plan's directory holds; ``--force`` replaces only such a directory.
PLAN_FILES = ("plan.json", "plan.yaml", "plan.html")


def write_plan(work: Path, target: Path, result: dict, scenario_overrides: list[dict]) -> list[Path]:
    """Write the three files into ``work`` (the staging directory of
    ``target``: ``plan.yaml``'s ``extends`` is relative to ``target``)."""
    paths = [work / name for name in PLAN_FILES]
    paths[0].write_text(json.dumps(clean(result), indent=1, ensure_ascii=False, default=str,
                                   allow_nan=False), encoding="utf-8")
    paths[1].write_text(plan_scenario(result, target, scenario_overrides), encoding="utf-8")
    paths[2].write_text(_page(result), encoding="utf-8")
    return paths


def plan_scenario(result: dict, target: Path, scenario_overrides: list[dict]) -> str:
    """The plan as a scenario file. Lists replace rather than merge when a
    scenario extends another, so the overrides the input already had are
    repeated before the plan's."""
    extends = os.path.relpath(Path(result["input"]).resolve(), target.resolve())
    doc: dict = {"extends": extends, "name": f"{result['scenario']}_plan",
                 "description": f"opsim plan of {result['scenario']}: "
                                f"{result['plan']['person_days_total']} temporary person-days, "
                                f"{result['plan']['cost']:.0f} {result['currency']}"}
    notes = []
    for item in [*result["what_ifs"]["set"], *result["plan"].get("sets", [])]:
        path_text, _, value = item.partition("=")
        path = parse_path(path_text.strip())
        if any(isinstance(p, int) for p in path):
            notes.append(f"# not expressible here (a list item): --set {item}")
            continue
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        # The loader's own reading of a value (15:30 a time, not YAML 1.1's
        # 930), so that plan.yaml says what the planned --set meant.
        node[path[-1]] = parse(value, failing(f"--set {item}"))
    if result["what_ifs"].get("overtime"):
        notes.append("# the planned scenario's --overtime options are in the overrides below")
    periods = {}
    for text in result["what_ifs"]["period"]:
        name, sep, span = text.partition("=")
        name, span = (name.strip(), span.strip()) if sep else (text.strip(), text.strip())
        periods[name] = span
    if periods:
        doc["periods"] = periods
    doc["targets"] = dict(result["targets"])  # what the plan was verified against
    doc.setdefault("calendars", {})["overrides"] = [*scenario_overrides,
                                                   *result["plan"]["overrides"]]
    verdict = "every target met" if result["verification"]["all_met"] else "NOT every target met"
    head = (f"# Written by opsim plan ({result['evaluations']} evaluations, seed {result['seed']}).\n"
            f"# Verified on seed {result['verify_seed']} x {result['verification']['replications']}"
            f" replications: {verdict}.\n")
    return head + "".join(n + "\n" for n in notes) + yaml.safe_dump(
        doc, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)


def _chart(result: dict) -> Figure:
    roles = list(result["plan"]["by_day"])
    fig, axes = small_multiples(max(len(roles), 1), 1.9, sharex=True, m=Margins(top=0.35))
    dates = [dt.date.fromisoformat(d) for d in result["dates"]]
    x = np.arange(len(dates))
    for ax, role in zip(axes, roles):
        before = np.asarray(result["on_duty_before"][role])
        extra = np.asarray(result["plan"]["by_day"][role])
        ax.bar(x, before, width=1.0, color="#9db4c0", label="on duty without the plan")
        ax.bar(x, extra, width=1.0, bottom=before, color="#e07a5f", label="the plan's temporary staff")
        ax.axhline(result["documented_staff"].get(role, 0), color="#333", lw=0.8, ls="--",
                   label="documented headcount")
        ax.set_title(role, fontsize=9, loc="left")
        ax.set_ylabel("people", fontsize=8)
        ticks = x[::7]
        ax.set_xticks(ticks, [dates[i].strftime("%m-%d") for i in ticks], fontsize=7)
    if roles:
        axes[0].legend(fontsize=7, loc="upper left")
    return fig


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _money(result: dict) -> str:
    """The plan's staff cost beside the platform's charges and the lost
    sales it leaves, against the scenario as it is (per replication)."""
    e = html.escape
    m = result.get("money")
    if not m:
        return ""

    def cny(x: object, ci: object = None) -> str:
        if not isinstance(x, (int, float)):
            return "&ndash;"
        lo, hi = ci if isinstance(ci, list) and len(ci) == 2 and None not in ci else (None, None)
        return f"{x:,.0f}" + ("" if lo is None else f" <small>[{lo:,.0f}&ndash;{hi:,.0f}]</small>")

    rows = []
    for name, x in (("the plan (verification)", m["plan"]),
                    ("the scenario as it is", m["scenario_as_it_is"])):
        charges = "<br>".join(f"{e(a)}: {cny(v['cny'], v.get('cny_ci95'))}"
                              for a, v in x["platform"].items())
        total = sum(v for v in (x["staff_cny"], x["platform_cny"], x["lost_sales_cny"])
                    if isinstance(v, (int, float)))
        rows.append(f"<tr><td>{e(name)}</td><td>{cny(x['staff_cny'])}</td>"
                    f"<td><b>{cny(x['platform_cny'])}</b><br><small>{charges}</small></td>"
                    f"<td>{cny(x['lost_sales_cny'], x.get('lost_sales_ci95'))}</td>"
                    f"<td>{cny(total)}</td></tr>")
    w = result["objective"]["weights"]
    return (f"<h2>Money ({e(m['currency'])} per replication: the scenario's horizon)</h2>"
            "<table><tr><th></th><th>staff the plan adds</th><th>platform charges</th>"
            "<th>lost sales (order value)</th><th>all three</th></tr>" + "".join(rows) +
            "</table><p>The plan minimises the staff's cost"
            + (" plus the platform's charges" if w["platform"] else "")
            + (f" plus lost sales at {w['lost_sales']:.0%}" if w["lost_sales"] else "")
            + ", every target held. Lost sales are revenue, not profit.</p>")


def _page(result: dict) -> str:
    e = html.escape
    style = Style(font=find_cjk_font())
    p = result["plan"]
    b = result["lower_bound"]
    v = result["verification"]
    cur = result["currency"]
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>opsim plan: "
             f"{e(result['scenario'])}</title><style>body{{font-family:sans-serif;margin:2em}}"
             f"td,th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}}"
             f".no{{color:#b00}}</style></head><body>",
             f"<h1>Staffing plan for {e(result['scenario'])}</h1>",
             f"<p><b>{p['person_days_total']} temporary person-days, {p['cost']:,.0f} {e(cur)}</b>; "
             f"lower bound {b['cost_cny']:,.0f} {e(cur)} (load at 100% utilisation; see below). "
             f"Verified on seed {v['seed']} x {v['replications']} replications the search never "
             f"used: <b>{'every target met' if v['all_met'] else 'not every target met'}</b>.</p>"]
    with matplotlib.rc_context({"font.family": style.families()}):
        fig = _chart(result)
        parts.append(f"<figure><img src='data:image/png;base64,{_png(fig)}' "
                     f"alt='people per role and day'></figure>")
    parts.append(_money(result))
    for role, n in (p.get("permanent") or {}).items():
        parts.append(f"<p>Permanent headcount: <b>{e(role)} +{n}</b> "
                     f"(documented {result['documented_staff'].get(role, 0)}).</p>")
    parts.append("<h2>Temporary staff</h2><table><tr><th>role</th><th>shift</th><th>people</th>"
                 "<th>from</th><th>to</th></tr>")
    for o in p["overrides"]:
        parts.append(f"<tr><td>{e(o['role'])}</td><td>{e(o['shift'])}</td><td>{o['members']}</td>"
                     f"<td>{e(o['start'])}</td><td>{e(o['end'])}</td></tr>")
    parts.append("</table><h2>Verification</h2><table><tr><th>window</th><th>period</th>"
                 "<th>target</th><th>met</th><th>95% interval</th><th>verdict</th></tr>")
    for x in v["entries"]:
        ci = x["met_ci95"]
        cls = " class='no'" if x["verdict"] == "not met" else ""
        met = "" if x["met"] is None else f"{x['met']:.1%}"
        interval = "" if not ci else f"{ci[0]:.1%} - {ci[1]:.1%}"
        parts.append(f"<tr{cls}><td>{e(x['window'])}</td><td>{e(x['period'])}</td>"
                     f"<td>{x['target']:.0%}</td><td>{met}</td><td>{interval}</td>"
                     f"<td>{e(x['verdict'])}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Lower bound</h2><p>" + e(f"{b['cost_cny']:,.0f} {cur}") + ": the hours of "
                 "work offered beyond the staff's on-duty hours, per role and period. Caveats:</p>"
                 "<ul>" + "".join(f"<li>{e(c)}</li>" for c in b.get("caveats", [])) + "</ul>")
    if result["unmeetable"]:
        parts.append("<h2>Targets no allowed staffing meets</h2><ul>")
        for u in result["unmeetable"]:
            parts.append(f"<li>{e(u['window'])} / {e(u['period'])}: {e(u['reason'])}</li>")
        parts.append("</ul>")
    parts.append(f"<p>{result['evaluations']} evaluations, {result['replications_run']} "
                 f"replications.</p></body></html>")
    return "\n".join(parts)
