"""Channels and listings: creating and changing them, the pull feed, and the
requests a seller makes of the sync (reconcile, retry a dead listing,
resume a paused channel). Each function is one transaction."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Seller, Sku
from wms.catalog.services import owning_seller
from wms.channels import secrets
from wms.channels.desired import refresh_channel, refresh_listings
from wms.channels.kinds import KINDS, split_settings
from wms.channels.models import Channel, Listing
from wms.db import transaction, utcnow
from wms.errors import Conflict, InvalidState, NotFound, ValidationFailed
from wms.facility.models import Warehouse

MAX_LISTINGS_PER_UPLOAD = 1000


def _warehouses(session: Session, codes: list[str]) -> list[Warehouse]:
    if not codes:
        raise ValidationFailed(warehouses="name at least one warehouse")
    found = list(session.scalars(select(Warehouse).where(Warehouse.code.in_(codes))))
    unknown = sorted(set(codes) - {w.code for w in found})
    if unknown:
        raise ValidationFailed(warehouses=f"unknown warehouse {unknown[0]!r}")
    return found


def _rules(rules: dict, into: Channel) -> None:
    into.buffer = rules.get("buffer", into.buffer if into.buffer is not None else 0)
    into.percent = rules.get("percent", into.percent if into.percent is not None else 100)
    if "max_qty" in rules:
        into.max_qty = rules["max_qty"]


def create_channel(session: Session, actor: Principal, data: dict) -> Channel:
    """A seller's new channel. Its settings' secrets are sealed at once."""
    with transaction(session):
        seller_id = owning_seller(session, actor, data.get("seller"), what="channels")
        kind = data["kind"]
        plain, secret, errors = split_settings(kind, data.get("settings") or {})
        if errors:
            raise ValidationFailed(errors=errors)
        if session.scalar(select(Channel.id).where(Channel.seller_id == seller_id, Channel.name == data["name"])):
            raise Conflict(f"the seller already has a channel named {data['name']!r}", {"name": "already exists"})
        channel = Channel(
            seller_id=seller_id, name=data["name"], kind=kind, status="active", settings=plain,
            credentials=secrets.seal(secret), warehouses=_warehouses(session, data["warehouses"]),
            buffer=0, percent=100, max_qty=None, version=0,
        )
        _rules(data.get("rules") or {}, channel)
        session.add(channel)
        session.flush()
        return channel


def get_channel(session: Session, actor: Principal, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id, populate_existing=True)
    if channel is None or not actor.can_see_seller(channel.seller_id) or (
            actor.role == "channel" and actor.channel_id != channel_id):
        raise NotFound("channel not found")
    if actor.role == "operator":
        raise NotFound("channel not found")
    return channel


def _manageable(session: Session, actor: Principal, channel_id: int) -> Channel:
    actor.require("admin", "seller")
    return get_channel(session, actor, channel_id)


def list_channels(session: Session, actor: Principal, *, after_id: int = 0, limit: int = 50) -> list[Channel]:
    actor.require("admin", "seller", "channel")
    stmt = select(Channel).where(Channel.id > after_id, actor.seller_filter(Channel.seller_id))
    if actor.role == "channel":
        stmt = stmt.where(Channel.id == actor.channel_id)
    return list(session.scalars(stmt.order_by(Channel.id).limit(limit + 1)))


def update_channel(session: Session, actor: Principal, channel_id: int, changes: dict) -> Channel:
    """Change a channel's name, warehouses, settings, rules or status; the
    listings' desired state follows in the same transaction."""
    with transaction(session):
        channel = _manageable(session, actor, channel_id)
        # Lock order: listings before their channel (wms.channels.desired).
        session.execute(select(Listing.id).where(Listing.channel_id == channel_id)
                        .order_by(Listing.id).with_for_update()).all()
        session.refresh(channel, with_for_update=True)
        if "name" in changes and changes["name"] != channel.name:
            if session.scalar(select(Channel.id).where(Channel.seller_id == channel.seller_id,
                                                       Channel.name == changes["name"])):
                raise Conflict(f"the seller already has a channel named {changes['name']!r}",
                               {"name": "already exists"})
            channel.name = changes["name"]
        if "settings" in changes:
            current_secrets = secrets.unseal(channel.credentials)
            merged = {**channel.settings, **current_secrets, **changes["settings"]}
            plain, secret, errors = split_settings(channel.kind, {k: v for k, v in merged.items() if v is not None})
            if errors:
                raise ValidationFailed(errors=errors)
            channel.settings = plain
            channel.credentials = secrets.seal(secret)
        if "warehouses" in changes:
            channel.warehouses = _warehouses(session, changes["warehouses"])
        if "rules" in changes:
            _rules(changes["rules"], channel)
        if "status" in changes:
            channel.status = changes["status"]
            channel.status_reason = None if changes["status"] == "active" else "paused by the seller"
            if changes["status"] == "active":
                channel.throttled_until = None
        session.flush()
        refresh_channel(session, channel.id)
        session.refresh(channel)
        return channel


