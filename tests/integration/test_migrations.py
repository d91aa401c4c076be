import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from wms.db import Base
from wms.migrate import current_revision, head_revision, heads


def _include_name(name, type_, parent_names) -> bool:
    """As migrations/env.py: pyrate-limiter's rate-limit tables, which the
    sync worker creates at run time, are not the app's schema."""
    return not (type_ == "table" and name and name.startswith("ratelimit___"))


def test_migrations_have_a_single_head():
    assert len(heads()) == 1


def test_the_schema_built_by_migrations_matches_the_models(connection):
    assert current_revision(connection) == head_revision()
    context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": _include_name})
    assert compare_metadata(context, Base.metadata) == []


# --- the model registry, seen from a fresh process ------------------------------
# The test process has imported every model long before these run, so a
# registry that forgets a module would go unnoticed here: they start fresh
# Python processes, as `alembic` and `wms db upgrade` do.

ROOT = Path(__file__).resolve().parents[2]


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_autogenerate_in_a_fresh_process_proposes_no_change(database_url):
    """What `alembic revision --autogenerate` would see: the environment's
    models against the migrated database. Any difference fails."""
    done = _fresh_python(f"""
        from alembic import command
        from wms.migrate import alembic_config
        command.check(alembic_config({database_url!r}))
    """)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def test_the_core_registry_alone_defines_every_core_table(connection):
    """wms.models by itself (no extension loaded, nothing imported before)
    defines every table of the migrated schema that no extension defines."""
    done = _fresh_python("""
        import importlib, json
        from wms.db import Base
        import wms.models
        core = set(Base.metadata.tables)
        from wms.extensions import load_extensions
        for extension in load_extensions():
            for module in extension.model_modules:
                importlib.import_module(module)
        print(json.dumps({"core": sorted(core), "all": sorted(Base.metadata.tables)}))
    """)
    assert done.returncode == 0, done.stderr
    tables = json.loads(done.stdout.strip().splitlines()[-1])
    in_database = {name for name in inspect(connection).get_table_names()
                   if _include_name(name, "table", {})} - {"alembic_version"}
    extension_tables = set(tables["all"]) - set(tables["core"])
    assert set(tables["all"]) == in_database
    assert in_database - extension_tables == set(tables["core"])


def test_every_core_models_module_is_in_the_registry():
    import wms.models
    from wms.extensions import EXTENSION_PACKAGES

    found = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "wms").rglob("*models.py")
    }
    # An extension package inside wms/ (wms.channels) registers its own models.
    extensions = {module for module in found for package in EXTENSION_PACKAGES if module.startswith(package + ".")}
    assert found - {"wms.models"} - extensions == {module.__name__ for module in wms.models.MODULES}


def test_sqlite_upgrades_a_database_with_data_through_table_rebuilds(tmp_path):
    """Batch mode rebuilds SQLite tables (0006 rebuilds sellers, which SKUs
    refer to): the migration must not trip over enforced foreign keys, and
    must keep the rows and the ledger's append-only triggers."""
    import sqlite3

    from wms.migrate import upgrade

    path = tmp_path / "old.db"
    upgrade(f"sqlite:///{path}", revision="0005")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO sellers (code, name, created_at) VALUES ('S', 'Seller', '2026-01-01')")
        db.execute("INSERT INTO skus (seller_id, code, name, length_mm, width_mm, height_mm, weight_g, lot_tracked,"
                   " expiry_tracked, created_at, updated_at) VALUES (1, 'X', 'X', 0, 0, 0, 0, 0, 0, '2026-01-01',"
                   " '2026-01-01')")
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT code, over_receipt_tolerance_pct FROM sellers").fetchall() == [("S", 5)]
        assert db.execute("SELECT code FROM skus").fetchall() == [("X",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"movements_append_only_update", "postings_append_only_delete"} <= triggers
