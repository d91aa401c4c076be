"""What post_movement hands back: the movement as the database holds it,
with its postings, built from what was written rather than read back."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from tests.factories import loc, make_world
from wms.errors import InsufficientStock
from wms.ledger.models import Movement, Posting
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement

MOVEMENT_COLUMNS = [c.key for c in Movement.__table__.columns]
POSTING_COLUMNS = [c.key for c in Posting.__table__.columns]


def _rows(session, table, *where, order_by=None):
    stmt = select(table).where(*where)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    return [dict(row._mapping) for row in session.execute(stmt)]


def test_the_movement_returned_is_the_movement_stored(session):
    world = make_world(session)
    source, target = loc(session, world.wh1, "A01-01-1"), loc(session, world.wh1, "A02-01-1")
    movement = post_movement(
        session, warehouse_id=world.wh1.id, kind="move", reference="R-1", note="to the front",
        lines=[PostingLine(source.id, world.skus_a[0].id, -4), PostingLine(target.id, world.skus_a[0].id, 4)],
    )

    stored = _rows(session, Movement.__table__, Movement.__table__.c.id == movement.id)
    assert [{c: getattr(movement, c) for c in MOVEMENT_COLUMNS}] == stored
    stored_postings = _rows(session, Posting.__table__, Posting.__table__.c.movement_id == movement.id,
                            order_by=Posting.__table__.c.id)
    assert [{c: getattr(p, c) for c in POSTING_COLUMNS} for p in movement.postings] == stored_postings
    assert session.get(Movement, movement.id) is movement  # in the session's identity map


def test_its_postings_are_there_without_another_query_and_after_the_session_closes(session):
    world = make_world(session)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(session.connection(), "before_cursor_execute", listener)
    try:
        # A move between two bins: no available stock arrives, so no arrival
        # listener runs after the commit (its own transaction would expire
        # the session's objects, which says nothing about post_movement).
        movement = post_movement(
            session, warehouse_id=world.wh1.id, kind="move",
            lines=[PostingLine(loc(session, world.wh1, "A01-01-1").id, world.skus_a[0].id, -3),
                   PostingLine(loc(session, world.wh1, "A02-02-1").id, world.skus_a[0].id, 3)],
        )
        statements.clear()
        assert sorted(p.qty for p in movement.postings) == [-3, 3]
        assert [p.movement_id for p in movement.postings] == [movement.id, movement.id]
        assert statements == []
    finally:
        event.remove(session.connection(), "before_cursor_execute", listener)
    session.expunge(movement)
    assert len(movement.postings) == 2


def test_a_refused_movement_leaves_nothing_in_the_session(session):
    world = make_world(session)
    source, target = loc(session, world.wh1, "A01-01-1"), loc(session, world.wh1, "A02-01-1")
    before = {key for key in session.identity_map if key[0] in (Movement, Posting)}
    with pytest.raises(InsufficientStock):
        post_movement(
            session, warehouse_id=world.wh1.id, kind="move",
            lines=[PostingLine(source.id, world.skus_a[0].id, -11), PostingLine(target.id, world.skus_a[0].id, 11)],
        )
    assert {key for key in session.identity_map if key[0] in (Movement, Posting)} == before
