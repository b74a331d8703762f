"""Text drawn once per string: each string's size and glyph layout kept for
every figure a run draws in one process (:class:`TextCache`).

Matplotlib measures and lays out every text it draws, glyph by glyph, in
the font's fallback list (the CJK font, then DejaVu Sans): about 45 us a
character, so that 0.3-1.4 ms went into each tick label, title and legend
entry, twice (once measured, once laid out for drawing), and the same date
labels, role names and axis labels came again in every panel and every
figure. Half of a run plot's drawing time was this text (Double 11). A
string's size and layout depend only on it, its font properties, the
resolution and the settings (rcParams) that choose the font and its
hinting: kept per run under those settings, they are what matplotlib
would compute again, so the pixels are the same. The glyphs are still
rendered where each text is drawn.

The cache is made by the run and handed to each drawing
(``plot_kit.Ahead``); strings the scenario already tells (dates, role and
workflow names, fixed labels) are laid out while the simulation runs.
"""
from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font

#: Whether this matplotlib draws text as :meth:`CachedRenderer.draw_text`
#: replays it (3.11: a layout of glyphs, then each glyph rendered); with an
#: older one only the sizes are kept.
LAYOUTS_KEPT = hasattr(RendererAgg, "_draw_text_glyphs_and_boxes") and hasattr(RendererAgg, "_prepare_font")

_Key = tuple[Any, ...]


class TextCache:
    """Sizes and glyph layouts of the strings drawn, by string, font
    properties and resolution, for the figures of one process drawn under
    one set of rcParams (the caller checks them: ``plot_kit.Ahead``)."""

    def __init__(self) -> None:
        self.sizes: dict[_Key, tuple[float, float, float]] = {}
        self.layouts: dict[_Key, tuple[Any, ...]] = {}
        self.heights: dict[_Key, tuple[Any, Any, Any]] = {}

    def warm(self, dpi: float, texts: list[tuple[str, FontProperties]]) -> None:
        """Measure and lay out ``texts`` now (string, font properties), as
        a figure at ``dpi`` would when drawn."""
        r = CachedRenderer(1, 1, dpi, self)
        for s, prop in texts:
            r.get_text_width_height_descent(s, prop, False)
            r.layout(s, prop, None, None)


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    # FontProperties is mutable: its fields, not the object, go in the key.
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


def _font_heights(prop: FontProperties, dpi: float) -> tuple[Any, Any, Any]:
    """Ascent, descent and line gap of ``prop``'s first font at ``dpi``,
    in pixels (None when its tables lack them), read as ``Text`` reads them."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    tables: tuple[tuple[Any, str, str, str], ...] = (
        (font.get_sfnt_table("OS/2"), "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        (font.get_sfnt_table("hhea"), "lineGap", "ascent", "descent"))
    for table, linegap_key, ascent_key, descent_key in tables:
        if table is None:
            continue
        head: Any = font.get_sfnt_table("head")
        scale = 1 / head["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


class CachedRenderer(RendererAgg):
    """Agg's renderer, with each string's size and glyph layout taken from a
    :class:`TextCache` when it has them (made as Agg makes them, and kept)."""

    def __init__(self, width: float, height: float, dpi: float, cache: TextCache) -> None:
        super().__init__(width, height, dpi)
        self.cache = cache

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any
                                      ) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font_key(prop), self.dpi)
        got = self.cache.sizes.get(key)
        if got is None:
            got = self.cache.sizes[key] = super().get_text_width_height_descent(s, prop, ismath)
        return got

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[Any, Any, Any]:
        # Text asks a renderer that has this for the font's ascent, descent
        # and line gap; else it reads them from the font's tables (a font
        # lookup and four table reads a text). The same reads, kept.
        key = (_font_key(prop), self.dpi)
        got = self.cache.heights.get(key)
        if got is None:
            got = self.cache.heights[key] = _font_heights(prop, self.dpi)
        return got

    def layout(self, s: str, prop: FontProperties, features: Any, language: Any) -> tuple[Any, ...]:
        """The glyphs of ``s`` (Agg's layout: each glyph's font, index and offset)."""
        key = (s, _font_key(prop), self.dpi, features, language)
        got = self.cache.layouts.get(key)
        if got is None:
            font = self._prepare_font(prop)
            got = self.cache.layouts[key] = tuple(font._layout(s, flags=get_hinting_flag(),
                                                               features=features, language=language))
        return got

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:
        if ismath or not LAYOUTS_KEPT:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # Agg's draw_text, the layout kept: the same glyphs at the same offsets.
        items = self.layout(s, prop, mtext.get_fontfeatures() if mtext is not None else None,
                            mtext.get_language() if mtext is not None else None)
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle,
            ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), [])
        return None


class CachedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer keeps text in ``cache``."""

    def __init__(self, figure: Figure, cache: TextCache) -> None:
        self.cache = cache
        super().__init__(figure)

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedRenderer(w, h, self.figure.dpi, self.cache)
            self._lastKey = key
        return self.renderer
