"""Slotting tests reuse the fulfillment world (tests/fulfillment/conftest.py):
WH1 and WH2 with 3 aisles x 8 bays x 2 levels, ACME (A-1, A-2), BETA (B-1,
B-2); A-1 has 10 units in WH1 A01-01-1, B-1 7 units in WH1 A01-02-1."""
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    _backorders_follow_arrivals,
    _fresh_bin_cache,
    apis,
    nothing_written,
    world,
)
