"""The service-window verdicts printed by ``opsim run``."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

STYLE = {"met": "green", "not met": "red", "undecided": "yellow"}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def windows_table(summary: dict) -> Table | None:
    """Window, cases, met share, 95% CI, p95, limit, target and verdict."""
    windows = summary.get("service_windows")
    if not windows:
        return None
    table = Table("window", "cases", "met", "95% CI", "p95 h", "limit h", "target", "verdict",
                  title="service windows (cases per replication)")
    for wid, w in windows.items():
        ci = w.get("met_ci95")
        ci_text = "-" if not ci else f"{_pct(ci[0])}-{_pct(ci[1])}"
        if w.get("ci_method", "").startswith("wilson"):
            ci_text += " (Wilson)"
        verdict = w["verdict"]
        style = STYLE.get(verdict)
        table.add_row(wid, f"{w['cases']:.1f}", _pct(w.get("met")), ci_text,
                      "-" if w.get("p95_hours") is None else f"{w['p95_hours']:.1f}",
                      f"{w['limit_hours']:g}", _pct(w.get("target")),
                      f"[{style}]{verdict}[/]" if style else verdict)
    return table


def report_windows(console: Console, summary: dict) -> None:
    table = windows_table(summary)
    if table is not None:
        console.print(table)
