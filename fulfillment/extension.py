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


@orders_command.command("stuck")
@click.option("--hours", type=click.IntRange(min=1), default=None,
              help="report orders holding stock for longer than this (default WMS_STUCK_ORDER_HOURS, 72)")
@click.option("--release", is_flag=True, help="cancel them, releasing their reservations through the ledger")
def stuck_command(hours: int | None, release: bool) -> None:
    """Orders that reserve or hold stock without shipping for too long: one
    line each. Exits 1 when any is left standing (for a cron job's alert)."""
    from datetime import timedelta

    from fulfillment.stuck import release_stuck, stuck_orders
    from wms.cli import open_session
    from wms.config import Settings
    from wms.db import utcnow

    hours = hours or Settings.from_env().stuck_order_hours
    engine, session = open_session()
    try:
        now = utcnow()
        found = stuck_orders(session, older_than=timedelta(hours=hours), now=now)
        session.rollback()
        for order in found:
            click.echo(f"order {order.id} {order.reference} seller {order.seller} warehouse {order.warehouse or '-'} "
                       f"{order.status} for {order.age_hours(now):.0f} h: {order.reserved} reserved, "
                       f"{order.picked} picked")
        released = release_stuck(session, found) if release and found else 0
    finally:
        session.close()
        engine.dispose()
    click.echo(f"{len(found)} order(s) holding stock for more than {hours} h"
               + (f"; {released} cancelled and released" if release else ""))
    if found and not release:
        raise SystemExit(1)


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
