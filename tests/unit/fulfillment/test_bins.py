"""Which bins a line is picked from (fulfillment.bins.choose_bins): first
expiry first out across several expiry dates, undated stock last, then one
bin that holds the whole rest (the nearest), otherwise the fullest bins."""
from datetime import date

from fulfillment.bins import Stock, choose_bins

JAN, FEB, MAR = date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)


def stock(loc, free, expiry=None, distance=1000, lot=""):
    return Stock(location_id=loc, lot=lot, expiry=expiry, free=free, distance_mm=distance)


def plan(need, bins):
    return [(s.location_id, q) for s, q in choose_bins(need, bins)]


def test_the_earliest_expiry_alone_when_it_covers_the_line():
    bins = [stock(1, 5, FEB), stock(2, 5, JAN, distance=9000), stock(3, 5, MAR)]
    assert plan(5, bins) == [(2, 5)]  # not one unit more from February
    assert plan(4, bins) == [(2, 4)]


def test_a_line_spanning_expiries_takes_all_of_the_earlier_then_the_rest_from_the_next():
    bins = [stock(3, 10, MAR), stock(1, 3, JAN), stock(4, 2, JAN), stock(2, 6, FEB)]
    assert plan(8, bins) == [(1, 3), (4, 2), (2, 3)]
    assert plan(11, bins) == [(1, 3), (4, 2), (2, 6)]
    assert plan(12, bins) == [(1, 3), (4, 2), (2, 6), (3, 1)]


def test_undated_stock_comes_after_every_dated_lot():
    bins = [stock(1, 10, None, distance=100), stock(2, 2, MAR, distance=9000), stock(3, 1, JAN, distance=8000)]
    assert plan(2, bins) == [(3, 1), (2, 1)]
    assert plan(5, bins) == [(3, 1), (2, 2), (1, 2)]
    # Only undated stock: the nearest bin that holds it all.
    assert plan(3, [stock(7, 4, None, distance=500), stock(6, 9, None, distance=800)]) == [(7, 3)]


def test_within_one_expiry_the_nearest_bin_that_holds_the_whole_line():
    bins = [stock(1, 50, JAN, distance=9000), stock(2, 6, JAN, distance=4000), stock(3, 5, JAN, distance=1000),
            stock(4, 6, JAN, distance=3000)]
    assert plan(6, bins) == [(4, 6)]  # holds exactly the line: nearer than 2, and 1 is far
    assert plan(5, bins) == [(3, 5)]
    assert plan(7, bins) == [(1, 7)]


def test_with_no_bin_holding_it_all_the_fullest_first_and_exactly_the_need():
    bins = [stock(1, 4, JAN, distance=100), stock(2, 7, JAN, distance=900), stock(3, 7, JAN, distance=500),
            stock(4, 1, JAN, distance=50)]
    assert plan(9, bins) == [(3, 7), (2, 2)]
    assert plan(14, bins) == [(3, 7), (2, 7)]
    assert plan(15, bins) == [(3, 7), (2, 7), (1, 1)]
    assert sum(q for _, q in plan(19, bins)) == 19


def test_bins_with_nothing_free_are_never_planned_and_too_little_stock_plans_nothing():
    bins = [stock(1, 0, JAN), stock(2, 3, FEB), stock(3, -2, JAN)]
    assert plan(3, bins) == [(2, 3)]
    assert plan(2, bins) == [(2, 2)]
    assert plan(4, bins) == []
    assert plan(1, []) == []
