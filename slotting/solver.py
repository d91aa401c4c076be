"""Storage location assignment (slotting): plain data in, plain data out.

The model (DESIGN.md, Optimization). Each SKU has a demand in picks per day,
a unit volume and weight, the units to store (stock on hand plus expected
inbound), an owner and an optional hazmat class. Each storage location (a
"slot") has a pick point on an aisle's centre line, a level, a zone (its
block and aisle) and a volume and weight capacity. A slot holds one SKU
(dedicated storage); a SKU needs `faces` slots, enough for its units in
bins of the layout's usual size, and its picks spread evenly over them.

Cost of a slot, per pick: the round trip from the depot (the pack station)
along aisles and cross aisles, plus a level penalty (the golden zone is
free; the floor level and every level above the golden zone cost
`level_penalty_mm` per level of distance). The travel-weighted objective of
a placement is sum(picks per face * cost of the face's slot), in metres
per day.

Constraints (each a restriction of the slots a SKU may take):
- capacity: a face's share of the units must fit the slot's volume and weight;
- heavy items (unit weight >= `heavy_weight_g`) only on levels <= `heavy_max_level`;
- exclusive groups: a hazmat class, and a seller that requires segregation,
  get zones of their own that no other SKU uses (configured per group in
  `Rules.group_zones`, or chosen where the group's SKUs would go anyway in
  the unconstrained optimum).

Solver:
1. the capacitated travel-weighted assignment. When faces sorted by picks
   per face into slots sorted by cost break no constraint, that placement
   is optimal (it attains the lower bound below) and is taken as is;
   otherwise a min-cost flow (OR-Tools `SimpleMinCostFlow`; exact: the flow
   polytope is integral). Up to `full_arcs` arcs every eligible (SKU, slot)
   pair is an arc; beyond, each SKU gets the eligible slots around the rank
   it takes in the unconstrained optimum (a window of `window` slots on each
   side), its current slots, and the unplaced arc; `Plan.stats["exact"]`
   says which. With `zone_slots`, the flow is split by zone: groups of
   aisles of about that many slots, each SKU in the group where a greedy
   placement puts it, one exact flow per group, and a last flow over the
   slots left free for what a group could not hold.
   Candidates: this assignment under each cost model of
   `horizontal_weights` (the horizontal part of the walk, which the picks
   of one tour share, weighted 1, 2, 4, 8 against the depth into the
   aisle), and, without a move budget, the COI and within-aisle placements
   when they break no constraint; the one whose training tours (plus level
   penalties) are shortest is kept if the searched plan walks more on them; the search starts from the
   weight-1 assignment. Tours are of single orders; with `batch_units`
   (picking in waves) candidates are scored on `wave_sample` training
   orders batched by fulfillment's `plan_batches` into carts of that many
   lines, and the search on carts filled first come, first served.
2. re-slotting: with `max_moves`, each face placed off the SKU's current
   slots costs a price lambda; lambda is bisected until the plan needs at
   most `max_moves` moves (the Lagrangian relaxation of the move budget, so
   the moves kept are those that save the most in the objective per move).
   Next to it, a greedy pass moves SKUs to their slots in the start one at
   a time, the most walking saved per move on the training tours first
   (re-measured before each move is taken); `reslot_method` "best" keeps
   whichever of the two gives the shorter training tours.
3. affinity: local search that moves a SKU next to the SKUs it is bought
   with (into a free slot, or swapping with a SKU of similar demand), each
   move accepted only if the simulated tours of the training orders that
   contain either SKU get shorter in total (exact Ratliff-Rosenthal tours in
   a single-block layout, nearest neighbour + 2-opt on the exact
   shortest-path distances otherwise) and the travel-weighted objective
   stays within `affinity_cost_slack` of the start's. The most recent
   `validation_share` of the orders is held out: the search's moves are
   kept only if those orders' tours get shorter too (no over-fitting).

All figures (cost before and after, baselines, bound) are in the plain
travel-weighted objective (horizontal weight 1), whichever start won.

Lower bound: the same objective with every side constraint (eligibility,
capacity fit, groups, moves) dropped: then sorting faces by picks per face
against slots by cost is optimal (rearrangement inequality), so
`lower_bound <= cost of any feasible placement`.

Baselines on the same slots and faces (they respect capacity, not the side
constraints, which can only favour them): random; ABC classes (the SKUs
making 50/35/15% of the picks, in the slots nearest the depot, random
within a class); COI (cube per order index ascending into slots by travel);
within-aisle (COI order into aisles nearest the depot, each filled front to
back). Every placement's walking is the mean optimal tour of the evaluation
orders (`fulfillment.routing.optimal_route`) over each SKU's first face.
"""
from __future__ import annotations

import itertools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from fulfillment.batching import OrderSpec, plan_batches
from fulfillment.routing import optimal_route, ratliff_rosenthal_length
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

Point = tuple[int, int]
WEIGHT_SCALE = 1000  # picks per day are scaled to integers for the flow


class Cancelled(Exception):
    """The progress callback asked the solver to stop."""


@dataclass(frozen=True)
class SkuIn:
    sku_id: int
    picks_per_day: float
    volume_mm3: int = 0
    weight_g: int = 0
    units: int = 0  # on hand plus expected inbound
    owner_id: int = 0
    hazmat: str | None = None
    code: str = ""


@dataclass(frozen=True)
class SlotIn:
    location_id: int
    x_mm: int
    y_mm: int
    level: int = 1
    block: int = 1
    aisle: int = 1
    max_volume_mm3: int | None = None
    max_weight_g: int | None = None
    code: str = ""

    @property
    def zone(self) -> tuple[int, int]:
        return (self.block, self.aisle)


@dataclass(frozen=True)
class Rules:
    golden_levels: tuple[int, ...] = (2, 3)
    level_penalty_mm: int = 1500  # about 1.5 s of walking: bending to the floor, reaching up
    heavy_weight_g: int = 15_000
    heavy_max_level: int = 1
    segregated_owners: frozenset[int] = frozenset()
    # Exclusive group ("hazmat:<class>" or "owner:<id>") -> zones (block, aisle).
    group_zones: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)


@dataclass
class Problem:
    skus: Sequence[SkuIn]
    slots: Sequence[SlotIn]
    depot: Point
    layout: LayoutParams | None = None
    orders: Sequence[Sequence[int]] = ()  # training orders (SKU ids) for the affinity search
    eval_orders: Sequence[Sequence[int]] = ()  # orders whose tours give walk_per_order_m
    current: Mapping[int, Sequence[int]] = field(default_factory=dict)  # SKU -> slots holding its stock
    rules: Rules = field(default_factory=Rules)
    max_moves: int | None = None
    time_limit_s: float = 30.0
    seed: int = 0
    affinity: bool = True
    affinity_evaluations: int = 4_000  # deterministic budget; the time limit is a safety net
    # At most this many multi-line tours (orders or carts) score a SKU's
    # moves (every single-line one does): fewer is faster and noisier.
    affinity_orders_per_sku: int = 60
    # The affinity search may raise the travel-weighted objective this much
    # above the assignment's (and never above the current placement's).
    affinity_cost_slack: float = 0.01
    # The most recent share of the orders checks the search: its moves are
    # kept only if these orders' tours get shorter too.
    validation_share: float = 0.2
    full_arcs: int = 2_000_000
    window: int = 60
    # Picking in waves with carts of this many units (lines): the start and
    # the affinity search are scored on the training orders grouped first
    # come, first served into such carts. None: one order at a time.
    batch_units: int | None = None
    # Cost models the start is chosen from (see `slot_costs_mm`): each
    # weight of the horizontal walk gives an assignment; the one whose
    # training tours are shortest starts the affinity search.
    horizontal_weights: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    # Split the assignment by zone (groups of aisles of about this many
    # slots) when the instance is larger; None: only when the full flow
    # would exceed `full_arcs`.
    zone_slots: int | None = None
    # Re-slotting under `max_moves`: "lagrangian" (the move price, bisected),
    # "greedy" (the most walking saved per move first, on the training
    # tours) or "best" (whichever gives the shorter training tours).
    reslot_method: str = "best"
    # With carts: this many of the latest training orders, batched as
    # fulfillment plans waves, choose the start and the fallback.
    wave_sample: int = 200


