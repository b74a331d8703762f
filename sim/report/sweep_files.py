"""What ``opsim sweep`` leaves: ``sweep.json``, ``sweep.csv`` and ``sweep.html``.

The CSV has one row per point and window (and per period of the window),
the page one chart per window: the met share against the first varied
field, one line per value of the others, with 95% interval bars and the
target as a dashed line.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from sim.analysis.ci import clean
from sim.report.tables import safe_text
from sim.views.style import Style, find_cjk_font

DPI = 110
COLUMNS = ("window", "period", "met", "met_lo", "met_hi", "verdict", "target", "cases", "due",
           "cost_cny_total")


def write_sweep(out: Path, result: dict) -> list[Path]:
    """Write the three files into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "sweep.json", out / "sweep.csv", out / "sweep.html"]
    paths[0].write_text(json.dumps(clean(result), indent=1, ensure_ascii=False, default=str,
                                   allow_nan=False),
                        encoding="utf-8")
    _write_csv(paths[1], result)
    paths[2].write_text(_page(result), encoding="utf-8")
    return paths


def rows(result: dict) -> list[dict]:
    """One row per point, window and period ('' for the whole horizon)."""
    out = []
    for point in result["points"]:
        for wid, w in point["service_windows"].items():
            for period, p in [("", w), *(w.get("periods") or {}).items()]:
                ci = p.get("met_ci95") or [None, None]
                out.append({**point["values"], "window": wid, "period": period,
                            "met": p.get("met"), "met_lo": ci[0], "met_hi": ci[1],
                            "verdict": p["verdict"], "target": w.get("target"),
                            "cases": p.get("cases"), "due": p.get("due"),
                            "cost_cny_total": point.get("cost_cny_total")})
    return out


def _write_csv(path: Path, result: dict) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[*result["varied"], *COLUMNS])
        writer.writeheader()
        for row in rows(result):
            writer.writerow({k: "" if v is None else safe_text(v) if isinstance(v, str) else v
                             for k, v in row.items()})


def _chart(result: dict, wid: str, x_field: str) -> Figure:
    """Met share of ``wid`` against ``x_field``, one line per value of the
    other varied fields."""
    others = [f for f in result["varied"] if f != x_field]
    fig = Figure(figsize=(6.4, 3.6), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    lines: dict[tuple, list[tuple[str, dict]]] = {}
    for point in result["points"]:
        if x_field in point["values"]:
            key = tuple(point["values"].get(f, "as is") for f in others)
            lines.setdefault(key, []).append((point["values"][x_field], point["service_windows"][wid]))
    target = None
    for key, pts in lines.items():
        pts = [(x, w) for x, w in pts if w.get("met") is not None]
        if not pts:
            continue
        target = pts[0][1].get("target")
        labels = [x for x, _ in pts]
        pos = np.arange(len(labels), dtype=float)
        met = np.array([w["met"] for _, w in pts])
        lo = np.array([w["met_ci95"][0] if w["met_ci95"][0] is not None else w["met"] for _, w in pts])
        hi = np.array([w["met_ci95"][1] if w["met_ci95"][1] is not None else w["met"] for _, w in pts])
        name = ", ".join(f"{_short(f)}={v}" for f, v in zip(others, key)) or wid
        ax.errorbar(pos, met, yerr=[met - lo, hi - met], marker="o", capsize=3, label=name)
        ax.set_xticks(pos, labels)
    if target is not None:
        ax.axhline(target, color="#de2d26", ls="--", lw=1, label=f"target {target:.0%}")
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(x_field)
    ax.set_ylabel("met share (95% CI)")
    ax.set_title(wid, loc="left")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower right")
    else:
        ax.text(0.5, 0.5, "no cases due at any point", ha="center", transform=ax.transAxes)
    return fig


def _short(field: str) -> str:
    """``org.roles.aftersales_service.headcount`` -> ``aftersales_service.headcount``."""
    return ".".join(field.split(".")[-2:])


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _page(result: dict) -> str:
    e = html.escape
    style = Style(font=find_cjk_font())
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>opsim sweep: "
             f"{e(result['scenario'])}</title><style>body{{font-family:sans-serif;margin:2em}}"
             f"td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}</style></head><body>",
             f"<h1>Sweep of {e(result['scenario'])}</h1>",
             f"<p>{len(result['points'])} points, {result['replications']} replications each, "
             f"seed {result['seed']} (common random numbers); varied: "
             f"{e(', '.join(result['varied']))}.</p>"]
    windows = list(result["points"][0]["service_windows"]) if result["points"] else []
    with matplotlib.rc_context({"font.family": style.families()}):
        # A grid: charts against the first field; one at a time: against each.
        fields = result["varied"] if result["one_at_a_time"] else result["varied"][:1]
        for wid in windows:
            for x_field in fields:
                parts.append(f"<figure><img src='data:image/png;base64,"
                             f"{_png(_chart(result, wid, x_field))}' alt='{e(wid)}'></figure>")
    header = [*result["varied"], *COLUMNS]
    parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in header) + "</tr>")
    for row in rows(result):
        cells = (row.get(c) for c in header)
        parts.append("<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in cells)
                     + "</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)
