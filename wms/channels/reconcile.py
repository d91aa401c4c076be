"""Reconciliation and visibility: read what each marketplace shows, report
drift per listing and heal it through the same path as every push (the
listing becomes due again: the worker sets the desired value), and the
per-channel status of `wms sync status`."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from wms.catalog.models import Sku
from wms.channels.connectors.base import ConnectorError, PushItem, Throttled
from wms.channels.models import Channel, ChannelFeed, Listing
from wms.db import transaction, utcnow

log = logging.getLogger("wms.sync")
_listings = Listing.__table__
_channels = Channel.__table__
PAGE = 200

_RECORD_REMOTE = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"))
    .values(remote_qty=bindparam("b_remote"), remote_checked_at=bindparam("b_at"), drift=bindparam("b_drift"))
)
# Heal: what the marketplace shows becomes what we last told it, so the
# listing is due again and the compare-and-set value is the real one. Only
# while no worker holds it and nothing was pushed since the read.
_HEAL = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"), _listings.c.lease_owner.is_(None),
           _listings.c.pushed_version == bindparam("b_pushed_version"))
    .values(pushed_qty=bindparam("b_remote"))
)


def reconcile_channel(worker, channel_id: int) -> dict:
    """Read every active listing's remote quantity; record drift (remote
    minus desired); make drifted listings due. Returns counts."""
    checked = drifted = 0
    with worker.sessions() as session:
        connector = worker.connector_for(session, channel_id)
        requested_at = session.scalar(select(Channel.reconcile_requested_at).where(Channel.id == channel_id))
        session.commit()
        if connector is None:
            return {"checked": 0, "drifted": 0}
        after = 0
        while True:
            rows = session.execute(
                select(_listings.c.id, _listings.c.external_id, _listings.c.location_ref, _listings.c.desired_qty,
                       _listings.c.version, _listings.c.pushed_qty, _listings.c.pushed_version, Sku.code)
                .join(Sku, Sku.id == _listings.c.sku_id)
                .where(_listings.c.channel_id == channel_id, _listings.c.state == "active", _listings.c.id > after)
                .order_by(_listings.c.id).limit(PAGE)
            ).all()
            session.commit()
            if not rows:
                break
            after = rows[-1].id
            items = [PushItem(r.id, r.external_id, r.location_ref, r.code, r.desired_qty, r.version, r.pushed_qty)
                     for r in rows]
            try:
                remote = connector.read(items)
            except Throttled as exc:
                time.sleep(min(5.0, exc.retry_after or 1.0))
                remote = connector.read(items)
            now = utcnow()
            with transaction(session):
                session.execute(_RECORD_REMOTE, [
                    {"b_id": r.id, "b_remote": remote.get(r.id), "b_at": now,
                     "b_drift": None if remote.get(r.id) is None else remote[r.id] - r.desired_qty}
                    for r in rows])
                heal = [{"b_id": r.id, "b_remote": remote[r.id], "b_pushed_version": r.pushed_version}
                        for r in rows if remote.get(r.id) is not None and remote[r.id] != r.desired_qty]
                if heal:
                    session.execute(_HEAL, heal)
            checked += len(rows)
            drifted += sum(1 for r in rows if remote.get(r.id) is not None and remote[r.id] != r.desired_qty)
        with transaction(session):
            stmt = update(_channels).where(_channels.c.id == channel_id).values(last_reconciled_at=utcnow())
            session.execute(stmt)
            if requested_at is not None:
                session.execute(update(_channels).where(_channels.c.id == channel_id,
                                                        _channels.c.reconcile_requested_at == requested_at)
                                .values(reconcile_requested_at=None))
    log.info("channel %s reconciled: %s checked, %s drifted", channel_id, checked, drifted)
    return {"checked": checked, "drifted": drifted}


@dataclass
class Reconciler:
    """Runs reconciliation when a seller asks (POST /channels/{id}/reconcile)
    and every `every_s` per channel (0: only when asked)."""

    worker: object
    every_s: float = 900.0
    results: dict = field(default_factory=dict)

    def due_channels(self, session: Session) -> list[int]:
        now = utcnow()
        asked = _channels.c.reconcile_requested_at.is_not(None)
        periodic = or_(_channels.c.last_reconciled_at.is_(None),
                       _channels.c.last_reconciled_at < now - timedelta(seconds=self.every_s)) \
            if self.every_s > 0 else asked
        ids = session.scalars(select(_channels.c.id).where(
            _channels.c.status == "active", or_(asked, periodic)).order_by(_channels.c.id)).all()
        session.commit()
        return list(ids)

    def run_due(self) -> dict:
        with self.worker.sessions() as session:
            channel_ids = self.due_channels(session)
        for channel_id in channel_ids:
            try:
                self.results[channel_id] = reconcile_channel(self.worker, channel_id)
            except ConnectorError as exc:
                log.warning("channel %s not reconciled: %s", channel_id, exc.message)
        return self.results


def sync_status(session: Session) -> list[dict]:
    """Per channel: listings, due (not yet showing the desired value),
    failing, dead, bulk feeds still processed by the marketplace, and the
    time of the oldest change not yet pushed."""
    unsynced = and_(_listings.c.state == "active",
                    or_(_listings.c.pushed_version < _listings.c.version, _listings.c.pushed_qty.is_(None),
                        _listings.c.pushed_qty != _listings.c.desired_qty))
    rows = session.execute(
        select(_channels.c.id, _channels.c.name, _channels.c.kind, _channels.c.status,
               func.count(_listings.c.id),
               func.sum(case((unsynced, 1), else_=0)),
               func.sum(case((and_(_listings.c.state == "active", _listings.c.attempts > 0), 1), else_=0)),
               func.sum(case((_listings.c.state == "dead", 1), else_=0)),
               func.min(case((unsynced, _listings.c.changed_at), else_=None)))
        .outerjoin(_listings, _listings.c.channel_id == _channels.c.id)
        .group_by(_channels.c.id, _channels.c.name, _channels.c.kind, _channels.c.status)
        .order_by(_channels.c.id)
    ).all()
    feeds_ = ChannelFeed.__table__
    pending = dict(session.execute(select(feeds_.c.channel_id, func.count()).where(feeds_.c.status == "pending")
                                   .group_by(feeds_.c.channel_id)).all())
    session.commit()
    return [{"id": r[0], "name": r[1], "kind": r[2], "status": r[3], "listings": r[4], "due": int(r[5] or 0),
             "failing": int(r[6] or 0), "dead": int(r[7] or 0), "oldest_unsynced": r[8],
             "feeds_pending": int(pending.get(r[0], 0))} for r in rows]
