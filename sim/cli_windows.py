"""The service-window verdicts printed by ``opsim run``."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

STYLE = {"met": "green", "not met": "red", "undecided": "yellow"}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _target(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:g}"


def windows_table(summary: dict) -> Table | None:
    """Window, cases, met share, 95% CI, p95, limit, target and verdict."""
    windows = summary.get("service_windows")
    if not windows:
        return None
    table = Table(title="service windows (cases per replication; shares in %; target in parentheses)",
                  box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True,
                  show_edge=False)
    # Ids fold rather than cut; everything fits in 80 columns.
    table.add_column("window", overflow="fold", min_width=24)
    for name in ("cases", "met [95% CI]", "p95/limit h", "verdict"):
        table.add_column(name, no_wrap=True, justify="left" if name == "verdict" else "right")
    for wid, w in windows.items():
        ci = w.get("met_ci95")
        ci_text = "-" if not ci else f"{_pct(ci[0])}-{_pct(ci[1])}"
        if w.get("ci_method", "").startswith("wilson"):
            ci_text += " W"
        verdict = w["verdict"]
        style = STYLE.get(verdict)
        shown = f"[{style}]{verdict}[/]" if style else verdict
        p95 = "-" if w.get("p95_hours") is None else f"{w['p95_hours']:.1f}"
        table.add_row(wid, f"{w['cases']:.0f}" if w["cases"] >= 100 else f"{w['cases']:.1f}",
                      f"{_pct(w.get('met'))} [{ci_text}]", f"{p95}/{w['limit_hours']:g}",
                      f"{shown} ({_target(w.get('target'))})")
    return table


def report_windows(console: Console, summary: dict) -> None:
    table = windows_table(summary)
    if table is not None:
        console.print(table)
