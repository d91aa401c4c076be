"""How the API shows channels and listings, a whole page at once."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from wms.catalog.models import Seller, Sku
from wms.channels.kinds import KINDS
from wms.channels.models import Channel, Listing
from wms.db import codes_of


def _listing_counts(session: Session, channel_ids: list[int]) -> dict[int, dict[str, int]]:
    status = case(
        (Listing.state == "dead", "dead"),
        ((Listing.pushed_version >= Listing.version) & Listing.pushed_qty.is_not(None), "synced"),
        (Listing.attempts > 0, "failing"),
        else_="pending",
    )
    counts: dict[int, dict[str, int]] = {c: {"pending": 0, "synced": 0, "failing": 0, "dead": 0}
                                         for c in channel_ids}
    if channel_ids:
        for channel_id, name, n in session.execute(
            select(Listing.channel_id, status, func.count()).where(Listing.channel_id.in_(channel_ids))
            .group_by(Listing.channel_id, status)
        ):
            counts[channel_id][name] = n
    return counts


def channel_views(session: Session, channels: list[Channel]) -> list[dict]:
    sellers = codes_of(session, Seller, [c.seller_id for c in channels])
    counts = _listing_counts(session, [c.id for c in channels])
    return [
        {
            "id": c.id, "name": c.name, "kind": c.kind, "seller": sellers[c.seller_id], "status": c.status,
            "status_reason": c.status_reason, "warehouses": [w.code for w in c.warehouses],
            "settings": dict(c.settings or {}),
            # Which secrets are set, never what they are (the names are the kind's).
            "credentials": sorted(KINDS[c.kind].secrets) if c.credentials else [],
            "rules": {"buffer": c.buffer, "percent": c.percent, "max_qty": c.max_qty},
            "version": c.version, "throttled_until": c.throttled_until,
            "reconcile_requested_at": c.reconcile_requested_at, "last_reconciled_at": c.last_reconciled_at,
            "listings": counts[c.id], "created_at": c.created_at,
        }
        for c in channels
    ]


def channel_view(session: Session, channel: Channel) -> dict:
    return channel_views(session, [channel])[0]


def listing_views(session: Session, listings: list[Listing]) -> list[dict]:
    skus = codes_of(session, Sku, [listing.sku_id for listing in listings])
    return [
        {
            "id": x.id, "sku": skus[x.sku_id], "sku_id": x.sku_id, "external_id": x.external_id,
            "location_id": x.location_ref or None, "desired_qty": x.desired_qty, "version": x.version,
            "pushed_qty": x.pushed_qty, "pushed_version": x.pushed_version, "status": x.status,
            "last_pushed_at": x.last_pushed_at, "last_error": x.last_error, "attempts": x.attempts,
            "next_attempt_at": x.next_attempt_at, "pushes": x.pushes, "remote_qty": x.remote_qty,
            "remote_checked_at": x.remote_checked_at, "drift": x.drift,
        }
        for x in listings
    ]


def feed_views(session: Session, listings: list[Listing]) -> list[dict]:
    skus = codes_of(session, Sku, [listing.sku_id for listing in listings])
    return [
        {"sku": skus[x.sku_id], "sku_id": x.sku_id, "external_id": x.external_id,
         "location_id": x.location_ref or None, "quantity": x.desired_qty, "version": x.version}
        for x in listings
    ]


__all__ = ["channel_view", "channel_views", "listing_views", "feed_views"]
