"""Charts and the map as SVG drawn on the server: no script, no outside resource, and every mark is a link to
the incidents (and through them the claims and sources) behind it.

All text placed in the SVG goes through `escape`; colours and sizes are presentation attributes, not style
attributes, so the strict Content-Security-Policy (no inline styles) holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from nkwatch.extract.gazetteer import gazetteer

# One colour per COI category, chosen to stay distinct for the common forms of colour blindness (Okabe-Ito).
CATEGORY_COLOURS = {
    "detention_torture_execution": "#D55E00", "movement_residence": "#0072B2",
    "thought_expression_religion": "#CC79A7", "disappearance_abduction": "#E69F00",
    "food_life": "#009E73", "discrimination": "#56B4E9", "other": "#999999",
}  # fmt: skip


def _e(v: Any) -> str:
    return str(escape(str(v)))


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * mag:
            return m * mag
    return 10 * mag


def _fmt(v: float) -> str:
    for unit, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.3g}{unit}"
    return f"{v:.3g}" if v % 1 else f"{int(v)}"


def stacked_years(counts: dict[tuple[int, str], int], link: Callable[[int, str | None], str],
                  labels: dict[str, str], width: int = 560, height: int = 300) -> Markup:  # fmt: skip
    """Incidents per year, stacked by category. `link(year, category)` gives each segment's address."""
    if not counts:
        return Markup("")
    years = range(min(y for y, _ in counts), max(y for y, _ in counts) + 1)
    per_year = {y: sum(n for (yy, _), n in counts.items() if yy == y) for y in years}
    top = _nice_max(max(per_year.values()))
    left, bottom, right, head = 36, 22, 8, 8
    plot_w, plot_h = width - left - right, height - bottom - head
    bw = plot_w / len(years)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Incidents per year by category">']  # fmt: skip
    for i in range(5):  # grid and axis labels
        v = top * i / 4
        y = head + plot_h - plot_h * v / top
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{left - 4}" y="{y + 3:.1f}" class="axis" text-anchor="end">{_fmt(v)}</text>')
    step = max(1, math.ceil(len(years) / 14))
    for i, yr in enumerate(years):
        x = left + i * bw
        if i % step == 0:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{height - 6}" class="axis" text-anchor="middle">{yr}</text>')
        base = head + plot_h
        for cat in CATEGORY_COLOURS:
            n = counts.get((yr, cat), 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            title = f"{yr}: {n} incident{'s' if n != 1 else ''}, {labels.get(cat, cat)}"
            out.append(f'<a href="{_e(link(yr, cat))}"><rect x="{x + 1:.1f}" y="{base:.1f}" '
                       f'width="{max(bw - 2, 1):.1f}" height="{max(h, 0.5):.1f}" fill="{CATEGORY_COLOURS[cat]}">'
                       f'<title>{_e(title)}</title></rect></a>')  # fmt: skip
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Point:
    year: int
    low: float
    high: float
    href: str
    title: str


def indicator_chart(name: str, points: list[Point], width: int = 340, height: int = 150) -> Markup:
    """One indicator over the years: a dot per reported figure (a bar where sources give a range)."""
    if not points:
        return Markup("")
    y0, y1 = min(p.year for p in points), max(p.year for p in points)
    if y0 == y1:
        y0, y1 = y0 - 1, y1 + 1
    top = _nice_max(max(p.high for p in points))
    left, bottom, right, head = 40, 20, 10, 8
    pw, ph = width - left - right, height - bottom - head

    def xy(year: int, v: float) -> tuple[float, float]:
        return left + pw * (year - y0) / (y1 - y0), head + ph - ph * v / top

    out = [f'<svg class="chart small" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(name)}">']
    for i in range(3):
        v = top * i / 2
        _, y = xy(y0, v)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{left - 4}" y="{y + 3:.1f}" class="axis" text-anchor="end">{_fmt(v)}</text>')
    out.append(f'<text x="{left}" y="{height - 4}" class="axis">{y0}</text>'
               f'<text x="{width - right}" y="{height - 4}" class="axis" text-anchor="end">{y1}</text>')
    pts = sorted(points, key=lambda p: p.year)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(p.year, (p.low + p.high) / 2) for p in pts))
    if len(pts) > 1:
        out.append(f'<polyline points="{line}" class="trend"/>')
    for p in pts:
        x, ylo = xy(p.year, p.low)
        _, yhi = xy(p.year, p.high)
        rng = f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{ylo:.1f}" y2="{yhi:.1f}" class="range"/>' if p.high > p.low else ""
        out.append(f'<a href="{_e(p.href)}">{rng}<circle cx="{x:.1f}" cy="{(ylo + yhi) / 2:.1f}" r="4.5" '
                   f'class="point"><title>{_e(p.title)}</title></circle></a>')
    out.append("</svg>")
    return Markup("".join(out))


