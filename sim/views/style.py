"""The look of every figure opsim draws: fonts (a CJK one for Chinese
labels), sizes, text wrapping, blank figures in inches.

Matplotlib only, drawn on Agg figures (``matplotlib.figure.Figure``, never
pyplot, so no global backend or state is touched). Chinese needs a CJK font;
:func:`find_cjk_font` looks for one, and without it figures use the English
ids (the callers return a notice for the CLI to show). Shared by the
diagrams (``sim.views``) and the run report's plots (``sim.report.plots``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

#: The line that gives a Debian/Ubuntu machine (or CI image) a CJK font.
CJK_FONT_INSTALL = "apt-get update && apt-get install -y fonts-wqy-microhei"

#: Font families that cover Simplified Chinese, best first.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Droid Sans Fallback", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
)
#: Pieces of font file names that mark a CJK font (lower case, no separators).
CJK_FILE_HINTS: tuple[str, ...] = (
    "notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback",
    "uming", "ukai", "simhei", "msyh", "pingfang",
)
LATIN_FAMILY = "DejaVu Sans"
DPI = 110


def find_cjk_font() -> str | None:
    """The family name of an installed font that covers Chinese, or ``None``.

    Looks in matplotlib's font list first; its cache can predate a font
    installed since, so the system font files are scanned next."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    # Sorted: the list comes from a set, and its order (so the font picked
    # among several) would change from one run to the next.
    for path in sorted(font_manager.findSystemFonts()):
        plain = re.sub(r"[-_ ]", "", Path(path).name.lower())
        if any(hint in plain for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def has_bold(family: str) -> bool:
    return any(f.name == family and _weight(f.weight) >= 600 for f in font_manager.fontManager.ttflist)


def _weight(weight: int | str) -> int:
    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


@dataclass(frozen=True)
class Style:
    """Which labels to draw: Chinese (with a CJK font) or the English ids."""
    font: str | None

    @property
    def chinese(self) -> bool:
        return self.font is not None

    @property
    def bold(self) -> str:
        """``bold`` where the font has a bold face (asking for a missing one
        makes matplotlib log a warning), else ``normal``."""
        return "bold" if self.font is None or has_bold(self.font) else "normal"

    def families(self) -> list[str]:
        return [self.font, LATIN_FAMILY] if self.font else [LATIN_FAMILY]

    def title(self, zh: str, english: str) -> str:
        return f"{zh}  {english}" if self.chinese and zh else english


def humanise(ident: str) -> str:
    """``ops_supervisor`` -> ``ops supervisor``."""
    return ident.replace("_", " ")


def text_units(text: str) -> float:
    """Width of ``text`` in em: a CJK character is 1, anything else about 0.56."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.56 for ch in text)


def wrap(text: str, max_units: float, max_lines: int = 3) -> list[str]:
    """Break ``text`` into lines of at most ``max_units`` em. Latin words
    (split after ``_`` and spaces) stay whole when they fit; CJK breaks anywhere."""
    tokens = re.findall(r"[^\s_\u2e80-\uffff]+[_\s]?|[\u2e80-\uffff]|\s", text)
    lines: list[str] = []
    line = ""
    for tok in tokens:
        if line and text_units(line + tok.rstrip()) > max_units:
            lines.append(line.rstrip())
            line = ""
        line += tok
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines or [""]


def new_figure(width: float, height: float) -> tuple[Figure, matplotlib.axes.Axes]:
    """A figure whose data coordinates are inches, origin bottom left."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return fig, ax


#: What a file would otherwise hold that changes from run to run or from one
#: matplotlib to the next: the creation date (SVG, PDF) and the writer's version.
NO_STAMPS: dict[str, dict[str, None]] = {
    ".svg": {"Date": None, "Creator": None}, ".png": {"Software": None},
    ".pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
#: Seeds the ids of an SVG's clip paths and markers, which are random otherwise.
SVG_SALT = "opsim"


#: zlib's level for PNG files: 3 compresses a run's plots about a third
#: faster than the default 6, for files about 5% larger.
PNG_COMPRESSION = 3


def save_figure(fig: Figure, path: Path, **kwargs: Any) -> None:
    """``fig.savefig`` that writes the same bytes for the same figure: no
    dates, no versions, no random ids (the same seed gives the same files)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        kwargs.setdefault("pil_kwargs", {"compress_level": PNG_COMPRESSION})
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(path, metadata=NO_STAMPS.get(suffix), **kwargs)


def save(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; return both paths."""
    out = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in out:
        save_figure(fig, path, dpi=DPI, facecolor="white")
    return out