@dataclass(frozen=True)
class Move:
    sku_id: int
    from_location_id: int
    to_location_id: int
    reason: dict


@dataclass
class Plan:
    homes: dict[int, tuple[int, ...]]  # SKU -> slots, the first is its pick face
    unplaced: dict[int, str]  # SKU -> why it fits nowhere
    cost_before: float
    cost_after: float
    lower_bound: float
    improvement_pct: float
    baselines: dict[str, float]  # travel-weighted objective of each baseline
    walk_per_order_m: dict[str, float | None]
    moves: list[Move]
    stats: dict
    # Every placement measured (before, after, the baselines): SKU -> slots.
    placements: dict[str, dict[int, tuple[int, ...]]] = field(default_factory=dict, repr=False)


# --- costs and faces -----------------------------------------------------------------------


def level_penalty_mm(level: int, rules: Rules) -> int:
    golden = rules.golden_levels or (1,)
    lo, hi = min(golden), max(golden)
    if level < lo:
        return (lo - level) * rules.level_penalty_mm
    if level > hi:
        return (level - hi) * rules.level_penalty_mm
    return 0


def slot_cost_parts_mm(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per slot: the walk from the depot split into its horizontal part
    (along the depot's cross aisle, |x - depot x|, which the picks of one
    tour share) and the rest (into the aisle), and the level penalty."""
    geo = Geometry.of(problem.layout)
    travel = np.array([travel_distance_mm(geo, problem.depot, (s.x_mm, s.y_mm)) for s in problem.slots],
                      dtype=np.int64)
    across = np.minimum(travel, np.array([abs(s.x_mm - problem.depot[0]) for s in problem.slots], dtype=np.int64))
    level = np.array([level_penalty_mm(s.level, problem.rules) for s in problem.slots], dtype=np.int64)
    return across, travel - across, level


def slot_costs_mm(problem: Problem, horizontal_weight: float = 1.0) -> np.ndarray:
    """Cost per pick of each slot: the round trip from the depot, its
    horizontal part weighted by `horizontal_weight` (1: the plain round
    trip), plus the level penalty."""
    across, depth, level = slot_cost_parts_mm(problem)
    if not len(across):
        return np.zeros(0, dtype=np.int64)
    return np.rint(2 * (horizontal_weight * across + depth)).astype(np.int64) + level


def travel_costs_mm(problem: Problem) -> np.ndarray:
    geo = Geometry.of(problem.layout)
    return np.array([2 * travel_distance_mm(geo, problem.depot, (s.x_mm, s.y_mm)) for s in problem.slots],
                    dtype=np.int64)


def _usual(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v]
    return Counter(known).most_common(1)[0][0] if known else None


def faces_needed(sku: SkuIn, bin_volume: int | None, bin_weight: int | None) -> int:
    """Slots a SKU needs for its units in bins of the usual size (at least one)."""
    per_bin = []
    if bin_volume and sku.volume_mm3:
        per_bin.append(bin_volume // sku.volume_mm3)
    if bin_weight and sku.weight_g:
        per_bin.append(bin_weight // sku.weight_g)
    fit = min(per_bin) if per_bin else 0
    if not per_bin or fit == 0 or not sku.units:
        return 1  # no known limit, or a unit too big for any bin (reported as unplaced)
    return max(1, math.ceil(sku.units / fit))


# --- the instance, prepared ------------------------------------------------------------------


class _Instance:
    def __init__(self, problem: Problem):
        self.p = problem
        self.skus = list(problem.skus)
        self.slots = list(problem.slots)
        self.n, self.m = len(self.skus), len(self.slots)
        self.cost = slot_costs_mm(problem)
        self.slot_index = {s.location_id: j for j, s in enumerate(self.slots)}
        self.sku_index = {s.sku_id: i for i, s in enumerate(self.skus)}
        bin_vol = _usual([s.max_volume_mm3 for s in self.slots])
        bin_wt = _usual([s.max_weight_g for s in self.slots])
        self.faces = np.array([faces_needed(s, bin_vol, bin_wt) for s in self.skus], dtype=np.int64)
        self.picks = np.array([max(0.0, s.picks_per_day) for s in self.skus])
        self.w = self.picks / self.faces  # picks per face per day
        self.w_int = np.rint(self.w * WEIGHT_SCALE).astype(np.int64)
        self.level = np.array([s.level for s in self.slots])
        self.vol = np.array([s.max_volume_mm3 or 0 for s in self.slots], dtype=np.int64)
        self.wt = np.array([s.max_weight_g or 0 for s in self.slots], dtype=np.int64)
        zones = sorted({s.zone for s in self.slots})
        self.zone_ids = {z: k for k, z in enumerate(zones)}
        self.zone = np.array([self.zone_ids[s.zone] for s in self.slots])
        self.current = {
            self.sku_index[k]: [self.slot_index[j] for j in v if j in self.slot_index]
            for k, v in problem.current.items() if k in self.sku_index
        }
        self.groups = [self._group(s) for s in self.skus]
        # Slots fall into a few capacity classes; masks are shared per class set.
        classes = sorted({(int(v), int(w)) for v, w in zip(self.vol, self.wt, strict=True)})
        self.capacity_classes = classes
        index = {c: k for k, c in enumerate(classes)}
        self.capacity_class = np.array([index[(int(v), int(w))] for v, w in zip(self.vol, self.wt, strict=True)],
                                       dtype=np.int64)
        self._capacity_masks: dict[tuple[bool, ...], np.ndarray] = {}

    def _group(self, sku: SkuIn) -> str | None:
        if sku.hazmat:
            return f"hazmat:{sku.hazmat}"
        if sku.owner_id in self.p.rules.segregated_owners:
            return f"owner:{sku.owner_id}"
        return None

    def per_face(self, i: int) -> int:
        return math.ceil(self.skus[i].units / self.faces[i]) if self.skus[i].units else 0

    def capacity_key(self, i: int) -> tuple[bool, ...]:
        """Which slot capacity classes a face of the SKU fits."""
        sku, q = self.skus[i], self.per_face(i)
        return tuple((not sku.volume_mm3 or not q or not vol or vol >= q * sku.volume_mm3)
                     and (not sku.weight_g or not q or not wt or wt >= q * sku.weight_g)
                     for vol, wt in self.capacity_classes)

    def capacity_mask(self, i: int) -> np.ndarray:
        key = self.capacity_key(i)
        if key not in self._capacity_masks:
            self._capacity_masks[key] = np.array(key, dtype=bool)[self.capacity_class] if self.m else \
                np.zeros(0, dtype=bool)
        return self._capacity_masks[key]

    def heavy(self, i: int) -> bool:
        return self.skus[i].weight_g >= self.p.rules.heavy_weight_g

    def sorted_relaxation(self, only: set[int] | None = None) -> tuple[float, np.ndarray]:
        """The optimum without side constraints: faces by picks per face
        (descending) into slots by cost (ascending). Returns (cost in
        metres per day, the slot rank where each SKU's faces start); `only`
        restricts it to some SKUs."""
        order = sorted((i for i in range(self.n) if only is None or i in only),
                       key=lambda i: (-self.w[i], self.skus[i].sku_id))
        costs = np.sort(self.cost)
        start = np.zeros(self.n, dtype=np.int64)
        total, pos = 0.0, 0
        for i in order:
            start[i] = pos
            k = int(self.faces[i])
            take = costs[pos:pos + k]
            total += float(self.w[i]) * float(take.sum())
            pos += k
        return total / 1000, start


# --- exclusive zones -----------------------------------------------------------------------------


def _assign_group_zones(inst: _Instance, starts: np.ndarray) -> dict[str, set[int]]:
    """Zones of each exclusive group: the configured ones, else the zone
    where most of the group's faces land in the unconstrained optimum (then
    the next cheapest free zones until the group's faces fit)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(inst.groups):
        if g:
            groups[g].append(i)
    result: dict[str, set[int]] = {}
    taken: set[int] = set()
    for g, zones in inst.p.rules.group_zones.items():
        ids = {inst.zone_ids[tuple(z)] for z in zones if tuple(z) in inst.zone_ids}
        result[g] = ids
        taken |= ids
    slot_by_rank = np.argsort(inst.cost, kind="stable")
    zone_size = Counter(inst.zone.tolist())
    zone_cost = {z: float(inst.cost[inst.zone == z].mean()) for z in zone_size}
    density = {g: -sum(inst.picks[i] for i in ids) / max(1, sum(int(inst.faces[i]) for i in ids))
               for g, ids in groups.items()}
    for g in sorted(groups, key=lambda g: (density[g], g)):
        if g in result:
            continue
        ids = groups[g]
        need = sum(int(inst.faces[i]) for i in ids)
        votes: Counter = Counter()
        for i in ids:
            for r in range(int(starts[i]), min(inst.m, int(starts[i] + inst.faces[i]))):
                votes[int(inst.zone[slot_by_rank[r]])] += 1
        mine: set[int] = set()
        room = 0
        while room < need:
            free = [z for z in zone_size if z not in taken]
            if not free:
                break
            if votes and any(z in free for z in votes):
                z = max((z for z in votes if z in free), key=lambda z: (votes[z], -z))
                del votes[z]
            else:
                z = min(free, key=lambda z: (zone_cost[z], z))
            mine.add(z)
            taken.add(z)
            room += zone_size[z]
        result[g] = mine
    return result


def _eligibility(inst: _Instance, group_zones: dict[str, set[int]]) -> list[np.ndarray]:
    exclusive = np.zeros(inst.m, dtype=bool)
    for zones in group_zones.values():
        for z in zones:
            exclusive |= inst.zone == z
    low = inst.level <= inst.p.rules.heavy_max_level
    masks: list[np.ndarray] = []
    shared: dict[tuple, np.ndarray] = {}  # one array per distinct (capacity, group, heavy)
    for i in range(inst.n):
        key = (inst.capacity_key(i), inst.groups[i], inst.heavy(i))
        if key not in shared:
            ok = inst.capacity_mask(i).copy()
            g = inst.groups[i]
            if g:
                mine = np.zeros(inst.m, dtype=bool)
                for z in group_zones.get(g, ()):
                    mine |= inst.zone == z
                ok &= mine
            else:
                ok &= ~exclusive
            if inst.heavy(i):
                ok &= low
            shared[key] = ok
        masks.append(shared[key])
    return masks


def _why_unplaced(inst: _Instance, i: int, mask: np.ndarray, group_zones: dict[str, set[int]]) -> str:
    sku = inst.skus[i]
    if not inst.capacity_mask(i).any():
        return (f"{inst.per_face(i)} units per bin ({sku.units} units over {int(inst.faces[i])} bins) "
                f"exceed every location's volume or weight capacity")
    if inst.groups[i] and not group_zones.get(inst.groups[i]):
        return f"no zone is left for its exclusive group {inst.groups[i]}"
    if inst.heavy(i) and not (inst.capacity_mask(i) & (inst.level <= inst.p.rules.heavy_max_level)).any():
        return f"heavy ({sku.weight_g} g a unit) and no location on level <= {inst.p.rules.heavy_max_level} fits it"
    if not mask.any():
        return "no location satisfies its constraints (capacity, level, zone)"
    return f"needs {int(inst.faces[i])} locations; the eligible ones are taken by SKUs with more picks per bin"


# --- the min-cost flow ---------------------------------------------------------------------


def _candidates(inst: _Instance, masks: list[np.ndarray], starts: np.ndarray, full: bool) -> list[np.ndarray]:
    if full:
        return [np.flatnonzero(mk) for mk in masks]
    by_rank = np.argsort(inst.cost, kind="stable")
    rank = np.empty(inst.m, dtype=np.int64)
    rank[by_rank] = np.arange(inst.m)
    out = []
    eligible_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for i, mk in enumerate(masks):
        if id(mk) not in eligible_of:
            eligible = by_rank[mk[by_rank]]  # eligible slots by cost rank
            eligible_of[id(mk)] = (eligible, rank[eligible])
        eligible, eligible_rank = eligible_of[id(mk)]
        if len(eligible) == 0:
            out.append(eligible)
            continue
        pos = int(np.searchsorted(eligible_rank, starts[i]))
        lo = max(0, pos - inst.p.window)
        hi = min(len(eligible), pos + int(inst.faces[i]) + inst.p.window)
        chosen = set(eligible[lo:hi].tolist())
        chosen.update(j for j in inst.current.get(i, ()) if mk[j])
        out.append(np.array(sorted(chosen), dtype=np.int64))
    return out


class _Flow:
    """SKU nodes 0..n-1, slot nodes n..n+m-1, an 'unplaced' node and the sink."""

    def __init__(self, inst: _Instance, cands: list[np.ndarray]):
        self.inst = inst
        n, m = inst.n, inst.m
        self.unplaced, self.sink = n + m, n + m + 1
        tails = [np.full(len(c), i, dtype=np.int64) for i, c in enumerate(cands)]
        self.tails = np.concatenate(tails) if tails else np.zeros(0, dtype=np.int64)
        self.slots = np.concatenate(cands) if cands else np.zeros(0, dtype=np.int64)
        self.base = inst.w_int[self.tails] * inst.cost[self.slots]
        has_stock = np.zeros(n, dtype=bool)
        keys = []
        for i, js in inst.current.items():
            has_stock[i] = bool(js)
            keys += [i * m + j for j in js]
        current = np.isin(self.tails * m + self.slots, np.array(keys, dtype=np.int64))
        self.off_current = has_stock[self.tails] & ~current
        self.big = int(max(1, self.base.max() if len(self.base) else 1)) * 4 + 1

    def solve(self, move_price: int = 0, active: np.ndarray | None = None) -> tuple[dict[int, list[int]], list[int]]:
        """The min-cost flow; `active` (a boolean per SKU) limits it to some
        SKUs (the others are neither placed nor reported)."""
        inst = self.inst
        n, m = inst.n, inst.m
        faces = inst.faces if active is None else np.where(active, inst.faces, 0)
        f = min_cost_flow.SimpleMinCostFlow()
        costs = self.base + (move_price * self.off_current.astype(np.int64) if move_price else 0)
        # Leaving a face unplaced costs more than placing it anywhere, and
        # more for busier SKUs, so the slowest movers are the ones left out.
        top = int(inst.cost.max()) if m else 1
        unplaced_cost = inst.w_int * (2 * top + 2 * move_price + 1) + max(self.big, 4 * move_price + 1)
        arcs = f.add_arcs_with_capacity_and_unit_cost(self.tails, self.slots + n, np.ones(len(self.tails), np.int64),
                                                      costs.astype(np.int64))
        total = int(faces.sum())
        f.add_arcs_with_capacity_and_unit_cost(np.arange(n), np.full(n, self.unplaced), faces,
                                               unplaced_cost.astype(np.int64))
        f.add_arcs_with_capacity_and_unit_cost(np.arange(n, n + m), np.full(m, self.sink), np.ones(m, np.int64),
                                               np.zeros(m, np.int64))
        f.add_arc_with_capacity_and_unit_cost(self.unplaced, self.sink, total, 0)
        supplies = np.zeros(n + m + 2, dtype=np.int64)
        supplies[:n] = faces
        supplies[self.sink] = -total
        f.set_nodes_supplies(np.arange(n + m + 2), supplies)
        status = f.solve()
        if status != f.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        used = f.flows(arcs) > 0
        homes: dict[int, list[int]] = defaultdict(list)
        for i, j in zip(self.tails[used].tolist(), self.slots[used].tolist(), strict=True):
            homes[i].append(j)
        unplaced = [i for i in range(n) if len(homes.get(i, ())) < faces[i]]
        return homes, unplaced


def _zone_parts(inst: _Instance, zone_slots: int) -> np.ndarray:
    """Each slot's part: zones (block, aisle) in layout order, grouped into
    consecutive runs of about `zone_slots` slots."""
    sizes = Counter(inst.zone.tolist())
    part_of_zone: dict[int, int] = {}
    part, filled = 0, 0
    for z in sorted(sizes):
        if filled and filled + sizes[z] > zone_slots:
            part, filled = part + 1, 0
        part_of_zone[z] = part
        filled += sizes[z]
    return np.array([part_of_zone[int(z)] for z in inst.zone], dtype=np.int64)


def _assign_by_zone(inst: _Instance, masks: list[np.ndarray], zone_slots: int) -> tuple[dict[int, list[int]],
                                                                                     list[int], dict]:
    """The assignment split by zone: each SKU goes to the part holding the
    eligible slot nearest its rank in the unconstrained optimum; each part
    is an exact min-cost flow over its own slots; what a part cannot hold
    is placed by a last flow over the slots left free."""
    slot_part = _zone_parts(inst, zone_slots)
    parts = int(slot_part.max()) + 1 if inst.m else 0
    # Greedy: by picks per face, each SKU takes the cheapest free eligible
    # slot; the part of that slot is the SKU's part (so every part can hold
    # its SKUs, and its flow can only improve on the greedy placement).
    by_rank = np.argsort(inst.cost, kind="stable")
    eligible_of: dict[int, np.ndarray] = {}
    pointer: dict[int, int] = {}
    taken = np.zeros(inst.m, dtype=bool)
    sku_part = np.full(inst.n, -1, dtype=np.int64)
    for i in sorted(range(inst.n), key=lambda i: (-inst.w[i], inst.skus[i].sku_id)):
        key = id(masks[i])
        if key not in eligible_of:
            eligible_of[key] = by_rank[masks[i][by_rank]]
            pointer[key] = 0
        eligible, need = eligible_of[key], int(inst.faces[i])
        pos, got = pointer[key], []
        while pos < len(eligible) and taken[eligible[pos]]:
            pos += 1
        pointer[key] = pos
        while pos < len(eligible) and len(got) < need:
            if not taken[eligible[pos]]:
                got.append(int(eligible[pos]))
            pos += 1
        if len(got) == need:
            taken[got] = True
            sku_part[i] = slot_part[got[0]]
    homes: dict[int, list[int]] = {}
    used = np.zeros(inst.m, dtype=bool)
    biggest = 0
    for part in range(parts):
        members = sku_part == part
        if not members.any():
            continue
        inside = slot_part == part
        cands = [np.flatnonzero(masks[i] & inside) if members[i] else np.zeros(0, dtype=np.int64)
                 for i in range(inst.n)]
        biggest = max(biggest, sum(len(c) for c in cands))
        h, _ = _Flow(inst, cands).solve(active=members)
        for i, js in h.items():
            homes[i] = js
            used[js] = True
    left = np.array([len(homes.get(i, ())) < inst.faces[i] for i in range(inst.n)])
    repaired = int(left.sum())
    if repaired:
        for i in np.flatnonzero(left).tolist():
            if i in homes:
                used[homes.pop(i)] = False
        cands = [np.flatnonzero(masks[i] & ~used) if left[i] else np.zeros(0, dtype=np.int64)
                 for i in range(inst.n)]
        h, _ = _Flow(inst, cands).solve(active=left)
        homes.update(h)
    unplaced = [i for i in range(inst.n) if len(homes.get(i, ())) < inst.faces[i]]
    return homes, unplaced, {"zone_parts": parts, "zone_arcs_max": biggest, "zone_repaired": repaired}


# --- placements, costs, walking ------------------------------------------------------------------


def _order_faces(inst: _Instance, homes: Mapping[int, Sequence[int]]) -> dict[int, tuple[int, ...]]:
    """Each SKU's slots, cheapest (its pick face) first."""
    return {i: tuple(sorted(js, key=lambda j: (inst.cost[j], j))) for i, js in homes.items() if js}


def placement_cost(inst: _Instance, homes: Mapping[int, Sequence[int]], costs: np.ndarray | None = None) -> float:
    """Travel-weighted objective in metres per day: picks spread evenly over a SKU's slots."""
    c = inst.cost if costs is None else costs
    total = 0.0
    for i, js in homes.items():
        if js:
            total += float(inst.picks[i]) / len(js) * float(sum(int(c[j]) for j in js))
    return total / 1000


def _points(inst: _Instance, homes: Mapping[int, Sequence[int]], order: Sequence[int]) -> list[Point]:
    pts = []
    for sku_id in order:
        i = inst.sku_index.get(sku_id)
        if i is not None and homes.get(i):
            s = inst.slots[homes[i][0]]
            pts.append((s.x_mm, s.y_mm))
    return pts


def optimal_tour_mm(layout: LayoutParams | None, depot: Point, points: Sequence[Point], seed: int = 0) -> int:
    distinct = list(dict.fromkeys(points))
    if not distinct:
        return 0
    route = optimal_route(layout, depot, distinct, time_limit_s=2.0, seed=seed, exact=len(distinct) <= 12,
                          solution_limit=100)
    return int(route.distance_mm)


def walk_per_order_m(inst: _Instance, homes: Mapping[int, Sequence[int]], orders: Sequence[Sequence[int]],
                     seed: int = 0) -> float | None:
    if not orders:
        return None
    lengths = [optimal_tour_mm(inst.p.layout, inst.p.depot, _points(inst, homes, o), seed) for o in orders]
    return sum(lengths) / len(lengths) / 1000


class _TourScorer:
    """Fast tour lengths for the affinity search: exact (Ratliff-Rosenthal)
    in a single block, nearest neighbour + 2-opt on exact distances otherwise."""

    def __init__(self, layout: LayoutParams | None, depot: Point):
        self.layout, self.depot = layout, tuple(depot)
        self.geo = Geometry.of(layout)
        self.single = layout is not None and layout.blocks == 1

    def __call__(self, points: Sequence[Point]) -> int:
        pts = list(dict.fromkeys(points))
        if not pts:
            return 0
        if len(pts) == 1:
            return 2 * travel_distance_mm(self.geo, self.depot, pts[0])
        if self.single:
            try:
                return ratliff_rosenthal_length(self.layout, self.depot, pts)
            except ValueError:
                pass
        return self._nn_2opt(pts)

    def _nn_2opt(self, pts: list[Point]) -> int:
        nodes = [self.depot, *pts]
        d = [[travel_distance_mm(self.geo, a, b) for b in nodes] for a in nodes]
        tour, left = [0], set(range(1, len(nodes)))
        while left:
            last = tour[-1]
            nxt = min(left, key=lambda k: (d[last][k], k))
            tour.append(nxt)
            left.remove(nxt)
        tour.append(0)
        improved = True
        while improved:
            improved = False
            for a in range(1, len(tour) - 2):
                for b in range(a + 1, len(tour) - 1):
                    delta = (d[tour[a - 1]][tour[b]] + d[tour[a]][tour[b + 1]]
                             - d[tour[a - 1]][tour[a]] - d[tour[b]][tour[b + 1]])
                    if delta < 0:
                        tour[a:b + 1] = reversed(tour[a:b + 1])
                        improved = True
        return sum(d[x][y] for x, y in itertools.pairwise(tour))


# --- baselines -----------------------------------------------------------------------------


def _fill(inst: _Instance, sku_order: Sequence[int], slot_order: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """SKUs in order take the next slots in order that fit them (capacity only)."""
    homes: dict[int, list[int]] = {}
    skipped: list[int] = []  # slots passed over because a SKU did not fit them
    pos = 0
    for i in sku_order:
        cap = inst.capacity_mask(i)
        k = int(inst.faces[i])
        if not cap.any():
            continue
        got = [j for j in skipped if cap[j]][:k]
        if got:
            taken = set(got)
            skipped = [j for j in skipped if j not in taken]
        while len(got) < k and pos < len(slot_order):
            j = slot_order[pos]
            pos += 1
            (got if cap[j] else skipped).append(j)
        homes[i] = got
    return _order_faces(inst, homes)


def _coi_order(inst: _Instance) -> list[int]:
    """Cube per order index ascending: the space a SKU needs (its bins) per pick."""
    def coi(i: int) -> float:
        return int(inst.faces[i]) / inst.picks[i] if inst.picks[i] > 0 else math.inf
    return sorted(range(inst.n), key=lambda i: (coi(i), inst.skus[i].sku_id))


def baseline_random(inst: _Instance, rng: random.Random) -> dict[int, tuple[int, ...]]:
    slots = list(range(inst.m))
    rng.shuffle(slots)
    skus = list(range(inst.n))
    rng.shuffle(skus)
    return _fill(inst, skus, slots)


def baseline_abc(inst: _Instance, rng: random.Random, shares: Sequence[float] = (0.50, 0.35, 0.15)):
    by_picks = sorted(range(inst.n), key=lambda i: (-inst.picks[i], inst.skus[i].sku_id))
    total = float(inst.picks.sum()) or 1.0
    classes: list[list[int]] = [[] for _ in shares]
    cum, bounds = 0.0, list(itertools.accumulate(shares))
    for i in by_picks:
        k = next((c for c, b in enumerate(bounds) if cum < b * total - 1e-9), len(shares) - 1)
        classes[k].append(i)
        cum += inst.picks[i]
    travel = travel_costs_mm(inst.p)
    slots = sorted(range(inst.m), key=lambda j: (travel[j], j))
    sku_order, slot_order, pos = [], [], 0
    for members in classes:
        size = sum(int(inst.faces[i]) for i in members)
        zone = slots[pos:pos + size]
        pos += size
        rng.shuffle(zone)
        members = list(members)
        rng.shuffle(members)
        sku_order += members
        slot_order += zone
    slot_order += slots[pos:]
    return _fill(inst, sku_order, slot_order)


def baseline_coi(inst: _Instance) -> dict[int, tuple[int, ...]]:
    travel = travel_costs_mm(inst.p)
    return _fill(inst, _coi_order(inst), sorted(range(inst.m), key=lambda j: (travel[j], j)))


def baseline_within_aisle(inst: _Instance) -> dict[int, tuple[int, ...]]:
    """Fast movers in the aisles nearest the depot, each aisle filled from
    its front (the depot's cross aisle) to its back."""
    dx = inst.p.depot[0]
    slots = sorted(range(inst.m), key=lambda j: (abs(inst.slots[j].x_mm - dx), inst.slots[j].x_mm,
                                                 inst.slots[j].y_mm, level_penalty_mm(inst.slots[j].level,
                                                                                      inst.p.rules), j))
    return _fill(inst, _coi_order(inst), slots)


# --- moves -------------------------------------------------------------------------------


def _moves(inst: _Instance, homes: Mapping[int, Sequence[int]]) -> list[tuple[int, int, int]]:
    """(SKU index, from slot, to slot) for each bin of stock to relocate:
    a SKU's current slots outside its new home are emptied into the new slots."""
    out = []
    for i, now in sorted(inst.current.items()):
        if not now or i not in homes:
            continue
        target = list(homes[i])
        sources = [j for j in now if j not in target]
        dests = [j for j in target if j not in now] or target[:1]
        if not sources:
            continue
        for k, j in enumerate(sorted(sources, key=lambda j: (-inst.cost[j], j))):
            out.append((i, j, dests[k % len(dests)]))
    return out


# --- affinity ------------------------------------------------------------------------------


def _affinity(inst: _Instance, homes: dict[int, tuple[int, ...]], masks: list[np.ndarray], deadline: float,
              budget: int, max_moves: int | None, cost_cap: float,
              progress: Callable[[float, str], None], orders: Sequence[Sequence[int]],
              units: Sequence[Sequence[int]], validation: Sequence[Sequence[int]], score: _TourScorer,
              orders_per_sku: int = 60) -> dict:
    """Local search: move a SKU into the aisle of the SKU it is most often
    bought with (pairs counted on the training `orders`), keep the move
    when the tours of the training `units` (orders, or carts of orders)
    get shorter; keep the whole search only if the `validation` units'
    tours get shorter too."""
    train, orders = orders, list(units)
    if not orders:
        return {"affinity_moves": 0, "affinity_evaluations": 0}
    start = {i: list(js) for i, js in homes.items()}

    def validation_mm(placement: Mapping[int, Sequence[int]]) -> int:
        return _units_effort_mm(inst, placement, validation, score)
    of_sku: dict[int, list[int]] = defaultdict(list)
    pairs: Counter = Counter()
    multi: Counter = Counter()
    for k, o in enumerate(orders):
        for i in o:
            # Every single-line unit (its tour is a cheap round trip), and
            # at most `orders_per_sku` multi-line ones score a SKU's moves.
            if len(o) == 1 or multi[i] < orders_per_sku:
                of_sku[i].append(k)
                multi[i] += len(o) > 1
    for o in train:
        if 1 < len(o) <= 30:
            for a, b in itertools.combinations(sorted(o), 2):
                pairs[(a, b)] += 1
    partners: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), c in pairs.items():
        if c >= 2:
            partners[a].append((c, b))
            partners[b].append((c, a))
    home = {i: list(js) for i, js in homes.items()}
    owner = {j: i for i, js in home.items() for j in js}

    def point(i: int) -> Point:
        s = inst.slots[home[i][0]]
        return (s.x_mm, s.y_mm)

    def tour(k: int) -> int:
        return score([point(i) for i in orders[k] if home.get(i)])

    def face_cost(i: int, j: int) -> float:
        return float(inst.picks[i]) * int(inst.cost[j]) / 1000

    def moves_of(i: int, js: Sequence[int]) -> int:
        now = inst.current.get(i, ())
        return sum(1 for j in now if j not in js) if now else 0

    lengths = {k: tour(k) for k in range(len(orders))}
    cost_now = placement_cost(inst, home)
    moves_now = len(_moves(inst, home))
    evaluations = accepted = 0
    zone_slots: dict[int, list[int]] = defaultdict(list)
    for j in np.argsort(inst.cost, kind="stable").tolist():
        zone_slots[int(inst.zone[j])].append(j)
    movers = [i for i in sorted(partners, key=lambda i: (-inst.picks[i], i))
              if int(inst.faces[i]) == 1 and home.get(i)]
    for _pass in range(3):
        improved = False
        for n_done, b in enumerate(movers):
            if evaluations >= budget or time.monotonic() > deadline:
                break
            if n_done % 50 == 0:
                progress(0.5 + 0.4 * min(1.0, evaluations / max(1, budget)), "affinity")
            for _c, a in sorted(partners[b], reverse=True)[:3]:
                jb = home[b][0]
                if not home.get(a) or inst.zone[home[a][0]] == inst.zone[jb]:
                    continue
                # Slots in a's zone whose cost is nearest to b's own.
                cands = sorted(zone_slots[int(inst.zone[home[a][0]])],
                               key=lambda j: (abs(int(inst.cost[j]) - int(inst.cost[jb])), j))[:3]
                done = False
                for j in cands:
                    u = owner.get(j)
                    if not masks[b][j] or u in (a, b):
                        continue
                    if u is not None and (int(inst.faces[u]) != 1 or not masks[u][jb]):
                        continue
                    evaluations += 1
                    touched = set(of_sku[b]) | (set(of_sku[u]) if u is not None else set())
                    before = sum(lengths[k] for k in touched)
                    cost_try = cost_now + face_cost(b, j) - face_cost(b, jb)
                    moves_try = moves_now + moves_of(b, [j]) - moves_of(b, [jb])
                    if u is not None:
                        cost_try += face_cost(u, jb) - face_cost(u, j)
                        moves_try += moves_of(u, [jb]) - moves_of(u, [j])
                    if cost_try > cost_cap or (max_moves is not None and moves_try > max_moves):
                        continue
                    home[b] = [j]
                    if u is not None:
                        home[u] = [jb]
                    after = {k: tour(k) for k in touched}
                    if sum(after.values()) < before:
                        lengths.update(after)
                        cost_now, moves_now = cost_try, moves_try
                        owner[j] = b
                        if u is not None:
                            owner[jb] = u
                        else:
                            owner.pop(jb, None)
                        accepted += 1
                        improved = done = True
                        break
                    home[b] = [jb]
                    if u is not None:
                        home[u] = [j]
                if done:
                    break
        if not improved:
            break
    kept = True
    if validation and accepted:
        before_mm, after_mm = validation_mm(start), validation_mm(home)
        kept = after_mm < before_mm
    if kept:
        homes.clear()
        homes.update(_order_faces(inst, home))
    return {"affinity_moves": accepted if kept else 0, "affinity_evaluations": evaluations,
            "affinity_kept": kept, "affinity_validation_orders": len(validation)}


# --- tour units and the start ----------------------------------------------------------------


def _tour_units(orders: Sequence[Sequence[int]], batch_units: int | None) -> list[list[int]]:
    """What one picker walks at a time: each order, or consecutive orders
    grouped first come, first served into carts of `batch_units` lines."""
    if not batch_units:
        return [list(o) for o in orders]
    out: list[list[int]] = []
    cart: list[int] = []
    for o in orders:
        if cart and len(cart) + len(o) > batch_units:
            out.append(list(dict.fromkeys(cart)))
            cart = []
        cart += o
    if cart:
        out.append(list(dict.fromkeys(cart)))
    return out


def _units_effort_mm(inst: _Instance, homes: Mapping[int, Sequence[int]], units: Sequence[Sequence[int]],
                     score: _TourScorer) -> int:
    """Tours of the units on a placement (each SKU at its pick face), plus
    each pick's level penalty."""
    total = 0
    for u in units:
        pts = []
        for i in u:
            js = homes.get(i)
            if js:
                s = inst.slots[js[0]]
                pts.append((s.x_mm, s.y_mm))
                total += level_penalty_mm(s.level, inst.p.rules)
        total += score(pts)
    return total


def _waves_effort_mm(inst: _Instance, homes: Mapping[int, Sequence[int]], orders: Sequence[Sequence[int]],
                     batch_units: int, seed: int) -> int:
    """The orders picked in fulfillment's own waves (`plan_batches`, carts of
    `batch_units` lines): the waves' optimal tours plus each pick's level
    penalty."""
    specs, levels = [], 0
    for k, o in enumerate(orders):
        pts = []
        for i in o:
            if homes.get(i):
                s = inst.slots[homes[i][0]]
                pts.append((s.x_mm, s.y_mm))
                levels += level_penalty_mm(s.level, inst.p.rules)
        if pts:
            specs.append(OrderSpec(id=k, picks=tuple(pts), units=min(len(pts), batch_units)))
    if not specs:
        return levels
    plan = plan_batches(specs, params=inst.p.layout, depot=inst.p.depot, capacity_units=batch_units,
                        time_limit_s=10, seed=seed, polish=False)
    return int(plan.distance_mm) + levels


def _sorted_assignment(inst: _Instance, masks: list[np.ndarray]) -> dict[int, list[int]] | None:
    """Faces by picks per face into slots by cost: optimal when it breaks no
    constraint (its cost is then the lower bound); None when it does."""
    if int(inst.faces.sum()) > inst.m:
        return None
    order = sorted(range(inst.n), key=lambda i: (-inst.w[i], inst.skus[i].sku_id))
    slots = np.argsort(inst.cost, kind="stable").tolist()
    homes: dict[int, list[int]] = {}
    pos = 0
    for i in order:
        k = int(inst.faces[i])
        js = slots[pos:pos + k]
        pos += k
        if not all(masks[i][j] for j in js):
            return None
        homes[i] = js
    return homes


def _feasible(inst: _Instance, masks: list[np.ndarray], homes: Mapping[int, Sequence[int]]) -> bool:
    return all(len(homes.get(i, ())) == int(inst.faces[i]) and all(masks[i][j] for j in homes[i])
               for i in range(inst.n))


# --- re-slotting by walking saved per move ------------------------------------------------------


def _greedy_moves(inst: _Instance, target: Mapping[int, Sequence[int]], masks: list[np.ndarray],
                  max_moves: int, units: Sequence[Sequence[int]], score: _TourScorer,
                  orders_per_sku: int = 60) -> dict[int, list[int]]:
    """From the current placement, move SKUs to their slots in `target` one
    SKU at a time, the most walking saved per move first: the saving is the
    change in the tours (plus level penalties) of the training units that
    hold the SKU, re-measured before a move is taken (lazy greedy), and a
    move only goes into slots left free. SKUs without stock take their
    target slots when free, else the cheapest free slots they may use."""
    import heapq

    home: dict[int, list[int]] = {i: list(js) for i, js in inst.current.items() if js}
    owner = {j: i for i, js in home.items() for j in js}
    of_sku: dict[int, list[int]] = defaultdict(list)
    multi: Counter = Counter()
    for k, u in enumerate(units):
        for i in u:
            if len(u) == 1 or multi[i] < orders_per_sku:
                of_sku[i].append(k)
                multi[i] += len(u) > 1

    def plan_for(i: int) -> list[int] | None:
        """The SKU's slots after its move; None when a target slot is taken."""
        now, want = home[i], list(target[i])
        keep = [j for j in now if j in want]
        dests = [j for j in want if j not in now][:len(now) - len(keep)]
        if any(owner.get(j) is not None for j in dests):
            return None
        return keep + dests

    def value(i: int, new: list[int]) -> float:
        moves = sum(1 for j in home[i] if j not in new)
        if not moves:
            return -math.inf
        touched = [units[k] for k in of_sku.get(i, ())]
        old = home[i]
        before = _units_effort_mm(inst, home, touched, score)
        home[i] = _order_faces(inst, {i: new})[i]
        after = _units_effort_mm(inst, home, touched, score)
        home[i] = old
        return (before - after) / moves

    waiting: dict[int, list[int]] = defaultdict(list)  # slot -> SKUs whose move needs it free
    heap: list[tuple[float, int]] = []

    def offer(i: int) -> None:
        new = plan_for(i)
        if new is None:
            blocked = [j for j in target[i] if j not in home[i] and owner.get(j) is not None]
            waiting[blocked[0]].append(i)
            return
        v = value(i, new)
        if v > 0:
            heapq.heappush(heap, (-v, i))

    for i in sorted(home):
        if i in target and set(target[i]) != set(home[i]):
            offer(i)
    used = 0
    while heap and used < max_moves:
        neg, i = heapq.heappop(heap)
        new = plan_for(i)
        if new is None:
            offer(i)
            continue
        v = value(i, new)
        if heap and v < -heap[0][0] - 1e-9:
            if v > 0:
                heapq.heappush(heap, (-v, i))
            continue
        if v <= 0:
            continue
        moves = sum(1 for j in home[i] if j not in new)
        if used + moves > max_moves:
            continue
        freed = [j for j in home[i] if j not in new]
        for j in freed:
            owner.pop(j, None)
        for j in new:
            owner[j] = i
        home[i] = new
        used += moves
        for j in freed:
            for w in waiting.pop(j, []):
                offer(w)
    # SKUs short of slots (no stock yet, or more bins than they hold now):
    # their target slots when free, else the cheapest free ones they may use.
    free_by_cost = [j for j in np.argsort(inst.cost, kind="stable").tolist() if j not in owner]
    for i in sorted(target, key=lambda i: (-inst.w[i], i)):
        have = home.get(i, [])
        need = len(target[i]) - len(have)
        if need <= 0:
            continue
        extra = [j for j in target[i] if j not in owner][:need]
        for j in free_by_cost:
            if len(extra) >= need:
                break
            if j not in owner and j not in extra and masks[i][j]:
                extra.append(j)
        home[i] = have + extra
        for j in extra:
            owner[j] = i
    return home


# --- the solver ---------------------------------------------------------------------------


def solve(problem: Problem, progress: Callable[[float, str], bool | None] | None = None) -> Plan:
    """Plan where every SKU should live. `progress(fraction, stage)` is
    called along the way; returning False cancels (raises Cancelled)."""
    started = time.monotonic()
    deadline = started + problem.time_limit_s

    def report(fraction: float, stage: str) -> None:
        if progress is not None and progress(fraction, stage) is False:
            raise Cancelled(stage)

    report(0.0, "model")
    inst = _Instance(problem)
    _, starts = inst.sorted_relaxation()
    group_zones = _assign_group_zones(inst, starts)
    masks = _eligibility(inst, group_zones)
    full = int(sum(int(mk.sum()) for mk in masks)) <= problem.full_arcs
    orders = [list(dict.fromkeys(inst.sku_index[s] for s in o if s in inst.sku_index)) for o in problem.orders]
    orders = [o for o in orders if o]
    held_out = int(len(orders) * problem.validation_share)
    train_orders, val_orders = orders[:len(orders) - held_out], orders[len(orders) - held_out:]
    train_units = _tour_units(train_orders, problem.batch_units)
    val_units = _tour_units(val_orders, problem.batch_units)
    scorer = _TourScorer(problem.layout, problem.depot)
    flow_seconds = 0.0
    zone_info: dict = {}

    def assign() -> tuple[dict[int, list[int]], list[int], _Flow | None, str]:
        """The min-cost assignment under inst.cost."""
        nonlocal flow_seconds
        t0 = time.monotonic()
        sorted_homes = _sorted_assignment(inst, masks)
        if sorted_homes is not None:
            flow_seconds += time.monotonic() - t0
            return sorted_homes, [], None, "sorted"
        if problem.zone_slots and inst.m > problem.zone_slots:
            h, u, info = _assign_by_zone(inst, masks, problem.zone_slots)
            zone_info.update(info)
            flow_seconds += time.monotonic() - t0
            return h, u, None, "zones"
        _, st = inst.sorted_relaxation()
        flow = _Flow(inst, _candidates(inst, masks, st, full))
        h, u = flow.solve()
        flow_seconds += time.monotonic() - t0
        return h, u, flow, "flow"

    # The start: the assignment under each cost model (and, without a move
    # budget, the COI and within-aisle placements when they break no
    # constraint), scored on the training tours.
    report(0.05, "assignment")
    weights = tuple(problem.horizontal_weights) if train_units and problem.horizontal_weights else (1.0,)
    costs = {wt: slot_costs_mm(problem, wt) for wt in weights}
    plain = inst.cost  # the travel-weighted objective (horizontal weight 1) every figure is in
    candidates: list[dict] = []
    for k, wt in enumerate(weights):
        inst.cost = costs[wt]
        h, u, flow, method = assign()
        candidates.append({"name": f"assignment h={wt:g}", "weight": wt, "homes": h, "unplaced": u, "flow": flow,
                           "method": method})
        report(0.05 + 0.25 * (k + 1) / len(weights), "assignment")
        if time.monotonic() > deadline:
            break
    waves = problem.batch_units and problem.layout is not None and problem.wave_sample and train_orders
    wave_orders = train_orders[-problem.wave_sample:] if waves else []

    def effort(h: Mapping[int, Sequence[int]]) -> int:
        """Training tours: single orders; with carts, the sample of orders
        batched into waves as fulfillment plans them."""
        if waves:
            return _waves_effort_mm(inst, h, wave_orders, problem.batch_units, problem.seed)
        return _units_effort_mm(inst, h, train_units, scorer)
    if len(candidates) > 1 or train_units:
        for c in candidates:
            c["effort"] = effort(c["homes"])
        if problem.max_moves is None:
            best_weight = min(candidates, key=lambda c: (len(c["unplaced"]), c["effort"]))["weight"]
            for name, make in (("coi", baseline_coi), ("within_aisle", baseline_within_aisle)):
                h = make(inst)
                if _feasible(inst, masks, h):
                    candidates.append({"name": name, "weight": best_weight, "homes": h, "unplaced": [],
                                       "flow": None, "method": "baseline",
                                       "effort": effort(h)})
    chosen = min(candidates, key=lambda c: (len(c["unplaced"]), c.get("effort", 0)))
    inst.cost = plain
    optimal = next((c for c in candidates if c["weight"] == 1.0 and c["method"] != "baseline"), None)
    if optimal is None:
        h, u, f, method = assign()
        optimal = {"name": "assignment h=1", "weight": 1.0, "homes": h, "unplaced": u, "flow": f,
                   "method": method}
    searching = problem.affinity and bool(train_units)
    if searching and problem.max_moves is None:
        # The affinity search refines the optimum of the objective (its moves
        # are priced in it); the other candidates remain the fallback below.
        chosen = optimal
    weight = chosen["weight"]
    homes, unplaced, flow = chosen["homes"], chosen["unplaced"], chosen["flow"]
    lam_used = 0
    reslot: dict = {}
    if problem.max_moves is not None and len(_moves(inst, homes)) > problem.max_moves:
        target = homes
        inst.cost = costs[weight]  # the move budget trades moves against the chosen cost model
        if flow is None:
            _, st = inst.sorted_relaxation()
            flow = _Flow(inst, _candidates(inst, masks, st, full))
        lo, hi = 0, int(flow.base.max()) * 2 + 1 if len(flow.base) else 1
        best = None
        for step in range(12):
            if time.monotonic() > deadline and best is not None:
                break
            mid = (lo + hi) // 2
            report(0.3 + 0.2 * step / 12, "move budget")
            h, u = flow.solve(mid)
            if len(_moves(inst, h)) <= problem.max_moves:
                hi, best = mid, (h, u, mid)
            else:
                lo = mid + 1
            if hi - lo <= max(1, hi // 1000):
                break
        if best is None:
            best = (*flow.solve(hi), hi)
        homes, unplaced, lam_used = best
        inst.cost = plain
        if train_units:  # both methods, measured on the training tours
            greedy = _greedy_moves(inst, target, masks, problem.max_moves, train_units, scorer)
            efforts = {"lagrangian": _units_effort_mm(inst, homes, train_units, scorer),
                       "greedy": _units_effort_mm(inst, greedy, train_units, scorer)}
            reslot = {"reslot_effort_m": {k: round(v / 1000 / len(train_units), 3) for k, v in efforts.items()}}
            if problem.reslot_method == "greedy" or (problem.reslot_method == "best"
                                                      and efforts["greedy"] < efforts["lagrangian"]):
                homes = greedy
                unplaced = [i for i in range(inst.n) if len(homes.get(i, ())) < inst.faces[i]]
                reslot["reslot_method"] = "greedy"
            else:
                reslot["reslot_method"] = "lagrangian"
    homes = _order_faces(inst, homes)
    for i in unplaced:
        homes.pop(i, None)
    start_cost = placement_cost(inst, homes)
    assignment_cost = placement_cost(inst, _order_faces(inst, optimal["homes"]))

    before = {i: tuple(inst.current[i]) for i in inst.current if inst.current[i]}
    for i, js in homes.items():
        before.setdefault(i, js)  # SKUs without stock count where the plan puts them
    before = _order_faces(inst, before)
    cost_before = placement_cost(inst, before)

    stats: dict = {"skus": inst.n, "slots": inst.m, "faces": int(inst.faces.sum()),
                   "arcs": len(optimal["flow"].tails) if optimal["flow"] is not None else 0,
                   "exact": optimal["method"] == "sorted" or (full and optimal["method"] == "flow"),
                   "assignment_method": optimal["method"],
                   "move_price": lam_used, "flow_seconds": round(flow_seconds, 3),
                   "assignment_cost": round(assignment_cost, 3), "start": chosen["name"],
                   "horizontal_weight": weight, "batch_units": problem.batch_units,
                   "start_effort_m": {c["name"]: round(c["effort"] / 1000 / max(1, len(wave_orders) if waves
                                                                              else len(train_units)), 3)
                                      for c in candidates if "effort" in c},
                   "group_zones": {g: sorted(z) for g, z in group_zones.items()}, **zone_info, **reslot}
    report(0.5, "affinity")
    if problem.affinity and train_units:
        cap = max(start_cost, min(cost_before, start_cost * (1 + problem.affinity_cost_slack)))
        stats.update(_affinity(inst, homes, masks, deadline, problem.affinity_evaluations, problem.max_moves,
                               cap, report, train_orders, train_units, val_units, scorer,
                               problem.affinity_orders_per_sku))
    stats["plan"] = f"{chosen['name']}{' + affinity search' if stats.get('affinity_moves') else ''}"
    if problem.max_moves is None and train_units and len(candidates) > 1:
        # Never worse on the training tours than any candidate start (the
        # COI and within-aisle placements among them when they are feasible).
        final = effort(homes)
        per = len(wave_orders) if waves else len(train_units)
        stats["plan_effort_m"] = round(final / 1000 / per, 3)
        alt = min(candidates, key=lambda c: (len(c["unplaced"]), c["effort"]))
        if (len(alt["unplaced"]), alt["effort"]) < (len(unplaced), final):
            unplaced = list(alt["unplaced"])
            homes = _order_faces(inst, {i: js for i, js in alt["homes"].items() if i not in set(unplaced)})
            stats["plan"] = alt["name"]
            stats["plan_effort_m"] = round(alt["effort"] / 1000 / per, 3)
    cost_after = placement_cost(inst, homes)
    lower_bound, _ = inst.sorted_relaxation(set(homes))
    stats["assignment_seconds"] = round(time.monotonic() - started, 3)

    report(0.9, "figures")
    placements = {"before": before, "after": homes, "random": baseline_random(inst, random.Random(problem.seed)),
                  "abc": baseline_abc(inst, random.Random(problem.seed)), "coi": baseline_coi(inst),
                  "within_aisle": baseline_within_aisle(inst)}
    baselines = {k: round(placement_cost(inst, placements[k]), 3) for k in ("random", "abc", "coi", "within_aisle")}
    walks = {k: (round(w, 3) if (w := walk_per_order_m(inst, v, problem.eval_orders, problem.seed)) is not None
                 else None) for k, v in placements.items()}
    partner = _top_partners(problem.orders)
    moves = [_move(inst, i, f, t, partner) for i, f, t in _moves(inst, homes)]
    moves.sort(key=lambda mv: (-mv.reason["metres_saved_per_day"], mv.sku_id, mv.from_location_id))
    stats["seconds"] = round(time.monotonic() - started, 3)
    report(1.0, "done")
    return Plan(
        homes={inst.skus[i].sku_id: tuple(inst.slots[j].location_id for j in js) for i, js in homes.items()},
        unplaced={inst.skus[i].sku_id: _why_unplaced(inst, i, masks[i], group_zones) for i in unplaced},
        cost_before=round(cost_before, 3), cost_after=round(cost_after, 3), lower_bound=round(lower_bound, 3),
        improvement_pct=round(100 * (cost_before - cost_after) / cost_before, 2) if cost_before else 0.0,
        baselines=baselines, walk_per_order_m=walks, moves=moves, stats=stats,
        placements={name: {inst.skus[i].sku_id: tuple(inst.slots[j].location_id for j in js)
                           for i, js in placement.items() if js} for name, placement in placements.items()},
    )


def _velocity_class(inst: _Instance, i: int) -> str:
    if not hasattr(inst, "_classes"):
        by_picks = sorted(range(inst.n), key=lambda k: (-inst.picks[k], k))
        total, cum, classes = float(inst.picks.sum()) or 1.0, 0.0, {}
        for k in by_picks:
            classes[k] = "A" if cum < 0.5 * total else "B" if cum < 0.85 * total else "C"
            cum += inst.picks[k]
        inst._classes = classes
    return inst._classes[i]


def _top_partners(orders: Sequence[Sequence[int]]) -> dict[int, tuple[int, int]]:
    """SKU -> (the SKU most often in the same orders, how often)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for o in orders:
        distinct = list(dict.fromkeys(o))
        if 1 < len(distinct) <= 30:
            for a, b in itertools.permutations(distinct, 2):
                counts[a][b] += 1
    return {a: min(c.items(), key=lambda kv: (-kv[1], kv[0])) for a, c in counts.items()}


def _move(inst: _Instance, i: int, f: int, t: int, partner: Mapping[int, tuple[int, int]]) -> Move:
    saved = float(inst.w[i]) * (int(inst.cost[f]) - int(inst.cost[t])) / 1000
    reason = {"velocity_class": _velocity_class(inst, i), "picks_per_day": round(float(inst.picks[i]), 3),
              "metres_saved_per_day": round(saved, 3)}
    top = partner.get(inst.skus[i].sku_id)
    if top and top[1] >= 2 and top[0] in inst.sku_index:
        other = inst.skus[inst.sku_index[top[0]]]
        reason["affinity_with"] = other.code or str(other.sku_id)
        reason["co_picks"] = top[1]
    return Move(inst.skus[i].sku_id, inst.slots[f].location_id, inst.slots[t].location_id, reason)
