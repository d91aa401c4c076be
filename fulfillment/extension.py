"""How fulfillment plugs into the core (read by wms.extensions)."""
from __future__ import annotations

import click

from wms.extensions import Extension


def _subscribe() -> None:
    from wms.inventory.hooks import stock_commitments
    from wms.ledger.events import stock_available

    stock_available.connect(_allocate_backorders)
    stock_commitments.connect(_open_picks)


def _open_picks(session, *, warehouse_id):
    """What open picks will take from each bin (moves leave it there)."""
    from fulfillment.queries import open_pick_commitments

    return open_pick_commitments(session, warehouse_id)


def _allocate_backorders(session, *, keys) -> None:
    """Stock arrived (after commit): waiting backorders take it, oldest first."""
    from fulfillment.orders import allocate_backorders

    allocate_backorders(session, keys)


@click.group("orders")
def orders_command() -> None:
    """Orders."""


@orders_command.command("allocate-backorders")
def allocate_backorders_command() -> None:
    """Allocate every backorder that stock now allows, oldest first (stock
    arrivals do this at once; run it after a crash or from cron to heal)."""
    from fulfillment.orders import allocate_all_backorders
    from wms.cli import open_session

    engine, session = open_session()
    try:
        count = allocate_all_backorders(session)
    finally:
        session.close()
        engine.dispose()
    click.echo(f"{count} backorder(s) allocated")


def register() -> Extension:
    from fulfillment.api import blp
    from fulfillment.demo import demo_orders
    from fulfillment.portal import dashboard_panels
    from fulfillment.web import bp, home_menu, portal_nav

    return Extension(
        name="fulfillment",
        api_blueprints=[blp],
        web_blueprints=[bp],
        cli_commands=[orders_command],
        model_modules=["fulfillment.models"],
        demo=demo_orders,
        subscribe=_subscribe,
        page_sections={"home_menu": home_menu, "portal_nav": portal_nav, "dashboard": dashboard_panels},
    )
