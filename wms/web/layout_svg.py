"""A warehouse layout drawn on the server as SVG: its racks bay by bay
(each coloured and linked as the caller says), its cross aisles and
stations, and optionally routes walked through it (a pick list's)."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from wms.facility.drawing import bay_rects
from wms.facility.rules import LayoutParams

EMPTY = "#eef0f3"
ROUTE_COLOURS = ("#c2410c", "#0b5ed7", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d")


def _blend(t: float, low: tuple[int, int, int], high: tuple[int, int, int]) -> str:
    t = min(max(t, 0.0), 1.0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high, strict=True))


def scale_colour(t: float, hue: str = "blue") -> str:
    """0..1 on a light-to-dark scale."""
    high = {"blue": (11, 79, 156), "orange": (194, 65, 12), "green": (21, 128, 61)}[hue]
    return _blend(0.15 + 0.85 * t, (235, 241, 250), high)


def layout_svg(params: LayoutParams, cells: dict[str, dict], *, stations: Sequence[tuple[str, int, int]] = (),
               routes: Sequence[dict] = (), title: str = "", selected: str | None = None) -> Markup:
    """cells: bay key ("A01-03") -> {"colour", "title", "href"}; routes:
    {"points": [(x, y), ...], "stops": [(x, y), ...], "label": str}."""
    cross = params.cross_aisle_ys()
    width = params.width_mm
    height = cross[-1] + params.cross_aisle_width_mm // 2
    font = max(params.bay_width_mm // 2, 400)

    def sy(y: int) -> int:  # the front of the warehouse at the bottom
        return height - y

    out = [f'<svg class="layout" viewBox="0 0 {width} {height + font * 2}" xmlns="http://www.w3.org/2000/svg" '
           f'role="img" aria-label="{escape(title)}" font-size="{font}">', f"<title>{escape(title)}</title>"]
    for y in cross:
        out.append(f'<rect x="0" y="{sy(y) - params.cross_aisle_width_mm // 2}" width="{width}" '
                   f'height="{params.cross_aisle_width_mm}" fill="#fafaf7"/>')
    for r in bay_rects(params):
        cell = cells.get(r.key, {})
        rect = (f'<rect x="{r.x}" y="{sy(r.y + r.h)}" width="{r.w}" height="{r.h}" '
                f'fill="{cell.get("colour", EMPTY)}" stroke="{"#f2b705" if r.key == selected else "#9aa3ad"}" '
                f'stroke-width="{80 if r.key == selected else 20}" data-bay="{r.key}">'
                f'<title>{escape(cell.get("title", r.key))}</title></rect>')
        out.append(f'<a href="{escape(cell["href"])}">{rect}</a>' if cell.get("href") else rect)
    for n, (code, x, y) in enumerate(sorted(stations, key=lambda s: s[1])):
        # Neighbouring stations' names take turns above and below the line.
        below = n % 2 == 0
        out.append(f'<circle cx="{x}" cy="{sy(y)}" r="{font * 0.6:.0f}" fill="#12263a"/>'
                   f'<text x="{x}" y="{sy(y) + (font * 1.9 if below else -font * 1.0):.0f}" text-anchor="middle" '
                   f'font-size="{font * 0.8:.0f}">{escape(code)}</text>')
    for k, route in enumerate(routes):
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        points = " ".join(f"{x},{sy(y)}" for x, y in route["points"])
        out.append(f'<g class="route" data-route="{escape(route.get("label", k + 1))}">'
                   f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{font // 3}" '
                   f'stroke-linejoin="round" opacity="0.85"/>')
        for n, (x, y) in enumerate(route.get("stops", ()), start=1):
            out.append(f'<circle cx="{x}" cy="{sy(y)}" r="{font * 0.45:.0f}" fill="{colour}"/>'
                       f'<text x="{x}" y="{sy(y) + font * 0.3:.0f}" text-anchor="middle" fill="#fff" '
                       f'font-size="{font * 0.8:.0f}">{n}</text>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
