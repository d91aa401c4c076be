"""Issue 13 item 13: `wms backup` and `wms restore`, on the database under
test (SQLite's online backup API, or pg_dump/pg_restore on PostgreSQL): a
restored backup holds what the database held when it was taken, nothing
made after it, and passes `wms check`."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.factories import ADMIN, make_world
from wms.cli import main
from wms.db import make_engine, make_sessionmaker
from wms.inventory.services import adjust_stock
from wms.ledger.models import Balance, Movement, Posting


def wms(url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"WMS_DATABASE_URL": url}, catch_exceptions=False)


def snapshot(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        found = (s.scalar(select(func.count()).select_from(Movement)),
                 s.scalar(select(func.count()).select_from(Posting)),
                 s.scalar(select(func.coalesce(func.sum(Balance.qty), 0)).where(Balance.qty > 0)))
    engine.dispose()
    return found


def test_a_restored_backup_is_the_database_as_it_was_and_passes_wms_check(committed_db, tmp_path):
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        make_world(s)
        s.commit()
        adjust_stock(s, ADMIN, warehouse="WH1", location="A01-01-1", sku="A-1", seller="ACME", qty=5,
                     reason="found")
        s.commit()
    engine.dispose()
    before = snapshot(url)
    path = tmp_path / "quayside.backup"

    made = wms(url, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert path.stat().st_size > 0
    assert wms(url, "backup", str(path)).exit_code != 0  # never overwrites a backup

    # After the backup: more work, which the restore must undo.
    with make_sessionmaker(engine)() as s:
        adjust_stock(s, ADMIN, warehouse="WH1", location="A01-01-1", sku="A-1", seller="ACME", qty=7,
                     reason="found")
        s.commit()
    engine.dispose()
    assert snapshot(url) != before

    restored = wms(url, "restore", "--yes", str(path))

    assert restored.exit_code == 0, restored.output
    assert snapshot(url) == before
    checked = wms(url, "check")
    assert checked.exit_code == 0, checked.output
    assert "ledger check clean" in checked.output


def test_restore_refuses_a_file_that_is_not_a_backup(committed_db, tmp_path):
    url, _engine = committed_db
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)

    refused = wms(url, "restore", "--yes", str(junk))

    assert refused.exit_code != 0
    assert wms(url, "check").exit_code == 0
