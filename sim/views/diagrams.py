"""Pictures of the rules: the org chart and one swimlane per workflow.

Drawn in the shared style (``sim.views.style``); without a CJK font the
diagrams use the English ids and :func:`write_diagrams` returns a notice for
the CLI to show. This module never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

from rules.scenario import Scenario
from sim.views.org_chart import draw_org_chart
from sim.views.show import sorted_workflows
from sim.views.style import CJK_FONT_INSTALL, Style, find_cjk_font, save
from sim.views.swimlane import draw_workflow


@dataclass
class DiagramResult:
    files: list[Path] = field(default_factory=list)
    #: Something the user should know (no CJK font); ``None`` when all is well.
    notice: str | None = None


def write_diagrams(s: Scenario, out_dir: Path, font: str | bool | None = True) -> DiagramResult:
    """Draw the org chart and every workflow's swimlane into ``out_dir``.

    ``font``: ``True`` finds a CJK font; a family name uses that one; ``None``
    forces the English labels."""
    chosen = find_cjk_font() if font is True else font
    style = Style(font=chosen if isinstance(chosen, str) else None)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = DiagramResult()
    if not style.chinese:
        result.notice = (f"no CJK font found, so the diagrams use English labels (ids); "
                         f"for Chinese labels install one: {CJK_FONT_INSTALL}")
    with matplotlib.rc_context({"font.family": style.families(), "svg.fonttype": "path",
                                "text.usetex": False}):
        result.files += save(draw_org_chart(s, style), out_dir / "org_chart")
        for wid, wf in sorted_workflows(s):
            fig = draw_workflow(s, wid, wf, style)
            result.files += save(fig, out_dir / f"workflow_{wf.number}_{wid}")
    return result