def add_listings(session: Session, actor: Principal, channel_id: int, listings: list[dict]) -> list[Listing]:
    """Map SKUs to the marketplace's ids (bulk). A SKU already listed at that
    location gets the new external id; the listings' desired state is set in
    the same transaction."""
    with transaction(session):
        channel = _manageable(session, actor, channel_id)
        if len(listings) > MAX_LISTINGS_PER_UPLOAD:
            raise ValidationFailed(listings=f"at most {MAX_LISTINGS_PER_UPLOAD} per request")
        spec = KINDS[channel.kind]
        refs = [item["sku"] for item in listings]
        codes = [r for r in refs if isinstance(r, str)]
        ids = [r for r in refs if isinstance(r, int)]
        by_code = dict(session.execute(select(Sku.code, Sku.id).where(Sku.seller_id == channel.seller_id,
                                                                      Sku.code.in_(codes))).all()) if codes else {}
        by_id = set(session.scalars(select(Sku.id).where(Sku.seller_id == channel.seller_id,
                                                         Sku.id.in_(ids)))) if ids else set()
        errors = {}
        wanted: dict[tuple[int, str], str] = {}
        for i, item in enumerate(listings):
            ref = item["sku"]
            sku_id = by_code.get(ref) if isinstance(ref, str) else (ref if ref in by_id else None)
            if sku_id is None:
                errors[f"listings.{i}.sku"] = f"unknown SKU {ref!r}"
                continue
            location = item.get("location_id") or ""
            if spec.needs_location and not location:
                errors[f"listings.{i}.location_id"] = f"required for a {channel.kind} channel"
            key = (sku_id, location)
            if key in wanted:
                errors[f"listings.{i}.sku"] = "listed twice in this request"
            wanted[key] = item["external_id"]
        externals = [(e, loc) for (_s, loc), e in wanted.items()]
        if len(set(externals)) != len(externals):
            errors["listings"] = "two SKUs map to the same external id"
        if errors:
            raise ValidationFailed(errors=errors)
        existing = {
            (row.sku_id, row.location_ref): row
            for row in session.scalars(select(Listing).where(Listing.channel_id == channel.id)
                                       .order_by(Listing.id).with_for_update())
        }
        taken = {(row.external_id, row.location_ref): key for key, row in existing.items()}
        touched = []
        for (sku_id, location), external_id in wanted.items():
            holder = taken.get((external_id, location))
            if holder is not None and holder != (sku_id, location):
                raise Conflict(f"external id {external_id!r} is already listed for another SKU",
                               {"listings": f"{external_id!r} already listed"})
            row = existing.get((sku_id, location))
            if row is None:
                row = Listing(channel_id=channel.id, seller_id=channel.seller_id, sku_id=sku_id,
                              external_id=external_id, location_ref=location, state="active", desired_qty=0,
                              version=0, pushed_version=0, attempts=0, pushes=0, changed_at=utcnow())
                session.add(row)
            elif row.external_id != external_id:
                # A new mapping: whatever was pushed went to the old id.
                row.external_id, row.pushed_qty, row.pushed_version = external_id, None, 0
                row.state, row.attempts, row.last_error = "active", 0, None
            touched.append(row)
        session.flush()
        refresh_listings(session, [row.id for row in touched])
        # Their desired state was set by a Core update: read it back in one query (a refresh
        # per row was 1,000 round trips for a full upload).
        ids = [row.id for row in touched]
        session.scalars(select(Listing).where(Listing.id.in_(ids)).execution_options(populate_existing=True)).all()
        return touched


