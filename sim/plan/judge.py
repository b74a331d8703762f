"""Does an evaluation meet the targets? One verdict per window and period.

A plan must meet each window's target overall and in every period of the
scenario. An entry is ``ok`` when its verdict is ``met`` (the 95% interval
lies at or above the target), when it has no cases, or, in the search only,
when the interval is too wide to decide but the met share clears the target
by half the share the target allows to miss (with a few replications, a
small period's interval stays wide however many people are added; the
verification on fresh seeds has the last word).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "entries", "shortfall"]


@dataclass(frozen=True)
class Entry:
    window: str
    period: str  # "overall" or a period's name
    target: float
    met: float | None
    ci: tuple[float, float] | None
    verdict: str
    cases: float
    #: Only ``met`` (or no cases) is ok: the verification's and its repairs' rule.
    strict: bool = False
    #: For an entry undecided with every allowed shift at its limit: the
    #: share the search staffs toward instead of its target (no staff can
    #: decide it; the verification still judges it against the target).
    reach: float | None = None

    @property
    def ok(self) -> bool:
        if self.verdict in ("met", "no cases"):
            return True
        if self.reach is not None and self.met is not None and not self.strict:
            return self.met >= self.reach - 1e-9
        if self.verdict == "undecided" and self.met is not None and not self.strict:
            return self.met >= self.target + (1.0 - self.target) / 2.0 - 1e-9
        return False

    @property
    def gap(self) -> float:
        """How far the met share is from where ``ok`` would be (0 when ok)."""
        if self.ok or self.met is None:
            return 0.0
        if self.reach is not None and not self.strict:
            return max(self.reach - self.met, 1e-3)
        if self.verdict == "undecided":
            # Strictly, an undecided entry needs its interval above the target.
            need = self.target + (1.0 - self.target) / 2.0
            if self.strict and self.ci is not None:
                return max(self.target - self.ci[0], need - self.met, 1e-3)
            return max(need - self.met, 1e-3)
        return max(self.target - self.met, 1e-3)

    def as_dict(self) -> dict:
        return {"window": self.window, "period": self.period, "target": self.target,
                "met": self.met, "met_ci95": list(self.ci) if self.ci else None,
                "verdict": self.verdict, "cases_per_replication": self.cases, "ok": self.ok}


def entries(result: dict, targets: dict[str, float], strict: bool = False) -> list[Entry]:
    """Every (window, period) of ``result`` (an evaluation) with a target."""
    out = []
    for wid, target in targets.items():
        w = result["service_windows"].get(wid)
        if w is None:
            continue
        parts = [("overall", w), *((name, p) for name, p in (w.get("periods") or {}).items())]
        for name, p in parts:
            ci = p.get("met_ci95")
            out.append(Entry(wid, name, target, p.get("met"), tuple(ci) if ci else None,
                             _verdict(p, target), float(p.get("cases") or 0.0), strict))
    return out


def _verdict(p: dict, target: float) -> str:
    """The verdict against ``target`` (which may differ from the scenario's
    when ``--target`` moved it)."""
    ci = p.get("met_ci95")
    if p.get("met") is None or not ci:
        return "no cases"
    if ci[0] >= target - 1e-9:
        return "met"
    if ci[1] < target - 1e-9:
        return "not met"
    return "undecided"


def shortfall(es: list[Entry]) -> float:
    """The search's objective while targets are missed: the sum of gaps."""
    return float(sum(e.gap for e in es))
