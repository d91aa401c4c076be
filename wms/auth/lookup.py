"""One row by id, as a caller may see it.

Every area looks its documents up the same way: the role must be allowed,
and a row of another seller or of a warehouse the operator does not work in
is "not found", exactly like a row that does not exist, so that an id never
tells whether something foreign is behind it."""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.errors import NotFound

T = TypeVar("T")


def get_visible(session: Session, actor: Principal, model: type[T], row_id: int, *, roles: tuple[str, ...] | None,
                what: str, seller: str | None = None, warehouse: str | None = "warehouse_id",
                for_update: bool = False) -> T:
    """The `model` row `row_id` if `actor` has one of `roles` (any role for
    None) and may see the
    row's seller (the attribute named by `seller`) and warehouse (`warehouse`);
    otherwise NotFound("<what> not found"). `for_update` locks the row."""
    if roles is not None:
        actor.require(*roles)
    # get() answers from the session's identity map when it can; a lock always asks the database.
    row = session.get(model, row_id, with_for_update=True if for_update else None)
    if row is None or (seller and not actor.can_see_seller(getattr(row, seller))) or (
            warehouse and not actor.can_see_warehouse(getattr(row, warehouse))):
        raise NotFound(f"{what} not found")
    return row
