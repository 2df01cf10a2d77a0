"""Build basemap.geojson (the overview's map) from Natural Earth, as redistributed by the npm package world-atlas.

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python nkwatch/web/data/build_basemap.py /tmp/package/countries-10m.json

Not run by nkwatch itself: the output is committed beside this script (see SOURCES.md). It keeps North Korea
and its neighbours, clipped to a box around the peninsula and simplified, so that the whole map is a few
kilobytes drawn as SVG on the server, with no tile server and no network.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BOX = (123.4, 37.0, 131.6, 43.7)  # lon_min, lat_min, lon_max, lat_max: the peninsula north of Seoul
KEEP = {"408": "kp", "410": "kr", "156": "cn", "643": "ru", "392": "jp"}  # ISO 3166 numeric -> gazetteer id
TOLERANCE = 0.012  # degrees; about a pixel at the size the overview draws


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:  # quantized and delta-encoded
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in idx:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts[1:] if out else pts)
    return out


def clip(poly: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against BOX: enough for drawing (edges along the box are never stroked)."""
    x0, y0, x1, y1 = BOX
    edges = [(lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)), (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)), (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1))]
    for inside, cut in edges:
        if not poly:
            break
        src, poly = poly, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    poly.append(cut(prev, cur))
                poly.append(cur)
            elif inside(prev):
                poly.append(cut(prev, cur))
            prev = cur
    return poly


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def simplify(pts: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings have thousands of points)."""
    if len(pts) < 4:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, far = 0.0, -1
        for i in range(a + 1, b):
            px, py = pts[i][0] - ax, pts[i][1] - ay
            # A closed ring starts and ends at one point: measure from that point instead of a line.
            d = abs(dy * px - dx * py) / norm if norm else (px * px + py * py) ** 0.5
            if d > best:
                best, far = d, i
        if best > tol and far > 0:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(pts, keep, strict=True) if k]


def main(path: str) -> None:
    topo = json.loads(Path(path).read_text())
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g.get("id") not in KEEP:
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        rings = []
        for poly in polys:
            outer = simplify(clip(ring(arcs, poly[0])), TOLERANCE)  # holes do not occur at this scale
            if len(outer) >= 4:
                rings.append([[[round(x, 3), round(y, 3)] for x, y in outer]])
        if rings:
            features.append({"type": "Feature", "properties": {"id": KEEP[g["id"]], "name": g["properties"]["name"]},
                             "geometry": {"type": "MultiPolygon", "coordinates": rings}})
    out = {"type": "FeatureCollection", "bbox": list(BOX), "features": features,
           "source": "Natural Earth 1:10m admin-0 countries v4.1.0 (public domain), via world-atlas 2.0.2 (ISC)"}
    target = Path(__file__).with_name("basemap.geojson")
    target.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"{target}: {target.stat().st_size} bytes, {len(features)} countries")


if __name__ == "__main__":
    main(sys.argv[1])
