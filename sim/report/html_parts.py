"""Small pieces every part of ``report.html`` is built from: escaping,
number formats, tables (escaped by the caller), verdict badges."""
from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

VERDICT_CLASS = {"met": "ok", "not met": "bad", "undecided": "warn", "no cases": "na", "no target": "na"}


def e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _num(x: Any) -> float | None:  # Any: whatever a summary holds; float() may refuse it
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def pct(x: object, nd: int = 1) -> str:
    v = _num(x)
    return "–" if v is None else f"{v * 100:.{nd}f}%"


def hours(x: object) -> str:
    v = _num(x)
    if v is None:
        return "–"
    if v < 1:
        return f"{v * 60:.0f} min"
    return f"{v:,.1f} h" if v < 48 else f"{v / 24:,.1f} d"


def count(x: object, nd: int = 1) -> str:
    v = _num(x)
    return "–" if v is None else f"{v:,.{nd}f}"


def ci(pair: object, fmt: Callable[[object], str] = pct) -> str:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2 or _num(pair[0]) is None:
        return "–"
    return f"{fmt(pair[0])} – {fmt(pair[1])}"


def table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """``rows`` hold HTML already escaped by the caller."""
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{e(cls)}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def not_available(what: str) -> str:
    return f'<p class="na">{e(what)}: not available for this run.</p>'
