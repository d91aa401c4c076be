"""Pure layout rules: generate a rectangular multi-aisle warehouse and measure
walking distance in it.

Geometry (millimetres). Aisles run along y. Each block is a band of parallel
aisles; a cross aisle runs along x in front of block 1 (y = 0 line of the
front cross aisle), between consecutive blocks and behind the last block.
Storage bays face an aisle from both sides: odd bay numbers on the left,
even on the right, so bays 1 and 2 face each other. A picker walks on aisle
centre lines and cross-aisle centre lines, so a location's pick point is on
its aisle's centre line, level for level. The dock, pack and ship stations
stand on the front cross aisle (anywhere along it); drop points, if any, on
the back cross aisle.
"""

from __future__ import annotations

import string
from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutParams:
    blocks: int
    aisles: int
    bays_per_aisle: int  # bays along each side of an aisle
    levels: int
    bay_width_mm: int = 1000
    bay_depth_mm: int = 800
    level_height_mm: int = 600
    aisle_width_mm: int = 2500
    cross_aisle_width_mm: int = 3000
    max_weight_g: int = 250_000

    def __post_init__(self) -> None:
        for name in ("blocks", "aisles", "bays_per_aisle", "levels"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in (
            "bay_width_mm",
            "bay_depth_mm",
            "level_height_mm",
            "aisle_width_mm",
            "cross_aisle_width_mm",
            "max_weight_g",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.blocks > len(string.ascii_uppercase):
            raise ValueError("blocks must be at most 26")

    @property
    def aisle_pitch_mm(self) -> int:
        """Centre-to-centre distance of neighbouring aisles (an aisle and the
        two racks that face it)."""
        return self.aisle_width_mm + 2 * self.bay_depth_mm

    @property
    def block_length_mm(self) -> int:
        return self.bays_per_aisle * self.bay_width_mm

    @property
    def bay_volume_mm3(self) -> int:
        return self.bay_width_mm * self.bay_depth_mm * self.level_height_mm

    def aisle_x(self, aisle: int) -> int:
        return self.bay_depth_mm + self.aisle_width_mm // 2 + (aisle - 1) * self.aisle_pitch_mm

    def cross_aisle_ys(self) -> list[int]:
        """Centre lines of the cross aisles, front to back."""
        half = self.cross_aisle_width_mm // 2
        return [half + k * (self.cross_aisle_width_mm + self.block_length_mm) for k in range(self.blocks + 1)]

    def bay_y(self, block: int, bay: int) -> int:
        """Centre of a bay's face along the aisle (bays 2k-1 and 2k face each other)."""
        start = self.cross_aisle_ys()[block - 1] + self.cross_aisle_width_mm // 2
        position = (bay + 1) // 2
        return start + (position - 1) * self.bay_width_mm + self.bay_width_mm // 2

    @property
    def width_mm(self) -> int:
        return self.aisles * self.aisle_pitch_mm


@dataclass(frozen=True)
class LocationSpec:
    code: str
    kind: str
    x_mm: int
    y_mm: int
    block: int | None = None
    aisle: int | None = None
    bay: int | None = None
    level: int | None = None
    max_volume_mm3: int | None = None
    max_weight_g: int | None = None


def location_code(block: int, aisle: int, bay: int, level: int) -> str:
    return f"{string.ascii_uppercase[block - 1]}{aisle:02}-{bay:02}-{level}"


@dataclass(frozen=True)
class Stations:
    """Where a layout's stations stand on the front cross aisle (x of each,
    in mm from the left wall; None: the default place), and the x of drop
    points on the back cross aisle (floor places where goods are set down
    for picking, e.g. at a conveyor's end)."""

    dock_x_mm: int | None = None
    pack_x_mm: int | None = None
    ship_x_mm: int | None = None
    quarantine_x_mm: int | None = None
    drop_points_x_mm: tuple[int, ...] = ()

    def problems(self, p: LayoutParams) -> dict[str, str]:
        """What is wrong with these places in layout p, by field."""
        out = {}
        for name in ("dock_x_mm", "pack_x_mm", "ship_x_mm", "quarantine_x_mm"):
            x = getattr(self, name)
            if x is not None and not 0 <= x <= p.width_mm:
                out[name] = f"must be on the front cross aisle, 0 to {p.width_mm} mm"
        for i, x in enumerate(self.drop_points_x_mm):
            if not 0 <= x <= p.width_mm:
                out[f"drop_points_x_mm.{i}"] = f"must be on the back cross aisle, 0 to {p.width_mm} mm"
            elif x in self.drop_points_x_mm[:i]:
                out[f"drop_points_x_mm.{i}"] = "two drop points at one place"
        return out


def generate_layout(p: LayoutParams, stations: Stations | None = None) -> list[LocationSpec]:
    """Every storage location of the layout, plus DOCK, PACK, SHIP and
    QUARANTINE on the front cross aisle (by default the dock at the left
    end, pack in the middle aisle, ship at the right end and quarantine
    halfway between the first two aisles; `stations` places them anywhere on
    it) and the drop points DROP-01, ... on the back cross aisle (storage
    locations off the aisles, one bay's volume each)."""
    stations = stations or Stations()
    wrong = stations.problems(p)
    if wrong:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in wrong.items()))
    specs: list[LocationSpec] = []
    for block in range(1, p.blocks + 1):
        for aisle in range(1, p.aisles + 1):
            x = p.aisle_x(aisle)
            for bay in range(1, 2 * p.bays_per_aisle + 1):
                y = p.bay_y(block, bay)
                for level in range(1, p.levels + 1):
                    specs.append(
                        LocationSpec(
                            code=location_code(block, aisle, bay, level),
                            kind="storage",
                            x_mm=x,
                            y_mm=y,
                            block=block,
                            aisle=aisle,
                            bay=bay,
                            level=level,
                            max_volume_mm3=p.bay_volume_mm3,
                            max_weight_g=p.max_weight_g,
                        )
                    )
    front, back = p.cross_aisle_ys()[0], p.cross_aisle_ys()[-1]

    def at(x: int | None, default: int) -> int:
        return default if x is None else x

    specs.append(LocationSpec(code="DOCK", kind="dock", x_mm=at(stations.dock_x_mm, p.aisle_x(1)), y_mm=front))
    specs.append(LocationSpec(code="PACK", kind="pack",
                              x_mm=at(stations.pack_x_mm, p.aisle_x((p.aisles + 1) // 2)), y_mm=front))
    specs.append(LocationSpec(code="SHIP", kind="ship", x_mm=at(stations.ship_x_mm, p.aisle_x(p.aisles)), y_mm=front))
    # Damaged and suspect units wait here, apart from sellable stock.
    specs.append(LocationSpec(code="QUARANTINE", kind="quarantine",
                              x_mm=at(stations.quarantine_x_mm, p.aisle_x(1) + p.aisle_pitch_mm // 2), y_mm=front))
    for i, x in enumerate(stations.drop_points_x_mm, start=1):
        specs.append(LocationSpec(code=f"DROP-{i:02}", kind="storage", x_mm=x, y_mm=back,
                                  max_volume_mm3=p.bay_volume_mm3, max_weight_g=p.max_weight_g))
    return specs


@dataclass(frozen=True)
class Geometry:
    """What travel distance needs to know of a layout: the cross aisles'
    centre lines (front to back) and the aisles' centre lines (left to
    right). Without cross aisles (free-form locations) distance is
    rectilinear."""

    cross_aisle_ys: tuple[int, ...] = ()
    aisle_xs: tuple[int, ...] = ()

    @classmethod
    def of(cls, params: LayoutParams | None) -> Geometry:
        if params is None:
            return cls()
        return cls(tuple(params.cross_aisle_ys()), tuple(params.aisle_x(a) for a in range(1, params.aisles + 1)))


def travel_distance_mm(geometry: Geometry, a: tuple[int, int], b: tuple[int, int]) -> int:
    """Shortest walk between two points along aisles and cross aisles.

    A point on an aisle's centre line can walk along it; a point on a cross
    aisle between aisles (a station, a drop point) must first walk along
    its cross aisle to some aisle before it can change cross aisles. So:

    - on the same cross aisle, or in the same aisle: the straight distance;
    - in two different aisles: the horizontal gap plus the shortest detour
      via one cross aisle;
    - one point on a cross aisle, the other in an aisle: rectilinear (along
      the cross aisle to the other point's aisle, then up or down it);
    - on two different cross aisles, neither at an aisle: the vertical gap
      plus the walk to and from the aisle that is best to climb, which is
      rectilinear when an aisle lies between the two x's and otherwise a
      detour to the nearest aisle outside them.

    This is the length of the shortest path in the layout's graph of aisle
    and cross-aisle centre lines (tested against Dijkstra). A point that is
    neither on an aisle nor on a cross aisle is not something the layout
    holds; it is treated as if it stood in an aisle at its own x.
    """
    (xa, ya), (xb, yb) = a, b
    dx, dy = abs(xa - xb), abs(ya - yb)
    cross = geometry.cross_aisle_ys
    if not cross:
        return dx + dy
    aisles = geometry.aisle_xs
    pinned_a = ya in cross and xa not in aisles and bool(aisles)
    pinned_b = yb in cross and xb not in aisles and bool(aisles)
    if pinned_a and pinned_b:
        if ya == yb:
            return dx
        lo, hi = min(xa, xb), max(xa, xb)
        k = bisect_left(aisles, lo)
        if k < len(aisles) and aisles[k] <= hi:
            return dx + dy
        detours = [lo - aisles[k - 1]] if k > 0 else []
        if k < len(aisles):
            detours.append(aisles[k] - hi)
        return dx + dy + 2 * min(detours)
    if pinned_a or pinned_b or xa == xb:
        return dx + dy
    return dx + min(abs(ya - yc) + abs(yb - yc) for yc in cross)
