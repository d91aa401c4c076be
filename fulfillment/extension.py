"""How fulfillment plugs into the core (read by wms.extensions)."""
from __future__ import annotations

from wms.extensions import Extension


def _subscribe() -> None:
    from wms.ledger.events import stock_available

    stock_available.connect(_allocate_backorders)


def _allocate_backorders(session, *, keys) -> None:
    """Stock arrived (after commit): waiting backorders take it, oldest first."""
    from fulfillment.orders import allocate_backorders

    allocate_backorders(session, keys)


def register() -> Extension:
    from fulfillment.api import blp
    from fulfillment.demo import demo_orders
    from fulfillment.web import orders_page

    return Extension(
        name="fulfillment",
        api_blueprints=[blp],
        model_modules=["fulfillment.models"],
        demo=demo_orders,
        subscribe=_subscribe,
        page_sections={"orders": orders_page},
    )
