"""`wms check` runs the ledger's invariants, the areas' checks (inbound's
`expected` bucket) and every extension's, and fails on any of them."""
from __future__ import annotations

from contextlib import contextmanager

from click.testing import CliRunner
from sqlalchemy import text, update

from tests.factories import ADMIN, make_world
from wms import checks as checks_module
from wms.checks import all_checks, run_checks
from wms.cli import main
from wms.extensions import Extension
from wms.inbound.checks import check_expected
from wms.inbound.services import cancel_asn, create_asn
from wms.ledger.checks import LEDGER_CHECKS, Check
from wms.ledger.models import StockLevel


@contextmanager
def scratch(session):
    savepoint = session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def _asn(session, world, qty=4):
    return create_asn(session, ADMIN, {
        "seller": "ACME", "warehouse": "WH1", "reference": "ASN-CHECK",
        "lines": [{"sku": world.skus_a[1].id, "qty": qty}],
    })


def test_inbound_check_finds_an_expected_bucket_that_open_asns_do_not_explain(session):
    world = make_world(session)
    _asn(session, world)
    sku = world.skus_a[1]
    assert check_expected(session) == []
    with scratch(session):
        session.execute(update(StockLevel.__table__).where(StockLevel.sku_id == sku.id).values(expected=5))
        problems = check_expected(session)
    assert problems == [f"stock level warehouse {world.wh1.id} SKU {sku.id}: expected is 5, open ASNs say 4"]


def test_inbound_check_finds_open_asn_units_without_a_stock_level_row(session):
    world = make_world(session)
    _asn(session, world, qty=2)
    sku = world.skus_a[1]
    with scratch(session):
        session.execute(text("DELETE FROM stock_levels WHERE sku_id = :s"), {"s": sku.id})
        problems = check_expected(session)
    assert problems == [f"warehouse {world.wh1.id} SKU {sku.id} has units on open ASNs but no stock level row"]


def test_a_cancelled_asn_stops_counting(session):
    world = make_world(session)
    asn = _asn(session, world)
    cancel_asn(session, ADMIN, asn.id)
    assert check_expected(session) == []


def test_wms_check_runs_the_ledgers_then_the_areas_then_the_extensions_checks(session, monkeypatch):
    make_world(session)
    planted = Check("x.1", "an extension's invariant", lambda s: ["planted violation"])
    monkeypatch.setattr(checks_module, "load_extensions",
                        lambda: (Extension(name="planted", checks=[planted]),))
    names = [check.name for check in all_checks()]
    assert names[: len(LEDGER_CHECKS)] == [check.name for check in LEDGER_CHECKS]
    assert names[len(LEDGER_CHECKS)] == "expected equals the units outstanding on open ASNs"
    assert names[-1] == "an extension's invariant"
    failed = [(r.number, r.violations) for r in run_checks(session) if not r.ok]
    assert failed == [("x.1", ["planted violation"])]


def test_the_cli_reports_an_extensions_failed_check(session, monkeypatch):
    planted = Check("x.1", "an extension's invariant", lambda s: ["planted violation"])
    monkeypatch.setattr(checks_module, "load_extensions",
                        lambda: (Extension(name="planted", checks=[planted]),))
    monkeypatch.setattr("wms.cli.open_session", lambda url=None: (_NoEngine(), session))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1, result.output
    assert "FAIL x.1. an extension's invariant" in result.stdout
    assert "planted violation" in result.stdout
    assert "ok   3e. expected equals the units outstanding on open ASNs" in result.stdout


class _NoEngine:
    def dispose(self):
        pass
