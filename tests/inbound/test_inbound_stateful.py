"""The ledger against an in-memory model of a 3PL's two warehouses, under
random interleavings of ASNs, receipts (good and damaged), closing and
cancelling, putaways (whole, partial, at the suggestion or elsewhere),
transfers and their (short) receipts, and cycle counts with and without
approval.

The model knows what every physical location holds per (SKU, condition),
what is in transit to each warehouse, and the units still expected on open
ASNs. A step the model says must be refused is refused with the expected
error and changes nothing; after every step the balances, every GET /stock
bucket, the open putaway work and `wms check` agree with the model.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from tests.factories import ADMIN, make_world
from wms.cache import clear_all as clear_caches
from wms.checks import run_checks
from wms.db import make_sessionmaker
from wms.errors import ConfirmationRequired, InsufficientStock, InvalidState, ValidationFailed
from wms.facility.models import Location, Warehouse
from wms.inbound.services import (
    cancel_asn,
    close_asn,
    create_asn,
    discrepancies,
    over_receipt_limit,
    receive_units,
)
from wms.inventory.counts import approve_count, create_count, submit_count
from wms.inventory.models import Task
from wms.inventory.services import list_stock
from wms.inventory.tasks import complete_task
from wms.inventory.transfers import create_transfer, receive_transfer
from wms.ledger.models import Balance, Movement

WAREHOUSES = ("WH1", "WH2")
SELLER_SKUS = {"ACME": ("A-1", "A-2"), "BETA": ("B-1", "B-2")}
SKUS = tuple(s for skus in SELLER_SKUS.values() for s in skus)
# Where putaways may be sent instead of the suggestion, and which bins are counted.
OTHER_BINS = ("A01-03-1", "A02-05-2", "A03-08-2")
COUNTED_BINS = ("A01-01-1", "A01-01-2", "A01-02-1", "A01-02-2", "A01-03-1")
BIN_UNITS = 480  # every bin holds 480 l; every SKU of the world is a 1-litre, 300 g box
THRESHOLD = 10

picks = st.integers(min_value=0, max_value=10_000)
strays = st.sampled_from((False, False, False, True))  # now and then, act on something that refuses it
quantities = st.integers(min_value=1, max_value=30)


@dataclass
class ModelAsn:
    id: int
    warehouse: str
    seller: str
    status: str = "expected"
    lines: dict[str, list[int]] = field(default_factory=dict)  # sku -> [expected, received]


@dataclass
class ModelTask:
    warehouse: str
    sku: str
    open: int
    suggested: str | None


@dataclass
class ModelTransfer:
    id: int
    destination: str
    sku: str
    qty: int
    status: str = "in_transit"


@dataclass
class ModelCount:
    id: int
    warehouse: str
    pending: list[tuple[str, str, int]]  # (bin, sku, variance)


class InboundMachine(RuleBasedStateMachine):
    def __init__(self, engine) -> None:
        super().__init__()
        # A fresh world per example: an outer transaction rolled back in
        # teardown, as the session fixture does for a single test.
        clear_caches()
        self.connection = engine.connect()
        self.outer = self.connection.begin()
        self.session = make_sessionmaker(self.connection, join_transaction_mode="create_savepoint")()
        world = make_world(self.session)
        self.sku_ids = {s.code: s.id for s in world.skus_a + world.skus_b}
        self.sku_codes = {i: c for c, i in self.sku_ids.items()}
        locations = self.session.execute(
            select(Location.id, Warehouse.code, Location.code, Location.kind)
            .join(Warehouse, Warehouse.id == Location.warehouse_id)
        ).all()
        self.location_ids = {(wh, code): loc_id for loc_id, wh, code, _ in locations}
        self.locations = {loc_id: (wh, code) for loc_id, wh, code, _ in locations}
        self.kinds = {(wh, code): kind for _, wh, code, kind in locations}
        # (warehouse, location, sku, condition) -> units in physical locations
        self.stock: Counter = Counter(self._balances())
        self.in_transit: Counter = Counter()  # (destination, sku) -> units
        self.asns: list[ModelAsn] = []
        self.tasks: dict[int, ModelTask] = {}
        self.transfers: list[ModelTransfer] = []
        self.counts: list[ModelCount] = []
        self.movements = self._movement_count()
        self.last_task_id = 0
        self.session.commit()

    def teardown(self) -> None:
        self.session.close()
        self.outer.rollback()
        self.connection.close()

    # --- reading the database ----------------------------------------------------------

    def _balances(self) -> dict[tuple, int]:
        rows = self.session.execute(
            select(Warehouse.code, Location.code, Balance.sku_id, Balance.condition, Balance.qty)
            .join(Location, Location.id == Balance.location_id)
            .join(Warehouse, Warehouse.id == Balance.warehouse_id)
            .where(Balance.is_virtual.is_(False), Balance.qty != 0)
        ).all()
        return {(wh, loc, self.sku_codes[sku], cond): qty for wh, loc, sku, cond, qty in rows}

    def _movement_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Movement))

    def _learn_new_tasks(self) -> None:
        """The putaway tasks a receipt just created, with their suggestions:
        each suggested bin held (or was promised) no other SKU, and is not
        filled beyond its capacity."""
        rows = self.session.execute(
            select(Task, Location.code).outerjoin(Location, Location.id == Task.suggested_location_id)
            .where(Task.id > self.last_task_id).order_by(Task.id)
        ).all()
        self.session.commit()
        for task, suggested in rows:
            wh, _dock = self.locations[task.from_location_id]
            sku = self.sku_codes[task.sku_id]
            if suggested is not None:
                there = self._bin_skus(wh, suggested)
                assert not there or sku in there, f"{sku} suggested into {suggested}, which holds {there}"
            self.tasks[task.id] = ModelTask(wh, sku, task.qty, suggested)
            self.last_task_id = task.id
            if suggested is not None:
                assert self._bin_units(wh, suggested) <= BIN_UNITS

    # --- the model ----------------------------------------------------------------

    def _bin_units(self, wh: str, code: str) -> int:
        """Units in a bin or promised to it by open tasks."""
        held = sum(q for (w, loc, _, _), q in self.stock.items() if (w, loc) == (wh, code))
        promised = sum(t.open for t in self.tasks.values() if t.open and (t.warehouse, t.suggested) == (wh, code))
        return held + promised

    def _bin_skus(self, wh: str, code: str) -> set[str]:
        """SKUs in a bin or promised to it by open tasks."""
        held = {s for (w, loc, s, _), q in self.stock.items() if (w, loc) == (wh, code) and q > 0}
        return held | {t.sku for t in self.tasks.values() if t.open and (t.warehouse, t.suggested) == (wh, code)}

    @staticmethod
    def _choose(items: list, pick: int, stray: bool, usable):
        """Mostly an item the step can act on; with `stray`, any item at all."""
        pool = items if stray else [i for i in items if usable(i)] or items
        return pool[pick % len(pool)]

    def _done(self, expected_movements: int = 1) -> None:
        self.movements += expected_movements

    # --- ASNs ------------------------------------------------------------------------

    @rule(warehouse=st.sampled_from(WAREHOUSES), seller=st.sampled_from(sorted(SELLER_SKUS)),
          lines=st.lists(st.tuples(st.integers(0, 1), quantities), min_size=1, max_size=2,
                         unique_by=lambda t: t[0]))
    def announce(self, warehouse, seller, lines):
        lines = [(SELLER_SKUS[seller][i], q) for i, q in lines]
        asn = create_asn(self.session, ADMIN, {
            "warehouse": warehouse, "reference": f"R-{len(self.asns)}", "seller": seller,
            "lines": [{"sku": sku, "qty": q} for sku, q in lines],
        })
        self.asns.append(ModelAsn(asn.id, warehouse, seller, lines={sku: [q, 0] for sku, q in lines}))

    @precondition(lambda self: self.asns)
    @rule(pick=picks, stray=strays, which=st.integers(0, 1), qty=quantities,
          condition=st.sampled_from(("good", "good", "good", "damaged")), confirmed=st.booleans())
    def receive(self, pick, stray, which, qty, condition, confirmed):
        asn = self._choose(self.asns, pick, stray, lambda a: a.status in ("expected", "receiving"))
        sku = SELLER_SKUS[asn.seller][which]  # maybe not on the ASN: an unplanned line
        # The operator confirms every doubt (and says why), or none.
        doubts = dict(confirm=["over_receipt", "not_on_asn"], reason="counted twice") if confirmed else {}

        def call():
            return receive_units(self.session, ADMIN, asn.id, qty=qty, condition=condition, sku=self.sku_ids[sku],
                                 **doubts)

        if asn.status not in ("expected", "receiving"):
            with pytest.raises(InvalidState):
                call()
            return
        expected, received = asn.lines.get(sku, [0, 0])
        if not confirmed and (expected == 0 or received + qty > over_receipt_limit(expected, 5)):
            with pytest.raises(ConfirmationRequired):
                call()  # not on the ASN, or beyond the 5% tolerance: nothing happens
            return
        call()
        asn.status = "receiving"
        asn.lines.setdefault(sku, [0, 0])[1] += qty
        place = "DOCK" if condition == "good" else "QUARANTINE"
        self.stock[(asn.warehouse, place, sku, condition)] += qty
        self._done()
        self._learn_new_tasks()

    @precondition(lambda self: self.asns)
    @rule(pick=picks, stray=strays)
    def close(self, pick, stray):
        asn = self._choose(self.asns, pick, stray, lambda a: a.status in ("expected", "receiving"))
        if asn.status not in ("expected", "receiving"):
            with pytest.raises(InvalidState):
                close_asn(self.session, ADMIN, asn.id)
            return
        report = {d["sku_id"]: d for d in discrepancies(close_asn(self.session, ADMIN, asn.id))}
        asn.status = "closed"
        for sku, (expected, received) in asn.lines.items():
            got = report.get(self.sku_ids[sku])
            if expected == received:
                assert got is None or got["damaged_qty"] > 0
            else:
                assert (got["expected_qty"], got["received_qty"]) == (expected, received)
                assert (got["short_qty"], got["over_qty"]) == (max(0, expected - received), max(0, received - expected))

    @precondition(lambda self: self.asns)
    @rule(pick=picks, stray=strays)
    def cancel(self, pick, stray):
        asn = self._choose(self.asns, pick, stray, lambda a: a.status == "expected")
        if asn.status != "expected":
            with pytest.raises(InvalidState):
                cancel_asn(self.session, ADMIN, asn.id)
            return
        cancel_asn(self.session, ADMIN, asn.id)
        asn.status = "cancelled"

    # --- putaway ---------------------------------------------------------------------

    @precondition(lambda self: any(t.open for t in self.tasks.values()))
    @rule(pick=picks, share=st.floats(0.01, 1.0), elsewhere=st.one_of(st.none(), st.sampled_from(OTHER_BINS)))
    def put_away(self, pick, share, elsewhere):
        open_ids = sorted(i for i, t in self.tasks.items() if t.open)
        task_id = open_ids[pick % len(open_ids)]
        task = self.tasks[task_id]
        qty = max(1, min(task.open, round(task.open * share)))
        target = elsewhere or task.suggested or OTHER_BINS[0]

        def call():
            # Another bin than the suggestion is confirmed, with a reason.
            return complete_task(self.session, ADMIN, task_id, location=target, qty=qty, confirm=["other_bin"],
                                 reason="blocked")

        room = BIN_UNITS - self._bin_units(task.warehouse, target)
        if task.suggested == target:
            room += task.open  # the task's own promise is not counted twice
        mixed = self._bin_skus(task.warehouse, target) - {task.sku}  # one SKU per bin
        if qty > room or mixed:
            with pytest.raises(ValidationFailed):
                call()
            return
        call()
        task.open -= qty
        self.stock[(task.warehouse, "DOCK", task.sku, "good")] -= qty
        self.stock[(task.warehouse, target, task.sku, "good")] += qty
        self._done()

    # --- transfers -------------------------------------------------------------------

    def _stored(self) -> list[tuple[str, str]]:
        """(warehouse, SKU) with good units in storage."""
        return sorted({(wh, sku) for (wh, loc, sku, cond), q in self.stock.items()
                       if q > 0 and cond == "good" and self.kinds[(wh, loc)] == "storage"})

    @rule(pick=picks, share=st.floats(0.0, 1.25))
    def transfer(self, pick, share):
        """Send a share of the stored units of a SKU to the other warehouse
        (more than there are, at times)."""
        stored = self._stored() or [("WH2", "B-2")]
        source, sku = stored[pick % len(stored)]
        destination = WAREHOUSES[1 - WAREHOUSES.index(source)]

        bins = sorted(
            ((q, self.location_ids[(wh, loc)], loc) for (wh, loc, s, cond), q in self.stock.items()
             if (wh, s, cond) == (source, sku, "good") and self.kinds[(wh, loc)] == "storage" and q > 0),
            key=lambda b: (-b[0], b[1]),
        )
        qty = max(1, round(sum(q for q, _, _ in bins) * share))

        def call():
            return create_transfer(self.session, ADMIN, from_warehouse=source, to_warehouse=destination,
                                   lines=[{"sku": self.sku_ids[sku], "qty": qty}])
        if sum(q for q, _, _ in bins) < qty:
            with pytest.raises(InsufficientStock):
                call()
            return
        transfer = call()
        left = qty
        for on_hand, _, loc in bins:  # fullest bins first
            take = min(on_hand, left)
            self.stock[(source, loc, sku, "good")] -= take
            left -= take
            if not left:
                break
        self.in_transit[(destination, sku)] += qty
        self.transfers.append(ModelTransfer(transfer.id, destination, sku, qty))
        self._done()

    @precondition(lambda self: self.transfers)
    @rule(pick=picks, stray=strays, arrived=st.one_of(st.none(), st.floats(0.0, 1.0)))
    def receive_transfer(self, pick, stray, arrived):
        transfer = self._choose(self.transfers, pick, stray, lambda t: t.status == "in_transit")
        got = transfer.qty if arrived is None else round(transfer.qty * arrived)
        lines = None if arrived is None else [{"sku": self.sku_ids[transfer.sku], "qty": got}]

        def call():
            return receive_transfer(self.session, ADMIN, transfer.id, lines=lines)

        if transfer.status != "in_transit":
            with pytest.raises(InvalidState):
                call()
            return
        received = call()
        assert [(ln.received_qty, ln.qty - ln.received_qty) for ln in received.lines] == [(got, transfer.qty - got)]
        transfer.status = "received"
        self.in_transit[(transfer.destination, transfer.sku)] -= transfer.qty
        self.stock[(transfer.destination, "DOCK", transfer.sku, "good")] += got
        self._done()
        self._learn_new_tasks()

    # --- cycle counts ------------------------------------------------------------------

    @rule(warehouse=st.sampled_from(WAREHOUSES), location=st.sampled_from(COUNTED_BINS),
          found=st.dictionaries(st.sampled_from(SKUS), st.integers(0, 40), max_size=2))
    def count(self, warehouse, location, found):
        count = create_count(self.session, ADMIN, warehouse=warehouse, locations=[location])
        submit_count(self.session, ADMIN, count.id, approval_threshold=THRESHOLD, lines=[
            {"location": location, "sku": self.sku_ids[sku], "counted_qty": q} for sku, q in found.items()])
        held = {s: q for (wh, loc, s, cond), q in self.stock.items()
                if (wh, loc, cond) == (warehouse, location, "good") and q}
        pending, posted = [], False
        for sku in sorted(set(held) | set(found)):
            variance = found.get(sku, 0) - held.get(sku, 0)
            if abs(variance) > THRESHOLD:
                pending.append((location, sku, variance))
            elif variance:
                self.stock[(warehouse, location, sku, "good")] += variance
                posted = True
        if posted:
            self._done()
        if pending:
            self.counts.append(ModelCount(count.id, warehouse, pending))

    @precondition(lambda self: self.counts)
    @rule(pick=picks, approve=st.booleans())
    def decide(self, pick, approve):
        count = self.counts.pop(pick % len(self.counts))

        def call():
            return approve_count(self.session, ADMIN, count.id, approve=approve)

        if not approve:
            call()
            return
        if any(self.stock[(count.warehouse, loc, sku, "good")] + v < 0 for loc, sku, v in count.pending):
            with pytest.raises(InsufficientStock):
                call()
            self.counts.append(count)  # still waiting
            return
        call()
        for loc, sku, variance in count.pending:
            self.stock[(count.warehouse, loc, sku, "good")] += variance
        self._done()

    # --- after every step ------------------------------------------------------------

    @invariant()
    def balances_agree_with_the_model(self):
        assert self._balances() == {k: q for k, q in self.stock.items() if q}
        self.session.commit()

    @invariant()
    def every_stock_bucket_agrees_with_the_model(self):
        rows = {(r["warehouse"], r["sku"]): r for r in list_stock(self.session, ADMIN, limit=500)}
        self.session.commit()
        for wh in WAREHOUSES:
            for sku in SKUS:
                want = dict.fromkeys(("expected", "receiving", "sellable", "unsellable", "in_transit"), 0)
                for (w, loc, s, cond), q in self.stock.items():
                    if (w, s) == (wh, sku):
                        kind = self.kinds[(w, loc)]
                        bucket = ("unsellable" if cond != "good" or kind == "quarantine"
                                  else {"storage": "sellable", "dock": "receiving"}[kind])
                        want[bucket] += q
                want["in_transit"] = self.in_transit[(wh, sku)]
                want["expected"] = sum(max(0, e - r) for a in self.asns if a.warehouse == wh
                                       and a.status in ("expected", "receiving")
                                       for s, (e, r) in a.lines.items() if s == sku)
                got = rows.get((wh, sku), dict.fromkeys(want, 0))
                assert {b: got[b] for b in want} == want, (wh, sku)

    @invariant()
    def open_putaway_work_equals_the_units_at_the_docks(self):
        open_work = Counter()
        for dock_id, sku_id, qty in self.session.execute(
            select(Task.from_location_id, Task.sku_id, Task.qty - Task.qty_done).where(Task.status == "open")
        ):
            open_work[(self.locations[dock_id][0], self.sku_codes[sku_id])] += qty
        self.session.commit()
        at_docks = Counter({(wh, sku): q for (wh, loc, sku, _), q in self.stock.items() if loc == "DOCK" and q})
        modelled = Counter()
        for t in self.tasks.values():
            modelled[(t.warehouse, t.sku)] += t.open
        assert +open_work == at_docks == +modelled

    @invariant()
    def nothing_refused_was_written(self):
        assert self._movement_count() == self.movements
        self.session.commit()

    @invariant()
    def wms_check_is_clean(self):
        failures = {r.name: r.violations for r in run_checks(self.session) if not r.ok}
        self.session.commit()
        assert not failures


def test_the_ledger_agrees_with_a_model_of_inbound_work_under_random_interleavings(engine):
    run_state_machine_as_test(
        lambda: InboundMachine(engine),
        settings=settings(
            max_examples=25, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
