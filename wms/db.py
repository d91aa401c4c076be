"""Engine, sessions, the declarative Base, and the write scope.

The write rule, in one place: **a service commits, unless the request defers;
then the request commits once, together with its stored response.**

::

    service call (CLI, demo, tests, a request without a key)
      with transaction(session):      BEGIN (IMMEDIATE on SQLite)
          work, nested services join  ──────────────────────────────
      COMMIT ──> after-commit hooks   (each in a transaction of its own)

    idempotent request (Idempotency-Key header, or a web form's key)
      claim_key         INSERT the claim; COMMIT          defer_commits(session, key id)
      view → services   with transaction(session): work; FLUSH only (scope.pending)
      record_response   UPDATE the key with the response; COMMIT work + response together
                        ──> after-commit hooks                          end_deferral(session)
      on error          ROLLBACK; hooks dropped; the claim released (5xx) or the error recorded (4xx)

Everything this needs to remember lives in one ``WriteScope`` per session
(``write_scope(session)``): whether a transaction is running (services called
by services join it), whether commits are deferred and for which idempotency
key (the ledger stamps it on each movement), whether deferred work is waiting,
and the after-commit hooks. On SQLite a write transaction starts with BEGIN
IMMEDIATE (``begin_write``), because a deferred transaction that reads and
then writes fails with SQLITE_BUSY instead of waiting for the lock.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from wms import cache

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


# The range of PostgreSQL's integer (every id and quantity column but the
# ledger's BIGINT ids): input beyond it is refused before any query.
INT32_MIN, INT32_MAX, INT64_MAX = -(2**31), 2**31 - 1, 2**63 - 1


# A quantity that accumulates over many requests (balances, stock levels,
# received totals, a count's snapshot of a balance): BIGINT on PostgreSQL
# (SQLite's INTEGER is 64-bit already). Quantities one request carries (a
# posting, an order line, an ASN line's expected) stay INTEGER: a request's
# number beyond 2^31-1 is refused at the door, and a posting beyond it by the ledger.
QUANTITY = BigInteger().with_variant(Integer, "sqlite")

# The window every timestamp a client may send must fall in (inclusive, UTC):
# wms.schemas.Timestamp refuses what lies outside, and `wms check` reports rows
# stored outside it before this bound existed (`wms repair timestamps` clamps
# them). PostgreSQL stores years Python cannot represent (10000, BC);
# such a row would otherwise break every query that loads it.
TIMESTAMP_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2100, 1, 1, tzinfo=UTC)


def timestamp_in_range(value: datetime) -> bool:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return TIMESTAMP_MIN <= value <= TIMESTAMP_MAX


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
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _register_bounded_timestamps)
    return engine


def _register_bounded_timestamps(dbapi_connection, _record) -> None:
    dbapi_connection.adapters.register_loader("timestamptz", _bounded_timestamptz_loader())


@functools.cache
def _bounded_timestamptz_loader():
    """A timestamptz loader that reads a value Python cannot hold (year
    10000 or BC, stored before the API bounded its timestamps) as
    datetime.max / datetime.min instead of failing the whole query: one bad
    row must not take down every list and screen that loads it. `wms check`
    reports such rows and `wms repair timestamps` clamps them."""
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    fast = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)

    class BoundedTimestamptzLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._inner = fast(oid, context)

        def load(self, data):
            try:
                return self._inner.load(data)
            except psycopg.DataError:
                before_christ = bytes(data).rstrip().endswith(b"BC")
                return (datetime.min if before_christ else datetime.max).replace(tzinfo=UTC)

    return BoundedTimestamptzLoader


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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def make_sessionmaker(bind, **kwargs) -> sessionmaker[Session]:
    kwargs.setdefault("expire_on_commit", False)
    return sessionmaker(bind=bind, **kwargs)


# The execution option that marks a connection's transaction as a write:
# the SQLite "begin" listener reads it to choose BEGIN IMMEDIATE.
_WRITE = "wms_write"
_SCOPE = "wms_write_scope"


@dataclass
class WriteScope:
    """What a session's writes must remember (one per session)."""

    # Nesting depth of transaction(): a service called by another joins its transaction.
    depth: int = 0
    # Set while an idempotent request runs: services flush, the request commits.
    deferred: bool = False
    # The request's idempotency key (stamped on the movements it posts).
    idempotency_key_id: int | None = None
    # Deferred work flushed and not yet committed.
    pending: bool = False
    # fn(session) to run once the current write transaction has committed.
    after_commit: list[Callable[[Session], None]] = field(default_factory=list)


def write_scope(session: Session) -> WriteScope:
    scope = session.info.get(_SCOPE)
    if scope is None:
        scope = session.info[_SCOPE] = WriteScope()
    return scope


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a write (BEGIN IMMEDIATE on
    SQLite); a transaction already running is left as it is."""
    if not session.in_transaction():
        session.connection(execution_options={_WRITE: True})


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Run a service's work as one write transaction, committed at the end
    (or only flushed while the request defers). Re-entrant: a service called
    from inside another joins its transaction."""
    scope = write_scope(session)
    if scope.depth:
        yield session
        return
    if session.in_transaction() and not scope.pending:
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a write transaction must not start with unflushed changes")
        # End the read transaction (auth lookups) so the write starts afresh
        # with BEGIN IMMEDIATE on SQLite.
        session.commit()
    begin_write(session)
    scope.depth += 1
    try:
        yield session
        if scope.deferred:
            session.flush()
            scope.pending = True
        else:
            session.commit()
    except BaseException:
        rollback(session)
        raise
    finally:
        scope.depth -= 1
    if not scope.deferred:
        run_after_commit(session)


def defer_commits(session: Session, idempotency_key_id: int) -> None:
    """From now on services only flush: the request commits their work once,
    with the response it stores under this idempotency key."""
    scope = write_scope(session)
    scope.deferred, scope.idempotency_key_id, scope.pending = True, idempotency_key_id, False


def end_deferral(session: Session) -> None:
    """Services commit for themselves again (the request is answered)."""
    scope = write_scope(session)
    scope.deferred, scope.idempotency_key_id, scope.pending = False, None, False


def after_commit(session: Session, fn: Callable[[Session], None]) -> None:
    """Run fn(session) once the current write transaction has committed, in
    a transaction of its own (work that must not hold this one's locks)."""
    hooks = write_scope(session).after_commit
    if fn not in hooks:
        hooks.append(fn)


def rollback(session: Session) -> None:
    """Roll back the session's transaction; its after-commit hooks are dropped
    with it (what they would follow never happened)."""
    session.rollback()
    scope = write_scope(session)
    scope.after_commit.clear()
    scope.pending = False


def run_after_commit(session: Session) -> None:
    hooks = write_scope(session).after_commit
    while hooks:
        hooks.pop(0)(session)


def codes_of(session: Session, model, ids) -> dict[int, str]:
    """{id: code} of the model's rows with these ids, in one query at most
    (views show codes, never ids alone); None ids are ignored. Codes never
    change once given, so they are kept per process (wms.cache)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    db, table = cache.database_of(session), model.__tablename__
    found, missing = {}, set()
    for i in wanted:
        code = _codes.get((db, table, i))
        if code is cache.MISSING:
            missing.add(i)
        else:
            found[i] = code
    if missing:
        for i, code in session.execute(select(model.id, model.code).where(model.id.in_(missing))).all():
            found[i] = code
            _codes.put(session, (db, table, i), code)
    return found


_codes = cache.Cache("codes", maxsize=200_000)