# --- the map -----------------------------------------------------------------------------------------------

MAP_W, MAP_H = 520, 480


@cache
def _basemap() -> dict[str, Any]:
    with resources.files("nkwatch.web").joinpath("data/basemap.geojson").open("rb") as f:
        return json.load(f)


def _projection() -> Callable[[float, float], tuple[float, float]]:
    lon0, lat0, lon1, lat1 = _basemap()["bbox"]
    kx = math.cos(math.radians((lat0 + lat1) / 2))  # equirectangular at the middle latitude: shapes look right
    sx = MAP_W / ((lon1 - lon0) * kx)
    sy = MAP_H / (lat1 - lat0)
    s = min(sx, sy)
    return lambda lon, lat: ((lon - lon0) * kx * s, (lat1 - lat) * s)


@cache
def _base_paths() -> str:
    proj = _projection()
    out = []
    for f in _basemap()["features"]:
        d = []
        for poly in f["geometry"]["coordinates"]:
            for ring in poly:
                d.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in (proj(lon, lat) for lon, lat in ring)) + "Z")
        pid = f["properties"]["id"]
        out.append(f'<path d="{"".join(d)}" class="land {pid}"><title>{_e(f["properties"]["name"])}</title></path>')
    return "".join(out)


def map_position(place_id: str | None) -> tuple[str, float, float] | None:
    """Where a place is drawn: itself, or the nearest enclosing place with coordinates (not a country)."""
    g = gazetteer()
    for pid in g.ancestors(place_id or ""):
        p = g.get(pid)
        if p and p.lat is not None and p.precision not in ("country", "border"):
            return pid, p.lat, p.lon  # type: ignore[return-value]
    return None


def place_map(counts: dict[str, int], link: Callable[[str], str], *, highlight: str | None = None,
              labels: int = 8) -> Markup:  # fmt: skip
    """The peninsula with a circle per place sized by its number of incidents; each circle links to them."""
    proj = _projection()
    g = gazetteer()
    at: dict[str, tuple[float, float, int]] = {}
    for pid, n in counts.items():
        pos = map_position(pid)
        if pos:
            key, lat, lon = pos
            x, y, m = at.get(key, (*proj(lon, lat), 0))
            at[key] = (x, y, m + n)
    biggest = max((n for *_, n in at.values()), default=1)
    out = [f'<svg class="map" viewBox="0 0 {MAP_W} {MAP_H:.0f}" role="img" aria-label="Map of incidents by place">',
           f'<rect width="{MAP_W}" height="{MAP_H}" class="sea"/>', _base_paths()]
    for name, lon, lat in (("CHINA", 125.2, 42.6), ("RUSSIA", 130.9, 43.1), ("SOUTH KOREA", 128.2, 37.3),
                           ("NORTH KOREA", 126.9, 40.1), ("Yellow Sea", 124.1, 38.4), ("East Sea", 130.3, 39.6)):
        x, y = proj(lon, lat)
        out.append(f'<text x="{x:.0f}" y="{y:.0f}" class="region" text-anchor="middle">{_e(name)}</text>')
    ranked = sorted(at.items(), key=lambda kv: -kv[1][2])
    for i, (pid, (x, y, n)) in enumerate(sorted(ranked, key=lambda kv: -kv[1][2])):
        r = 4 + 18 * math.sqrt(n / biggest)
        name = g.get(pid).name if g.get(pid) else pid
        cls = "spot here" if pid == highlight else "spot"
        out.append(f'<a href="{_e(link(pid))}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" class="{cls}">'
                   f'<title>{_e(name)}: {n} incident{"s" if n != 1 else ""}</title></circle></a>')
        if i < labels or pid == highlight:
            out.append(f'<text x="{x + r + 3:.1f}" y="{y + 4:.1f}" class="place">{_e(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
