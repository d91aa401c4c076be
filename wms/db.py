"""Engine, sessions, the declarative Base, and the write-transaction helper.

One service call is one transaction: services wrap their work in
``transaction(session)``, which commits once at the end. On SQLite that
transaction starts with BEGIN IMMEDIATE, because a deferred transaction that
reads and then writes fails with SQLITE_BUSY instead of waiting for the lock.
"""
from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, also on
    SQLite, which stores it without an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None and dialect.name == "sqlite":
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Set while a service runs a write transaction; the SQLite "begin" listener
# reads it to choose BEGIN IMMEDIATE over a plain deferred BEGIN.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("wms_write_intent", default=False)


def is_sqlite(url_or_engine) -> bool:
    url = str(getattr(url_or_engine, "url", url_or_engine))
    return url.startswith("sqlite")


def make_engine(url: str, *, busy_timeout_ms: int = 30_000, **kwargs) -> Engine:
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def make_sessionmaker(bind, **kwargs) -> sessionmaker[Session]:
    kwargs.setdefault("expire_on_commit", False)
    return sessionmaker(bind=bind, **kwargs)


# An idempotent HTTP request stores its response in the same transaction as
# the work it did; while it runs, a service's commit only flushes and the
# request commits once the response is recorded.
DEFER_COMMIT = "wms_defer_commit"
PENDING_WRITES = "wms_pending_writes"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Run a service's work as one write transaction, committed at the end.

    Re-entrant: a service called from inside another joins its transaction.
    """
    if _write_intent.get():
        yield session
        return
    if session.in_transaction() and not session.info.get(PENDING_WRITES):
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a write transaction must not start with unflushed changes")
        # End the read transaction (auth lookups) so the write starts afresh
        # with BEGIN IMMEDIATE on SQLite.
        session.commit()
    token = _write_intent.set(True)
    try:
        yield session
        if session.info.get(DEFER_COMMIT):
            session.flush()
            session.info[PENDING_WRITES] = True
        else:
            session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        raise
    finally:
        _write_intent.reset(token)
    if not session.info.get(DEFER_COMMIT):
        run_after_commit(session)


AFTER_COMMIT = "wms_after_commit"


def after_commit(session: Session, fn) -> None:
    """Run fn(session) once the current write transaction has committed, in
    a transaction of its own (work that must not hold this one's locks)."""
    hooks = session.info.setdefault(AFTER_COMMIT, [])
    if fn not in hooks:
        hooks.append(fn)


def discard_after_commit(session: Session) -> None:
    session.info.pop(AFTER_COMMIT, None)


def run_after_commit(session: Session) -> None:
    while session.info.get(AFTER_COMMIT):
        fn = session.info[AFTER_COMMIT].pop(0)
        fn(session)


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the next transaction begun in this context as a write."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)
