"""Test fixtures.

The suite runs on the database named by WMS_TEST_DATABASE_URL (SQLite in a
temporary directory when unset). The schema is built once by `alembic
upgrade head`. Each test runs in a session inside an outer transaction that
is rolled back afterwards (services' commits release savepoints), and every
test ends with the full `wms check` over what it left behind.

Tests marked `concurrency` need committed data seen by several connections:
they get a database of their own (`committed_db`), emptied after each test.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from wms.app import create_app
from wms.auth.principal import Principal
from wms.auth.services import create_token
from wms.checks import run_checks
from wms.config import Settings
from wms.db import Base, make_engine, make_sessionmaker
from wms.migrate import upgrade

ADMIN = Principal.system("tests")


def _test_url(tmp_path_factory) -> str:
    url = os.environ.get("WMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _create_postgres_database(url: str, name: str) -> str:
    admin_url = make_url(url).set(database="postgres")
    engine = make_engine(admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty per-process caches (wms.cache): its
    database is rolled back or emptied afterwards, so ids come again."""
    from wms import cache

    cache.clear_all()
    yield
    cache.clear_all()


@pytest.fixture
def frozen_cache_clock(monkeypatch):
    """Cache entries do not expire during the test (statement counts must not
    depend on how fast the machine is); returns a setter to move the clock."""
    from wms import cache

    now = [1_000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _test_url(tmp_path_factory)
    if is_postgres(url):
        _reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def sessionmaker_(connection):
    return make_sessionmaker(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(sessionmaker_) -> Session:
    """A session whose commits stay inside the test's outer transaction.
    After the test, every ledger invariant must still hold."""
    s = sessionmaker_()
    yield s
    s.rollback()
    assert_ledger_clean(s)
    s.close()


def assert_ledger_clean(session: Session) -> None:
    failures = {r.name: r.violations for r in run_checks(session) if not r.ok}
    assert not failures, f"wms check failed: {failures}"


@pytest.fixture
def count_statements(engine):
    """count_statements() is a context manager yielding the list of SQL
    statements the test's engine runs inside it (before_cursor_execute)."""
    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(_conn, _cursor, statement, _parameters, _context, _executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def app(database_url, sessionmaker_):
    return create_app({
        "TESTING": True,
        "WMS_SETTINGS": Settings(database_url=database_url),
        "WMS_SESSIONMAKER": sessionmaker_,
    })


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- committed databases for concurrency tests --------------------------------

@pytest.fixture(scope="session")
def committed_template(database_url, tmp_path_factory):
    """A migrated, empty database for tests that commit for real."""
    if is_postgres(database_url):
        name = make_url(database_url).database + "_committed"
        url = _create_postgres_database(database_url, name)
        upgrade(url)
        return url
    path = tmp_path_factory.mktemp("committed") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture
def committed_db(committed_template, tmp_path):
    """(url, engine) of a database with committed data, emptied afterwards."""
    if is_postgres(committed_template):
        url = committed_template
    else:
        path = tmp_path / "committed.db"
        shutil.copy(Path(committed_template.split("///", 1)[1]), path)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield url, engine
    with make_sessionmaker(engine)() as s:
        assert_ledger_clean(s)
    if is_postgres(url):
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            # Bypass the append-only guards (they are triggers) to empty the test database.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def requires_postgres(database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL row locks (set WMS_TEST_DATABASE_URL)")


# --- API helpers ---------------------------------------------------------------

@dataclass
class Api:
    """A test client that speaks for one token."""

    client: object
    token: str

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path, headers=None, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(headers), **kw)

    def post(self, path, json=None, headers=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(headers), **kw)

    def patch(self, path, json=None, headers=None, **kw):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(headers), **kw)

    def delete(self, path, headers=None, **kw):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers), **kw)


@pytest.fixture
def make_api(client, session):
    def make(role="admin", seller=None, warehouses=None, channel=None):
        _token, raw = create_token(
            session, ADMIN, name=f"test {role}", role=role, seller=seller,
            warehouses=warehouses, channel=channel,
        )
        return Api(client, raw)

    return make


@pytest.fixture
def admin_api(make_api):
    return make_api("admin")
