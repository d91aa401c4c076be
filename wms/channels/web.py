"""The channels' pages in the seller portal: each channel with its
listings (desired against pushed quantity, last push, the marketplace's
error message, drift found by reconciliation), a button that asks for a
reconciliation and one that retries a failing listing; and the dashboard's
sync failures. A blueprint of its own, registered through the extension."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from wms.channels.models import Channel, Listing, channel_warehouses
from wms.channels.services import get_channel, list_channels, list_listings, request_reconcile, retry_listing
from wms.channels.views import channel_view, channel_views, listing_views
from wms.errors import DomainError
from wms.idempotency import form_idempotency_key
from wms.web.blueprints import screens_blueprint
from wms.web.dashboard import N_, panel, tile
from wms.web.pages import db, done, principal, render

bp = screens_blueprint("channels_web", __name__, template_folder="templates")

LISTINGS_PAGE = 200
STATUSES = ("failing", "dead", "pending", "synced")


@bp.get("/channels")
def channels():
    actor = principal()
    found = list_channels(db(), actor, limit=200)[:200]
    return render("channels/channels.html", channels=channel_views(db(), found))


@bp.get("/channels/<int:channel_id>")
def channel_page(channel_id: int, *, error: DomainError | None = None):
    actor = principal()
    channel = get_channel(db(), actor, channel_id)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    after = request.args.get("after", 0, type=int)
    listings = list_listings(db(), actor, channel.id, status=status, after_id=after, limit=LISTINGS_PAGE)
    more = len(listings) > LISTINGS_PAGE
    listings = listings[:LISTINGS_PAGE]
    return render("channels/channel.html", error.status if error else 200, error=error,
                  channel=channel_view(db(), channel), listings=listing_views(db(), listings), listing_status=status,
                  statuses=STATUSES, next_after=listings[-1].id if more else None,
                  can_manage=actor.role in ("admin", "seller"))


@bp.post("/channels/<int:channel_id>/reconcile")
@form_idempotency_key
def reconcile(channel_id: int):
    try:
        channel = request_reconcile(db(), principal(), channel_id)
    except DomainError as error:
        return channel_page(channel_id, error=error)
    return done("channels_web.channel_page", gettext(
        "%(name)s: the sync worker will read the marketplace's quantities and correct any drift.",
        name=channel.name), channel_id=channel_id)


@bp.post("/channels/<int:channel_id>/listings/<int:listing_id>/retry")
@form_idempotency_key
def retry(channel_id: int, listing_id: int):
    try:
        retry_listing(db(), principal(), channel_id, listing_id)
    except DomainError as error:
        return channel_page(channel_id, error=error)
    return done("channels_web.channel_page", gettext("The listing will be pushed again."), channel_id=channel_id)


def portal_nav() -> list[tuple[str, str, tuple[str, ...]]]:
    return [(N_("Channels"), "channels_web.channels", ("admin", "seller"))]


def dashboard_panels(session, actor, warehouse, day) -> list[dict]:
    """Sync failures of the channels that sell this warehouse's stock."""
    selling = select(channel_warehouses.c.channel_id).where(channel_warehouses.c.warehouse_id == warehouse.id)
    failing, dead = session.execute(
        select(func.count().filter(Listing.state == "active", Listing.attempts > 0),
               func.count().filter(Listing.state == "dead"))
        .where(Listing.channel_id.in_(selling))
    ).one()
    paused = session.scalar(select(func.count()).select_from(Channel).where(
        Channel.id.in_(selling), Channel.status == "paused")) or 0
    url = url_for("channels_web.channels")
    return [panel(N_("Marketplace sync"), [
        tile(N_("Listings failing"), int(failing), url, "warn" if failing else ""),
        tile(N_("Listings refused"), int(dead), url, "bad" if dead else ""),
        tile(N_("Channels paused"), int(paused), url, "bad" if paused else ""),
    ])]