def list_listings(session: Session, actor: Principal, channel_id: int, *, status: str | None = None,
                  after_id: int = 0, limit: int = 50) -> list[Listing]:
    channel = get_channel(session, actor, channel_id)
    stmt = select(Listing).where(Listing.channel_id == channel.id, Listing.id > after_id)
    if status == "dead":
        stmt = stmt.where(Listing.state == "dead")
    elif status == "synced":
        stmt = stmt.where(Listing.state == "active", Listing.pushed_version >= Listing.version,
                          Listing.pushed_qty.is_not(None))
    elif status in ("pending", "failing"):
        stmt = stmt.where(Listing.state == "active",
                          (Listing.pushed_version < Listing.version) | Listing.pushed_qty.is_(None),
                          Listing.attempts > 0 if status == "failing" else Listing.attempts == 0)
    stmt = stmt.order_by(Listing.id).limit(limit + 1).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def stock_feed(session: Session, actor: Principal, channel_id: int, *, since_version: int = 0,
               after_id: int = 0, limit: int = 50) -> tuple[int, list[Listing]]:
    """The pull feed: the channel's version, then its listings changed after
    since_version. The version is read first, so a change committing in
    between is sent again next time rather than missed."""
    actor.require("admin", "seller", "channel")
    channel = get_channel(session, actor, channel_id)
    version = session.scalar(select(Channel.version).where(Channel.id == channel.id))
    rows = session.scalars(
        select(Listing).where(Listing.channel_id == channel.id, Listing.version > since_version,
                              Listing.id > after_id)
        .order_by(Listing.id).limit(limit + 1).execution_options(populate_existing=True)
    )
    return version, list(rows)


def request_reconcile(session: Session, actor: Principal, channel_id: int) -> Channel:
    """Ask the worker to read the marketplace's quantities and heal drift."""
    with transaction(session):
        channel = _manageable(session, actor, channel_id)
        channel.reconcile_requested_at = utcnow()
        session.flush()
        return channel


def retry_listing(session: Session, actor: Principal, channel_id: int, listing_id: int) -> Listing:
    """A dead listing (the seller fixed it on the marketplace) is pushed again."""
    with transaction(session):
        channel = _manageable(session, actor, channel_id)
        listing = session.get(Listing, listing_id, with_for_update=True, populate_existing=True)
        if listing is None or listing.channel_id != channel.id:
            raise NotFound("listing not found")
        if listing.state != "dead" and listing.attempts == 0:
            raise InvalidState("the listing is not failing", {"status": listing.status})
        listing.state, listing.attempts, listing.next_attempt_at = "active", 0, None
        session.flush()
        return listing


def seller_code(session: Session, seller_id: int) -> str:
    return session.scalar(select(Seller.code).where(Seller.id == seller_id))


def pause_channel(session: Session, channel_id: int, reason: str) -> None:
    """The worker stops pushing to a channel that refuses our credentials,
    instead of hammering it; the seller sees why and resumes it."""
    with transaction(session):
        session.execute(update(Channel).where(Channel.id == channel_id)
                        .values(status="paused", status_reason=reason[:2000]))
