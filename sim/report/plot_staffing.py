"""The staffing as simulated: people on duty per role and day."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.payroll import daily_staffing
from sim.report.plot_kit import (
    TOP_ROLES,
    Context,
    date_axis,
    empty_figure,
    shade_campaigns,
    small_multiples,
    suptitle,
)


def plot_staffing(ctx: Context) -> Figure:
    """People on duty per day for the roles whose staffing changes most
    (temporary staff, overtime, absences), regular and temporary stacked,
    against the documented headcount."""
    daily = daily_staffing(ctx.s)
    title = "People on duty per day as simulated (regular and temporary), against the headcount"
    # Roles with temporary staff or overtime first (by their extra person-days),
    # then roles whose staffing changes from day to day beyond the weekend rhythm.
    extra = {role: float(d["temporary"].sum()) + float(d["overtime_hours"].sum()) / 8.0
             for role, d in daily.items()}
    ranked = [r for r in sorted(extra, key=lambda r: -extra[r]) if extra[r] > 0][:TOP_ROLES]
    if not ranked:
        spread = {role: float(np.ptp(d["regular"])) for role, d in daily.items()}
        ranked = [r for r in sorted(spread, key=lambda r: -spread[r]) if spread[r] > 0][:TOP_ROLES]
    if not ranked:
        return empty_figure(title, "the staffing is the same every day")
    fig, axes = small_multiples(len(ranked), 2.2, sharex=True)
    for ax, role in zip(axes, ranked):
        d = daily[role]
        # One filled step outline per series, not a bar (a patch) per day:
        # the same areas at a tenth of the drawing time.
        edges = np.arange(d["regular"].size + 1)
        shade_campaigns(ax, ctx, label=False)
        ax.stairs(d["regular"], edges, fill=True, color="#6baed6", lw=0, label="regular on duty")
        ax.stairs(d["regular"] + d["temporary"], edges, baseline=d["regular"], fill=True,
                  color="#fd8d3c", lw=0, label="temporary")
        ax.axhline(ctx.s.org.headcount(role), color="#08306b", ls="--", lw=1, label="headcount")
        extra = d["overtime_hours"].sum()
        ax.set_title(f"{ctx.role(role)}" + (f" ({extra:,.0f} h overtime)" if extra else ""),
                     fontsize=10)
        ax.set_ylabel("people")
        date_axis(ax, ctx)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(loc="upper left", fontsize=7)
    suptitle(fig, title)
    return fig
