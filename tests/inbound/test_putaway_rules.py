"""The pure putaway rule (wms.inventory.rules): capacity by volume and weight,
one SKU per bin unless the bin already holds it, bins holding the SKU first,
then the free bins nearest to the dock, and a quantity split over bins when
one is not enough."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wms.inventory.rules import Bin, Unit, fits, plan_putaway, units_that_fit

SKU = 7
OTHER = 8
BOX = Unit(SKU, volume_mm3=1_000, weight_g=100)  # 1 litre, 100 g


def free_bin(location_id: int, distance_mm: int, volume: int | None = 10_000, weight: int | None = 10_000, **kw) -> Bin:
    return Bin(location_id, distance_mm, volume, weight, **kw)


# --- capacity ------------------------------------------------------------------

def test_a_bin_takes_as_many_units_as_its_free_volume_allows():
    assert units_that_fit(free_bin(1, 0, volume=10_500, weight=None), BOX) == 10


def test_a_bin_takes_as_many_units_as_its_free_weight_allows():
    assert units_that_fit(free_bin(1, 0, volume=None, weight=650), BOX) == 6


def test_the_tighter_of_volume_and_weight_limits_a_bin():
    assert units_that_fit(free_bin(1, 0, volume=10_000, weight=350), BOX) == 3
    assert units_that_fit(free_bin(1, 0, volume=2_000, weight=100_000), BOX) == 2


def test_what_a_bin_already_holds_reduces_its_room():
    b = free_bin(1, 0, volume=10_000, weight=10_000, used_volume_mm3=7_000, used_weight_g=500)
    assert units_that_fit(b, BOX) == 3


def test_an_overfull_bin_has_no_room_rather_than_negative_room():
    b = free_bin(1, 0, volume=1_000, weight=1_000, used_volume_mm3=5_000, used_weight_g=5_000)
    assert units_that_fit(b, BOX) == 0
    assert not fits(b, BOX, 1)


def test_a_bin_without_known_limits_takes_any_quantity():
    b = free_bin(1, 0, volume=None, weight=None)
    assert units_that_fit(b, BOX) is None
    assert fits(b, BOX, 1_000_000)


def test_a_unit_without_size_or_weight_is_not_limited_by_them():
    assert units_that_fit(free_bin(1, 0, volume=1, weight=1), Unit(SKU, 0, 0)) is None


def test_fits_accepts_exactly_the_room_left_and_refuses_one_more():
    b = free_bin(1, 0, volume=5_000, weight=None)
    assert fits(b, BOX, 5)
    assert not fits(b, BOX, 6)


# --- choosing bins --------------------------------------------------------------

def test_the_nearest_free_bin_to_the_dock_is_chosen():
    bins = [free_bin(1, 9_000), free_bin(2, 3_000), free_bin(3, 5_000)]
    assert plan_putaway(bins, BOX, 4) == [(2, 4)]


def test_equally_near_free_bins_are_chosen_by_location_id():
    bins = [free_bin(5, 3_000), free_bin(4, 3_000)]
    assert plan_putaway(bins, BOX, 1) == [(4, 1)]


def test_a_bin_already_holding_the_sku_is_preferred_to_a_nearer_free_bin():
    bins = [free_bin(1, 1_000), free_bin(2, 50_000, skus=frozenset({SKU}))]
    assert plan_putaway(bins, BOX, 3) == [(2, 3)]


def test_a_bin_holding_another_sku_is_never_suggested_even_when_nearest():
    bins = [free_bin(1, 100, skus=frozenset({OTHER})), free_bin(2, 8_000)]
    assert plan_putaway(bins, BOX, 3) == [(2, 3)]


def test_a_bin_holding_the_sku_beside_another_sku_may_take_more_of_it():
    bins = [free_bin(1, 9_000, skus=frozenset({SKU, OTHER})), free_bin(2, 100)]
    assert plan_putaway(bins, BOX, 2) == [(1, 2)]


def test_with_only_bins_of_other_skus_nothing_gets_a_suggestion():
    bins = [free_bin(1, 100, skus=frozenset({OTHER})), free_bin(2, 200, skus=frozenset({OTHER + 1}))]
    assert plan_putaway(bins, BOX, 5) == [(None, 5)]


def test_a_full_bin_holding_the_sku_gives_way_to_the_nearest_free_bin():
    full = free_bin(1, 100, volume=10_000, used_volume_mm3=10_000, skus=frozenset({SKU}))
    bins = [full, free_bin(2, 7_000), free_bin(3, 4_000)]
    assert plan_putaway(bins, BOX, 2) == [(3, 2)]


def test_heavy_units_are_limited_by_weight_not_volume():
    anvil = Unit(SKU, volume_mm3=1_000, weight_g=4_000)
    bins = [free_bin(1, 100, volume=1_000_000, weight=10_000), free_bin(2, 200, volume=1_000_000, weight=10_000)]
    assert plan_putaway(bins, anvil, 3) == [(1, 2), (2, 1)]


# --- splitting ------------------------------------------------------------------

def test_a_quantity_too_large_for_one_bin_is_split_holding_bins_first_then_nearest_free_bins():
    bins = [
        free_bin(1, 500, volume=10_000),                                              # free, nearest: 10 units
        free_bin(2, 9_000, volume=10_000, used_volume_mm3=6_000, skus=frozenset({SKU})),  # holds it: 4 more
        free_bin(3, 900, volume=10_000),                                              # free, second nearest
        free_bin(4, 100, volume=10_000, skus=frozenset({OTHER})),                     # someone else's
    ]
    assert plan_putaway(bins, BOX, 20) == [(2, 4), (1, 10), (3, 6)]


def test_what_fits_nowhere_is_left_without_a_suggestion():
    bins = [free_bin(1, 100, volume=3_000), free_bin(2, 200, volume=2_000)]
    assert plan_putaway(bins, BOX, 9) == [(1, 3), (2, 2), (None, 4)]


def test_with_no_bins_at_all_everything_is_left_without_a_suggestion():
    assert plan_putaway([], BOX, 6) == [(None, 6)]


def test_a_bin_without_known_limits_takes_the_whole_rest():
    bins = [free_bin(1, 100, volume=2_000), free_bin(2, 200, volume=None, weight=None)]
    assert plan_putaway(bins, BOX, 50) == [(1, 2), (2, 48)]


# --- properties over random warehouses --------------------------------------------

@st.composite
def warehouses(draw):
    n = draw(st.integers(0, 12))
    bins = []
    for location_id in range(1, n + 1):
        volume = draw(st.one_of(st.none(), st.integers(0, 20_000)))
        weight = draw(st.one_of(st.none(), st.integers(0, 2_000)))
        bins.append(Bin(
            location_id, draw(st.integers(0, 5) .map(lambda k: k * 1_000)), volume, weight,
            draw(st.integers(0, 15_000)), draw(st.integers(0, 1_500)),
            draw(st.sampled_from([frozenset(), frozenset({SKU}), frozenset({OTHER}), frozenset({SKU, OTHER})])),
        ))
    unit = Unit(SKU, draw(st.integers(0, 3_000)), draw(st.integers(0, 300)))
    return bins, unit, draw(st.integers(1, 60))


@given(warehouses())
def test_a_plan_places_every_unit_once_within_capacity_in_allowed_bins(case):
    bins, unit, qty = case
    by_id = {b.location_id: b for b in bins}
    plan = plan_putaway(bins, unit, qty)

    assert sum(q for _, q in plan) == qty
    assert all(q > 0 for _, q in plan)
    placed = [loc for loc, _ in plan if loc is not None]
    assert len(placed) == len(set(placed)), "a bin appears twice"
    assert all(loc is not None for loc, _ in plan[:-1]), "only the last part may lack a suggestion"
    for loc, q in plan:
        if loc is not None:
            b = by_id[loc]
            assert fits(b, unit, q), f"{q} units overfill bin {loc}"
            assert SKU in b.skus or not b.skus, f"bin {loc} holds another SKU"
    eligible = [b for b in bins if SKU in b.skus or not b.skus]
    if plan[-1][0] is None:
        # Nothing was left over while an allowed bin still had room.
        used = dict(plan)
        assert all(units_that_fit(b, unit) == used.get(b.location_id, 0) for b in eligible)


@given(warehouses())
def test_a_plan_fills_holding_bins_before_free_ones_and_nearer_free_bins_first(case):
    bins, unit, qty = case
    by_id = {b.location_id: b for b in bins}
    plan = [loc for loc, _ in plan_putaway(bins, unit, qty) if loc is not None]
    kinds = ["holding" if SKU in by_id[loc].skus else "free" for loc in plan]
    assert kinds == sorted(kinds, key=lambda k: k != "holding")
    for group in ("holding", "free"):
        chosen = [by_id[loc] for loc, kind in zip(plan, kinds, strict=True) if kind == group]
        assert [b.distance_mm for b in chosen] == sorted(b.distance_mm for b in chosen)
        if chosen:
            # Every bin of the group nearer than the farthest one chosen was full.
            farthest = chosen[-1]
            skipped = [
                b for b in bins
                if b.location_id not in plan
                and (SKU in b.skus if group == "holding" else not b.skus)
                and (b.distance_mm, b.location_id) < (farthest.distance_mm, farthest.location_id)
            ]
            assert all(units_that_fit(b, unit) == 0 for b in skipped)
