"""A world map of partner countries as inline SVG, from the shipped Natural Earth outline.

The outline is Natural Earth's 1:110m countries (public domain) as TopoJSON
(``data/countries-110m.json``, see ``data/NOTICE.md``). :func:`country_rings` decodes the
TopoJSON arcs (delta-encoded, quantised) into longitude/latitude rings, and :func:`svg` draws
them in an equirectangular projection: no tile server, no script, nothing fetched.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "countries-110m.json"


@lru_cache(maxsize=1)
def load_topology() -> dict[str, Any]:
    """The shipped TopoJSON topology."""
    out: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return out


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in indices:
        seg = arcs[i] if i >= 0 else arcs[~i][::-1]
        # consecutive arcs share their joining point
        pts.extend(seg if not pts else seg[1:])
    return pts


def _unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep a ring that crosses the antimeridian continuous (longitudes past +-180; the map clips)."""
    out: list[tuple[float, float]] = []
    shift = 0.0
    for lon, lat in ring:
        if out:
            prev = out[-1][0] - shift
            if lon - prev > 180:
                shift -= 360
            elif prev - lon > 180:
                shift += 360
        out.append((lon + shift, lat))
    return out


@lru_cache(maxsize=1)
def country_rings() -> dict[str, list[list[tuple[float, float]]]]:
    """Country name -> its polygon rings as (longitude, latitude) lists."""
    topo = load_topology()
    arcs = _arcs(topo)
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"] if g["type"] == "MultiPolygon" else []
        rings = [_unwrap(_ring(r, arcs)) for poly in polys for r in poly]
        out.setdefault(name, []).extend(rings)
    return out


def svg(highlight: Mapping[str, str] | None = None, *, width: int = 960, fill: str = "#d9d9d9",
        color: str = "#0072B2", lat_min: float = -58.0, lat_max: float = 84.0) -> str:
    """The world (Antarctica cut off) with ``highlight`` countries filled; values are tooltips."""
    highlight = dict(highlight or {})
    height = round(width * (lat_max - lat_min) / 360.0)

    def xy(lon: float, lat: float) -> str:
        x = (lon + 180.0) / 360.0 * width
        y = (lat_max - lat) / (lat_max - lat_min) * height
        return f"{x:.1f},{y:.1f}"

    parts = [f"<svg class='map' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"role='img' aria-label='map of partner countries'>"]
    for name, rings in sorted(country_rings().items()):
        if name == "Antarctica":
            continue
        d = " ".join("M" + " L".join(xy(lon, lat) for lon, lat in r) + " Z" for r in rings if len(r) > 2)
        on = name in highlight
        title = html.escape(f"{name}: {highlight[name]}" if on else name)
        parts.append(f"<path d='{d}' fill='{color if on else fill}'><title>{title}</title></path>")
    parts.append("</svg>")
    return "".join(parts)
