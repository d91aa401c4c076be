import pytest

from wms.ledger.rules import PostingLine, bucket_for, level_deltas, net_lines, unbalanced


@pytest.mark.parametrize(
    ("kind", "condition", "bucket"),
    [
        ("storage", "good", "sellable"),
        ("storage", "damaged", "unsellable"),
        ("quarantine", "good", "unsellable"),
        ("dock", "good", "receiving"),
        ("dock", "damaged", "unsellable"),
        ("pack", "good", "picked"),
        ("ship", "good", "picked"),
        ("in_transit", "good", "in_transit"),
        ("inbound", "good", None),
        ("customer", "good", None),
        ("adjustment", "damaged", None),
    ],
)
def test_stock_counts_in_the_bucket_of_its_location_kind_and_condition(kind, condition, bucket):
    assert bucket_for(kind, condition) == bucket


def test_lines_with_the_same_key_are_merged_and_zero_lines_dropped():
    lines = [
        PostingLine(2, 1, 5),
        PostingLine(1, 1, -5),
        PostingLine(2, 1, -2),
        PostingLine(3, 1, 4),
        PostingLine(3, 1, -4),
    ]
    assert net_lines(lines) == [PostingLine(1, 1, -5), PostingLine(2, 1, 3)]


def test_netted_lines_come_in_canonical_lock_order():
    lines = [PostingLine(9, 2, 1), PostingLine(1, 3, 1), PostingLine(1, 2, 1, lot="B"), PostingLine(1, 2, 1, lot="A")]
    keys = [(line.location_id, line.sku_id, line.lot) for line in net_lines(lines)]
    assert keys == sorted(keys)


def test_a_movement_balances_only_when_each_sku_and_lot_sums_to_zero():
    assert unbalanced([PostingLine(1, 1, 5), PostingLine(2, 1, -5)]) == {}
    assert unbalanced([PostingLine(1, 1, 5, lot="A"), PostingLine(2, 1, -5, lot="B")]) == {(1, "A"): 5, (1, "B"): -5}
    # Conservation is per SKU: one SKU's surplus cannot pay for another's.
    assert unbalanced([PostingLine(1, 1, 5), PostingLine(2, 2, -5)]) == {(1, ""): 5, (2, ""): -5}


def test_level_deltas_skip_moves_within_one_bucket():
    kinds = {1: "storage", 2: "storage", 3: "dock", 4: "adjustment"}
    warehouses = {1: 10, 2: 10, 3: 10, 4: 10}
    move = [PostingLine(1, 7, -3), PostingLine(2, 7, 3)]
    assert level_deltas(move, kinds, warehouses) == {}
    putaway = [PostingLine(3, 7, -3), PostingLine(1, 7, 3)]
    assert level_deltas(putaway, kinds, warehouses) == {(10, 7): {"receiving": -3, "sellable": 3}}
    found = [PostingLine(4, 7, -2), PostingLine(1, 7, 2)]
    assert level_deltas(found, kinds, warehouses) == {(10, 7): {"sellable": 2}}
