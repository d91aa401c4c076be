"""Pure geometry for drawing a layout: where each bay's rack stands, and the
waypoints of a shortest walk between two points along the aisles and cross
aisles (the legs travel_distance_mm measures), so a route can be drawn."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wms.facility.rules import Geometry, LayoutParams

Point = tuple[int, int]


@dataclass(frozen=True)
class BayRect:
    block: int
    aisle: int
    bay: int
    x: int  # left edge, mm
    y: int  # front edge, mm
    w: int  # along x: the rack's depth
    h: int  # along y: the bay's width

    @property
    def key(self) -> str:
        """The bay's part of its locations' codes: "A01-03"."""
        return f"{chr(ord('A') + self.block - 1)}{self.aisle:02}-{self.bay:02}"


def bay_rects(p: LayoutParams) -> list[BayRect]:
    """One rectangle per bay: odd bays on an aisle's left, even on its right."""
    rects = []
    half_aisle = p.aisle_width_mm // 2
    for block in range(1, p.blocks + 1):
        for aisle in range(1, p.aisles + 1):
            x = p.aisle_x(aisle)
            for bay in range(1, 2 * p.bays_per_aisle + 1):
                y = p.bay_y(block, bay) - p.bay_width_mm // 2
                left = x - half_aisle - p.bay_depth_mm if bay % 2 else x + half_aisle
                rects.append(BayRect(block, aisle, bay, left, y, p.bay_depth_mm, p.bay_width_mm))
    return rects


def leg_waypoints(geometry: Geometry, a: Point, b: Point) -> list[Point]:
    """A shortest walk from a to b as straight moves along one axis each."""
    (xa, ya), (xb, yb) = a, b
    cross, aisles = geometry.cross_aisle_ys, geometry.aisle_xs
    if a == b:
        return [a]
    if not cross:
        return [a, (xb, ya), b]
    on_cross_a = ya in cross and xa not in aisles
    on_cross_b = yb in cross and xb not in aisles
    if (ya == yb and (ya in cross or on_cross_a)) or xa == xb:
        return [a, b]
    if on_cross_a and on_cross_b:
        x = min(aisles, key=lambda ax: abs(xa - ax) + abs(xb - ax)) if aisles else xa
        return [a, (x, ya), (x, yb), b]
    if on_cross_a:
        return [a, (xb, ya), b]
    if on_cross_b:
        return [a, (xa, yb), b]
    y = min(cross, key=lambda cy: abs(ya - cy) + abs(yb - cy))
    return [a, (xa, y), (xb, y), b]


def tour_waypoints(geometry: Geometry, depot: Point, stops: Sequence[Point]) -> list[Point]:
    """The walk from the depot through the stops in order and back."""
    points = [depot, *stops, depot]
    walk: list[Point] = [depot]
    for a, b in zip(points, points[1:], strict=False):
        walk += leg_waypoints(geometry, a, b)[1:]
    return walk
