"""PostgreSQL row-level security: a second wall behind the services' scoped
queries (issue 13, item 10).

Migration 0015 enables row-level security on the tables that carry an owner
(a seller: ``seller_id`` / ``owner_id``; a warehouse: ``warehouse_id``) and
creates the role ``quayside_scoped`` (no login, no BYPASSRLS). Its policies
apply to that role only:

* a seller's or channel's request runs as ``quayside_scoped`` with
  ``app.scope = 'seller'`` and ``app.seller_id``: rows of another seller are
  invisible, and writing one fails (WITH CHECK);
* an operator's request runs with ``app.scope = 'operator'`` and
  ``app.warehouse_ids``: rows of another warehouse are invisible;
* as ``quayside_scoped`` with no scope set, nothing is visible;
* everything else (admins, the CLI, the sync worker, background jobs,
  migrations) never switches role: the explicit bypass. The connecting role
  owns the tables (or meets the policy ``unscoped`` for any role other than
  ``quayside_scoped``), so it sees every row as before.

The role and the settings are set per transaction (``SET LOCAL``), by the
session event below, on every transaction a scoped request's session begins:
a pooled connection never carries them into another request. SQLite has no
row-level security; there this module does nothing.
"""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from wms.auth.principal import Principal

ROLE = "quayside_scoped"
_INFO = "row_security"  # session.info key: the settings of the session's scoped transactions
_APPLIED = "row_security_applied"


def settings_for(principal: Principal) -> dict[str, str] | None:
    """The app.* settings of a principal's transactions, or None for those
    that see every row (admins and the system)."""
    if principal.role in ("seller", "channel"):
        return {"app.scope": "seller", "app.seller_id": str(principal.seller_id or 0), "app.warehouse_ids": ""}
    if principal.role == "operator":
        return {"app.scope": "operator", "app.seller_id": "",
                "app.warehouse_ids": ",".join(str(i) for i in sorted(principal.warehouse_ids))}
    return None


def enter(session: Session, principal: Principal) -> None:
    """From now on, every transaction of this session runs in the principal's
    scope (on PostgreSQL); the one already open too."""
    settings = settings_for(principal)
    if settings is None or session.get_bind().dialect.name != "postgresql":
        return
    session.info[_INFO] = settings
    if session.in_transaction():
        _apply(session, session.connection())


def _apply(session: Session, connection) -> None:
    settings = session.info[_INFO]
    # One round trip (issue 12): set_config('role', ..., true) is SET LOCAL ROLE.
    connection.execute(text(f"SELECT set_config('role', '{ROLE}', true), set_config('app.scope', :scope, true), "
                            "set_config('app.seller_id', :seller, true), "
                            "set_config('app.warehouse_ids', :warehouses, true)"),
                       {"scope": settings["app.scope"], "seller": settings["app.seller_id"],
                        "warehouses": settings["app.warehouse_ids"]})
    session.info[_APPLIED] = True


@event.listens_for(Session, "after_begin")
def _scope_transaction(session: Session, _transaction, connection) -> None:
    if _INFO in session.info:
        _apply(session, connection)


@event.listens_for(Session, "before_commit")
def _leave_scope(session: Session) -> None:
    """Flush as the scoped role, then give the role back before COMMIT: a
    COMMIT ends SET LOCAL anyway, but a session joined to an outer
    transaction (the tests' savepoints) would otherwise leave it set there."""
    if session.info.pop(_APPLIED, False):
        session.flush()
        connection = session.connection()
        # RESET ROLE and the scope, in one round trip ('none' is RESET ROLE's value).
        connection.execute(text("SELECT set_config('role', 'none', true), set_config('app.scope', '', true)"))
