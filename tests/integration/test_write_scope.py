"""wms.db's write scope: a service commits unless the request defers; then
the request commits once. Write transactions start as writes on SQLite."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from wms.db import (
    after_commit,
    defer_commits,
    end_deferral,
    make_engine,
    make_sessionmaker,
    rollback,
    transaction,
    write_scope,
)


@pytest.fixture
def sqlite_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'scope.db'}", busy_timeout_ms=0)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def test_a_write_transaction_takes_sqlites_write_lock_before_its_first_read(sqlite_file):
    first, second = make_sessionmaker(sqlite_file)(), make_sessionmaker(sqlite_file)()
    with transaction(first):
        first.execute(text("SELECT count(*) FROM t"))  # only a read so far, yet the lock is held
        with pytest.raises(OperationalError, match="locked"), transaction(second):
            second.execute(text("SELECT 1"))
        first.execute(text("INSERT INTO t VALUES (1)"))
    second.execute(text("SELECT count(*) FROM t"))  # a plain read begins a deferred transaction
    with transaction(first):
        first.execute(text("INSERT INTO t VALUES (2)"))
    assert second.scalar(text("SELECT count(*) FROM t")) == 1  # its snapshot predates the second insert
    second.rollback()
    assert second.scalar(text("SELECT count(*) FROM t")) == 2
    first.close(), second.close()


def test_services_join_the_outer_transaction_and_commit_once(sqlite_file):
    session = make_sessionmaker(sqlite_file)()
    ran = []
    with transaction(session):
        session.execute(text("INSERT INTO t VALUES (1)"))
        with transaction(session):
            after_commit(session, lambda s: ran.append("hook"))
            assert write_scope(session).depth == 1
        assert ran == []
    assert ran == ["hook"] and write_scope(session).depth == 0
    session.close()


def test_a_deferred_request_flushes_and_commits_once_with_its_answer(sqlite_file):
    session = make_sessionmaker(sqlite_file)()
    other = make_sessionmaker(sqlite_file)()
    ran = []
    defer_commits(session, 42)
    assert write_scope(session).idempotency_key_id == 42
    with transaction(session):
        session.execute(text("INSERT INTO t VALUES (1)"))
        after_commit(session, lambda s: ran.append("hook"))
    with transaction(session):  # a second service of the same request
        session.execute(text("INSERT INTO t VALUES (2)"))
    assert write_scope(session).pending and ran == []
    assert other.scalar(text("SELECT count(*) FROM t")) == 0
    other.rollback()
    end_deferral(session)
    session.commit()
    assert other.scalar(text("SELECT count(*) FROM t")) == 2
    assert write_scope(session).idempotency_key_id is None
    session.close(), other.close()


def test_a_failed_service_rolls_back_and_drops_its_hooks(sqlite_file):
    session = make_sessionmaker(sqlite_file)()
    ran = []
    with pytest.raises(ZeroDivisionError), transaction(session):
        session.execute(text("INSERT INTO t VALUES (1)"))
        after_commit(session, lambda s: ran.append("hook"))
        raise ZeroDivisionError("the service failed")
    assert write_scope(session).after_commit == [] and write_scope(session).depth == 0
    with transaction(session):
        pass
    assert ran == [] and session.scalar(text("SELECT count(*) FROM t")) == 0
    defer_commits(session, 1)
    with transaction(session):
        session.execute(text("INSERT INTO t VALUES (1)"))
        after_commit(session, lambda s: ran.append("hook"))
    rollback(session)
    assert not write_scope(session).pending and write_scope(session).after_commit == []
    session.close()
