"""Who is calling: the role and scope of a token, as plain data.

Services take a Principal and apply its scope inside their queries, so the
same rules hold for the API, the CLI and the web screens.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, true

from wms.errors import Forbidden, NotFound
from wms.messages import M_


@dataclass(frozen=True)
class Principal:
    role: str
    token_id: int | None = None
    seller_id: int | None = None
    warehouse_ids: frozenset[int] = field(default_factory=frozenset)
    channel_id: int | None = None
    name: str = ""
    # The person acting (a logged-in user), recorded with what they do.
    user_id: int | None = None
    # Their chosen language for the screens (None: the browser's).
    language: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The CLI and background jobs act as an admin without a token."""
        return cls(role="admin", name=name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(M_('the %(role)s role may not do this', role=self.role))

    # Scoping: a filter to AND into a query, and checks for single objects.
    def seller_filter(self, owner_column) -> ColumnElement[bool]:
        if self.role in ("seller", "channel"):
            return owner_column == self.seller_id
        return true()

    def warehouse_filter(self, warehouse_column) -> ColumnElement[bool]:
        if self.role == "operator":
            if not self.warehouse_ids:
                return false()
            return warehouse_column.in_(sorted(self.warehouse_ids))
        return true()

    def can_see_seller(self, seller_id: int) -> bool:
        return self.role not in ("seller", "channel") or seller_id == self.seller_id

    def can_see_warehouse(self, warehouse_id: int) -> bool:
        return self.role != "operator" or warehouse_id in self.warehouse_ids

    def check_seller(self, seller_id: int, what: str = "object") -> None:
        # Another seller's object is "not found": never reveal that it exists.
        if not self.can_see_seller(seller_id):
            raise NotFound(M_('%(what)s not found', what=what))

    def check_warehouse(self, warehouse_id: int, what: str = "warehouse") -> None:
        if not self.can_see_warehouse(warehouse_id):
            raise NotFound(M_('%(what)s not found', what=what))
