"""Timestamps stored outside the window the API accepts (wms.db.TIMESTAMP_MIN
to TIMESTAMP_MAX): `wms check` reports them, `wms repair timestamps` clamps
them to the nearest bound.

Before the API bounded its timestamps, a client could store e.g. ship_by
`9999-12-31T23:59:59-12:00`, which PostgreSQL keeps as year 10000: a value
Python cannot hold. Reads no longer fail on such a row (wms.db reads it as
datetime.max), but it must still be found and repaired. Every UTCDateTime
column of every model is covered, so a new column cannot be forgotten.
"""
from __future__ import annotations

from sqlalchemy import Column, Table, func, literal, or_, select, union_all, update
from sqlalchemy.orm import Session

from wms.db import TIMESTAMP_MAX, TIMESTAMP_MIN, Base, UTCDateTime, transaction
from wms.ledger.checks import Check, sample


def timestamp_columns() -> list[tuple[Table, Column]]:
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, UTCDateTime)
    ]


def _too_late(session: Session, column: Column):
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps text: a year past 9999 sorts before "2100", but julianday() cannot read it.
        return or_(column > TIMESTAMP_MAX, func.julianday(column).is_(None))
    return column > TIMESTAMP_MAX


def out_of_range(session: Session) -> list[tuple[str, str, int]]:
    """(table, column, row id) of every stored timestamp outside the window."""
    queries = [
        select(literal(table.name), literal(column.name), list(table.primary_key.columns)[0])
        .where(column.is_not(None), or_(column < TIMESTAMP_MIN, _too_late(session, column)))
        for table, column in timestamp_columns()
    ]
    rows = session.execute(union_all(*queries)).all()
    return sorted((t, c, i) for t, c, i in rows)


def check_timestamps(session: Session) -> list[str]:
    """Every stored timestamp lies within the window the API accepts."""
    return sample(
        out_of_range(session),
        lambda r: f"{r[0]} {r[2]}: {r[1]} is outside {TIMESTAMP_MIN:%Y-%m-%d}..{TIMESTAMP_MAX:%Y-%m-%d} "
                  "(run `wms repair timestamps`)",
    )


def repair_timestamps(session: Session) -> list[str]:
    """Clamp every stored timestamp outside the window to its nearest bound;
    returns what was changed."""
    found = out_of_range(session)
    session.rollback()
    if not found:
        return []
    columns = {(t.name, c.name): (t, c) for t, c in timestamp_columns()}
    with transaction(session):
        for table_name, column_name in sorted({(t, c) for t, c, _ in found}):
            table, column = columns[(table_name, column_name)]
            session.execute(update(table).where(_too_late(session, column)).values({column.name: TIMESTAMP_MAX}))
            session.execute(update(table).where(column < TIMESTAMP_MIN).values({column.name: TIMESTAMP_MIN}))
    return [f"{t} {i}: {c} clamped into {TIMESTAMP_MIN:%Y-%m-%d}..{TIMESTAMP_MAX:%Y-%m-%d}" for t, c, i in found]


CHECKS = (Check("8", "timestamps within the accepted window", check_timestamps),)
