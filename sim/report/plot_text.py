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
would compute again, so the pixels are the same. A glyph's bitmap is kept
too, by the fraction of a pixel its pen position falls on: FreeType
renders a glyph moved by whole pixels as the same bitmap moved (checked
once per glyph and size), and four glyphs in ten come again at a fraction
drawn before.

The cache is made by the run and handed to each drawing
(``plot_kit.Ahead``); strings the scenario already tells (dates, role and
workflow names, fixed labels) are laid out while the simulation runs.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib import ft2font, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager, get_font

#: Whether this matplotlib draws text as :meth:`CachedRenderer.draw_text`
#: replays it (3.11: a layout of glyphs, then each glyph rendered at its
#: pen position); else its own draw_text draws (the sizes are kept still).
#: The replay copies private code of 3.11, so another minor version (whose
#: private methods may keep their names and change) draws with its own.
LAYOUTS_KEPT = (matplotlib.__version__.split(".")[:2] == ["3", "11"]
                and all(hasattr(RendererAgg, a) for a in ("_draw_text_glyphs_and_boxes", "_prepare_font"))
                and all(hasattr(ft2font.FT2Font, a) for a in ("_layout", "_render_glyph", "_set_transform"))
                and hasattr(ft2font, "RenderMode"))

_Key = tuple[Any, ...]


class TextCache:
    """Sizes and glyph layouts of the strings drawn, by string, font
    properties and resolution, for the figures of one process drawn under
    one set of rcParams (the caller checks them: ``plot_kit.Ahead``)."""

    def __init__(self) -> None:
        self.sizes: dict[_Key, tuple[float, float, float]] = {}
        self.layouts: dict[_Key, tuple[Any, ...]] = {}
        self.heights: dict[_Key, tuple[Any, Any, Any]] = {}
        #: Glyph bitmaps by font, glyph, fraction of a pixel and how drawn.
        self.glyphs: dict[_Key, tuple[np.ndarray, int, int]] = {}
        #: Whether a font's glyph drawn one way may be moved by whole pixels.
        self.moves: dict[_Key, bool] = {}

    def warm(self, dpi: float, texts: list[tuple[str, FontProperties]],
             until: Callable[[], bool] = lambda: False) -> None:
        """Measure and lay out ``texts`` now (string, font properties), as
        a figure at ``dpi`` would when drawn, until ``until()`` is true."""
        r = CachedRenderer(1, 1, dpi, self)
        for s, prop in texts:
            if until():
                return
            r.get_text_width_height_descent(s, prop, False)
            if LAYOUTS_KEPT:  # another matplotlib has no layout to keep
                r.layout(s, prop, None, None)


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    # FontProperties is mutable: its fields, not the object, go in the key;
    # with the settings that change a text's glyphs and sizes besides it
    # (hinting, kerning), so that a cache used under others cannot answer.
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily(),
            get_hinting_flag(), rcParams["text.hinting_factor"], rcParams["text.kerning_factor"])


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
        # Agg's draw_text, the layout kept: the same glyphs at the same
        # offsets, each rendered as Agg renders it (_draw_text_glyphs_and_boxes)
        # or, drawn before at the same fraction of a pixel, its bitmap moved.
        items = self.layout(s, prop, mtext.get_fontfeatures() if mtext is not None else None,
                            mtext.get_language() if mtext is not None else None)
        size = prop.get_size_in_points()
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
        flags = get_hinting_flag()
        modes: Any = ft2font.RenderMode  # type: ignore[attr-defined,unused-ignore]
        mode = modes.NORMAL if gc.get_antialiased() else modes.MONO
        how = (size, self.dpi, matrix.tobytes(), flags, mode)
        height = int(self.height)
        for item in items:
            font, dx, dy = item.ft_object, item.x, item.y
            # FreeType's pen position, in 64ths of a pixel (y upwards).
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (self.height - y + dx * sin + dy * cos))
            key = (font, item.glyph_index, px & 63, py & 63, *how)
            got = self.cache.glyphs.get(key)
            if got is None:
                got = self._render(font, item.glyph_index, size, matrix, flags, mode, px, py)
                if self._moves(font, how, item.glyph_index, got, (size, matrix, flags, mode, px, py)):
                    self.cache.glyphs[key] = got
            buffer, left, top = got
            self._renderer.draw_text_image(buffer, left + (px >> 6),
                                           height - top - (py >> 6) + buffer.shape[0], 0, gc)
        return None

    def _moves(self, font: Any, how: tuple[Any, ...], glyph: int, got: tuple[np.ndarray, int, int],
               args: tuple[Any, ...]) -> bool:
        """Whether ``font``'s ``glyph`` drawn as ``how`` may be moved by
        whole pixels: asked once, the bitmap ``got`` drawn again a pixel
        right and up must be the same at the same corner less the pen's
        pixels. FreeType moves an outline by the pen's offset before
        rendering it; a glyph a font has as a bitmap might not move."""
        key = (font, glyph, *how)
        ok = self.cache.moves.get(key)
        if ok is None:
            size, matrix, flags, mode, px, py = args
            again = self._render(font, glyph, size, matrix, flags, mode, px + 64, py + 64)
            ok = self.cache.moves[key] = (again[1:] == got[1:] and again[0].shape == got[0].shape
                                          and bool((again[0] == got[0]).all()))
        return ok

    def _render(self, font: Any, glyph: int, size: float, matrix: np.ndarray, flags: Any, mode: Any,
                px: int, py: int) -> tuple[np.ndarray, int, int]:
        """A glyph's bitmap at pen position (px, py), and its corner less
        the pen's whole pixels."""
        font.set_size(size, self.dpi)
        font._set_transform(matrix, [px, py])
        bitmap = font._render_glyph(glyph, flags, mode)
        buffer = bitmap.buffer
        if mode == mode.MONO:
            buffer *= 0xff
        return buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6)


class CachedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer keeps text in ``cache``."""

    def __init__(self, figure: Figure, cache: TextCache) -> None:
        self.cache = cache
        super().__init__(figure)

    def get_renderer(self) -> RendererAgg:
        if not LAYOUTS_KEPT:
            # Another matplotlib sizes its renderer its own way (3.10: the
            # figure's size in float pixels): its renderer's size, kept text.
            r = super().get_renderer()
            if not isinstance(r, CachedRenderer):
                self.renderer = r = CachedRenderer(r.width, r.height, r.dpi, self.cache)
            return r
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedRenderer(w, h, self.figure.dpi, self.cache)
            self._lastKey = key
        return self.renderer
