"""``opsim compare --html``: the comparison as one self-contained page.

Side by side first (each window's met share with its interval and verdict
against the target, per period, then person-days and cost), with the
windows' Chinese names and a chart of every scenario's met share per window
with its 95% interval; then the differences to the base, paired when the
replications share random numbers.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from sim.report.html_parts import VERDICT_CLASS, ci, e, pct
from sim.views.style import Style, find_cjk_font

DPI = 110
CSS = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child"
       "{text-align:left}.better{background:#dfd}.worse{background:#fdd}.ok{color:#1a7f37}"
       ".bad{color:#c62828;font-weight:bold}.warn{color:#b26a00}small{color:#666}")


def write_html(path: Path, result: dict) -> None:
    """A self-contained page: side by side, a chart, then one table per comparison."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>opsim compare</title>",
             f"<style>{CSS}</style></head><body><h1>opsim compare</h1><ul>"]
    for s in result["sides"]:
        parts.append(f"<li>{e(s['label'])}: scenario <b>{e(s['scenario'])}</b>, "
                     f"seed {s['seed']}, {s['replications']} replications ({e(s['source'])})</li>")
    parts.append("</ul>")
    parts.append(_side_by_side(result))
    chart = _chart(result)
    if chart:
        parts.append(f"<figure><img src='data:image/png;base64,{chart}' alt='met share per window'>"
                     "</figure>")
    for comp in result["comparisons"]:
        parts.append(_differences(result, comp))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _first(per_side: list[dict | None]) -> dict:
    """The first side's entry of a window that has one (its name and target)."""
    return next((w for w in per_side if w), None) or {}


def _cell(w: dict | None) -> str:
    if w is None or w.get("met") is None:
        return "–"
    verdict = w.get("verdict", "")
    return (f"{pct(w['met'])}<br><small>{ci(w.get('met_ci95'))}</small><br>"
            f"<span class='{VERDICT_CLASS.get(verdict, 'na')}'>{e(verdict)}</span>")


def _side_by_side(result: dict) -> str:
    sbs = result.get("side_by_side")
    if not sbs:
        return ""
    head = "".join(f"<th>{e(s['label'])}</th>" for s in result["sides"])
    rows = []
    for wid, per_side in sbs["windows"].items():
        first = _first(per_side)
        name = f"<b>{e(first.get('name_zh') or '')}</b> <code>{e(wid)}</code>"
        rows.append(f"<tr><td>{name}<br><small>target {pct(first.get('target'), 0)}</small></td>"
                    + "".join(f"<td>{_cell(w)}</td>" for w in per_side) + "</tr>")
        periods = list(dict.fromkeys(n for w in per_side if w for n in (w.get("periods") or {})))
        for n in periods:
            rows.append(f"<tr><td>&nbsp;&nbsp;{e(n)}</td>" + "".join(
                f"<td>{_cell((w.get('periods') or {}).get(n) if w else None)}</td>"
                for w in per_side) + "</tr>")
    for label, key in (("person-days", "person_days"), ("temporary person-days",
                                                          "temporary_person_days"),
                       ("cost (CNY)", "cost_cny_total")):
        rows.append(f"<tr><td>{label}</td>" + "".join(f"<td>{x:,.0f}</td>" for x in sbs[key])
                    + "</tr>")
    return (f"<h2>Side by side</h2><table><tr><th>window</th>{head}</tr>{''.join(rows)}</table>"
            "<p><small>Verdict: met when the whole 95% interval is at or above the target, not "
            "met when it is below, else undecided.</small></p>")


def _chart(result: dict) -> str | None:
    """Met share per window, one marker with its interval per scenario."""
    windows = (result.get("side_by_side") or {}).get("windows")
    if not windows:
        return None
    style = Style(font=find_cjk_font())
    with matplotlib.rc_context({"font.family": style.families()}):
        fig = Figure(figsize=(8, 0.5 * len(windows) + 1.5), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        n = len(result["sides"])
        y = np.arange(len(windows), dtype=float)
        for i, side in enumerate(result["sides"]):
            offset = (i - (n - 1) / 2) * 0.8 / max(n, 1)
            met, lo, hi, pos = [], [], [], []
            for j, per_side in enumerate(windows.values()):
                w = per_side[i]
                if w and w.get("met") is not None and w.get("met_ci95"):
                    met.append(w["met"])
                    lo.append(w["met"] - w["met_ci95"][0])
                    hi.append(w["met_ci95"][1] - w["met"])
                    pos.append(y[j] + offset)
            ax.errorbar(met, pos, xerr=[lo, hi], fmt="o", capsize=3, label=side["label"])
        for j, per_side in enumerate(windows.values()):
            target = _first(per_side).get("target")
            if target is not None:
                ax.plot([target, target], [y[j] - 0.4, y[j] + 0.4], color="#de2d26", lw=1.5)
        labels = [f"{_first(ps).get('name_zh') or ''} {wid}" for wid, ps in windows.items()]
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel("met share, 95% interval (red: target)")
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="lower left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _differences(result: dict, comp: dict) -> str:
    test = "paired t (common random numbers)" if comp["paired"] else "Welch t"
    rows = []
    for r in comp["rows"]:
        cls = f" class='{r['better']}'" if r["better"] else ""
        rows.append(f"<tr{cls}><td>{html.escape(r['metric'])}</td><td>{_f(r['base'])}</td>"
                    f"<td>{_f(r['other'])}</td><td>{_f(r['diff'], True)}</td>"
                    f"<td>[{_f(r['ci95'][0], True)}, {_f(r['ci95'][1], True)}]</td>"
                    f"<td>{_f(r['p_value'])}</td><td>{'yes' if r['significant'] else ''}</td></tr>")
    return (f"<h2>{e(comp['other'])} vs {e(result['base'])}</h2>"
            f"<p>95% intervals of the difference, {test}.</p>"
            "<table><tr><th>metric</th><th>base</th><th>other</th><th>difference</th>"
            "<th>95% CI</th><th>p</th><th>significant</th></tr>" + "".join(rows) + "</table>")


def _f(x: float | None, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.4g}" if sign else f"{x:.4g}"
