"""Charts drawn on the server as inline SVG: nothing to fetch at run time,
readable without JavaScript, and scaled to the width of a phone."""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext
from markupsafe import Markup, escape

COLOURS = ("#0b5ed7", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 36


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return value


def line_chart(series: dict[str, list[tuple[date, int]]], *, title: str) -> Markup:
    """One line per named series of (day, value), sharing the x axis."""
    if not series or not any(points for points in series.values()):
        return Markup(f'<p class="empty">{escape(gettext("%(title)s: no stock movements yet.", title=title))}</p>')
    days = next(iter(series.values()))
    n = len(days)
    top = _nice_max(max(v for points in series.values() for _d, v in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * max(v, 0) / top

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for k in range(5):  # horizontal grid lines with their values
        v = top * k // 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    for i in sorted({0, n // 3, 2 * n // 3, n - 1}):  # a few dates along the bottom
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
                     f'{escape(format_date(days[i][0], "short"))}</text>')
    for k, (name, points) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{path}" '
                     f'data-series="{escape(name)}"><title>{escape(name)}: {points[-1][1]}</title></polyline>')
        parts.append(f'<rect x="{LEFT + 8 + k * 110}" y="6" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{LEFT + 26 + k * 110}" y="18">{escape(name)} ({points[-1][1]})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
