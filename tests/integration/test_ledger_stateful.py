"""The ledger against a model of stock, under random sequences of receipts,
adjustments, moves, reservations and releases.

The model is a dict of (location, SKU) -> units and the units reserved per
SKU (one warehouse). A step the model says cannot fit must be refused with
InsufficientStock and change nothing; after every step the balances, the
warehouse-level availability and `wms check` must all agree with the model.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.factories import ADMIN, SellerFactory, SkuFactory, bind_factories, make_warehouse
from wms.checks import run_checks
from wms.db import make_sessionmaker
from wms.errors import InsufficientStock, InvalidState
from wms.inventory.services import adjust_stock, list_location_balances, list_stock, move_stock
from wms.ledger.models import Movement
from wms.ledger.rules import bucket_for
from wms.ledger.services import release_reservation, reserve_stock

# Three storage bins (sellable), the dock (receiving) and quarantine
# (unsellable): enough for moves that do and do not change what can be sold.
KINDS = {"A01-01-1": "storage", "A01-02-1": "storage", "A02-01-1": "storage", "DOCK": "dock",
         "QUARANTINE": "quarantine"}
BUCKET = {code: bucket_for(kind, "good") for code, kind in KINDS.items()}
SKUS = ("A-1", "B-1")  # one SKU of each of two sellers

locations = st.sampled_from(sorted(KINDS))
skus = st.sampled_from(SKUS)
quantities = st.integers(min_value=1, max_value=20)


class LedgerMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")
    released = Bundle("released")

    def __init__(self, engine) -> None:
        super().__init__()
        # A fresh world per example: an outer transaction rolled back in
        # teardown, as the session fixture does for a single test.
        self.connection = engine.connect()
        self.outer = self.connection.begin()
        self.session = make_sessionmaker(self.connection, join_transaction_mode="create_savepoint")()
        bind_factories(self.session)
        self.warehouse = make_warehouse(self.session, "WH1")
        self.sku_ids = {
            code: SkuFactory(seller=SellerFactory(code=f"S-{code}"), code=code).id for code in SKUS
        }
        self.session.commit()
        self.stock: dict[tuple[str, str], int] = defaultdict(int)
        self.reserved: dict[str, int] = defaultdict(int)
        self.movements = 0

    def teardown(self) -> None:
        self.session.close()
        self.outer.rollback()
        self.connection.close()

    # --- the model ---------------------------------------------------------------

    def sellable(self, sku: str) -> int:
        return sum(q for (code, s), q in self.stock.items() if s == sku and BUCKET[code] == "sellable")

    def fits(self, sku: str, deltas: dict[str, int]) -> bool:
        """Whether the ledger must accept these changes to one SKU's stock."""
        if any(self.stock[(code, sku)] + d < 0 for code, d in deltas.items()):
            return False
        sellable_change = sum(d for code, d in deltas.items() if BUCKET[code] == "sellable")
        return sellable_change >= 0 or self.sellable(sku) + sellable_change >= self.reserved[sku]

    def attempt(self, sku: str, deltas: dict[str, int], call) -> None:
        if self.fits(sku, deltas):
            call()
            for code, d in deltas.items():
                self.stock[(code, sku)] += d
            self.movements += 1
        else:
            with pytest.raises(InsufficientStock):
                call()

    # --- the steps -------------------------------------------------------------------

    def _adjust(self, location: str, sku: str, qty: int, reason: str) -> None:
        self.attempt(sku, {location: qty}, lambda: adjust_stock(
            self.session, ADMIN, warehouse="WH1", location=location, sku=self.sku_ids[sku], qty=qty, reason=reason,
        ))

    @rule(location=locations, sku=skus, qty=quantities)
    def find_units(self, location: str, sku: str, qty: int) -> None:
        self._adjust(location, sku, qty, "found")

    @rule(location=locations, sku=skus, qty=quantities)
    def lose_units(self, location: str, sku: str, qty: int) -> None:
        self._adjust(location, sku, -qty, "lost")

    @rule(source=locations, destination=locations, sku=skus, qty=quantities)
    def move_units(self, source: str, destination: str, sku: str, qty: int) -> None:
        if source == destination:
            return
        self.attempt(sku, {source: -qty, destination: qty}, lambda: move_stock(
            self.session, ADMIN, warehouse="WH1", from_location=source, to_location=destination,
            sku=self.sku_ids[sku], qty=qty,
        ))

    @rule(target=reservations, sku=skus, qty=quantities)
    def reserve(self, sku: str, qty: int):
        def call():
            return reserve_stock(self.session, warehouse_id=self.warehouse.id, sku_id=self.sku_ids[sku], qty=qty)

        if self.sellable(sku) - self.reserved[sku] >= qty:
            reservation = call()
            self.reserved[sku] += qty
            return (reservation.id, sku, qty)
        with pytest.raises(InsufficientStock):
            call()
        return multiple()

    @rule(target=released, reservation=consumes(reservations))
    def release(self, reservation: tuple[int, str, int]):
        reservation_id, sku, qty = reservation
        assert release_reservation(self.session, reservation_id).status == "released"
        self.reserved[sku] -= qty
        return reservation

    @rule(reservation=released)
    def release_again(self, reservation: tuple[int, str, int]) -> None:
        with pytest.raises(InvalidState):
            release_reservation(self.session, reservation[0])

    # --- after every step ------------------------------------------------------------

    @invariant()
    def balances_agree_with_the_model(self) -> None:
        rows = list_location_balances(self.session, ADMIN, warehouse="WH1", limit=1000)
        assert {(r["location"], r["sku"]): r["on_hand"] for r in rows} == {
            key: q for key, q in self.stock.items() if q != 0
        }

    @invariant()
    def availability_agrees_with_the_model(self) -> None:
        levels = {r["sku"]: r for r in list_stock(self.session, ADMIN, warehouse="WH1", limit=1000)}
        for sku in SKUS:
            want = dict.fromkeys(("sellable", "receiving", "unsellable"), 0)
            for (code, s), q in self.stock.items():
                if s == sku:
                    want[BUCKET[code]] += q
            want["reserved"] = self.reserved[sku]
            want["available"] = want["sellable"] - want["reserved"]
            got = levels.get(sku, dict.fromkeys(want, 0))
            assert {k: got[k] for k in want} == want, sku

    @invariant()
    def nothing_refused_was_written(self) -> None:
        assert self.session.scalar(select(func.count()).select_from(Movement)) == self.movements

    @invariant()
    def wms_check_is_clean(self) -> None:
        failures = {r.name: r.violations for r in run_checks(self.session) if not r.ok}
        assert not failures


def test_the_ledger_agrees_with_a_model_of_stock_under_random_operations(engine):
    run_state_machine_as_test(
        lambda: LedgerMachine(engine),
        settings=settings(
            max_examples=30, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
