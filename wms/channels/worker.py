"""The sync worker (`wms sync run`): claims due listings, pushes the latest
desired quantity through the channel's connector, records the outcome.

A listing is due when what the marketplace was last told differs from what
it should show (``pushed_version < version``, or ``pushed_qty`` differs from
``desired_qty``, or it was never pushed), it is not dead, its backoff has
passed, and its channel is active and not throttled. Claiming is one short
transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (so any
number of workers on any number of machines share the work with no
coordinator; on SQLite BEGIN IMMEDIATE lets one claimer in at a time), then a
lease (owner and expiry) on the rows, committed. The push itself holds no
row lock, so the ledger never waits on a marketplace; the lease keeps every
other worker off those listings until it expires (a killed worker's listings
are claimed again after ``lease_s``). The result is recorded only while the
lease is still ours.

Bursts coalesce by construction: a claim reads the latest desired value, so
a thousand changes before a claim are one push. An old value never
overwrites a newer one: one listing is pushed by one lease holder at a time,
and what is recorded as pushed is the version that was claimed, never more.
Decreases are claimed and pushed before increases.

One pass pushes its channels side by side (a thread per channel, up to
``channel_threads``): a push mostly waits on the marketplace and the
database, so a slow or rate-limited channel does not hold back the others'
changes until the next pass.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from wms.catalog.models import Sku
from wms.channels import secrets
from wms.channels.connectors import make_connector
from wms.channels.connectors.base import (
    AuthFailed,
    Connector,
    ConnectorError,
    Outcome,
    PushItem,
    Rejected,
    Throttled,
    backoff_s,
)
from wms.channels.limits import acquire, channel_limiter
from wms.channels.models import Channel, ChannelFeed, Listing
from wms.config import ConfigError
from wms.db import transaction, utcnow

log = logging.getLogger("wms.sync")

MAX_ATTEMPTS = 12
_listings = Listing.__table__
_channels = Channel.__table__


def due_filter(now):
    """Listings whose marketplace does not show what it should, and may be pushed now."""
    return and_(
        _listings.c.state == "active",
        or_(_listings.c.pushed_version < _listings.c.version, _listings.c.pushed_qty.is_(None),
            _listings.c.pushed_qty != _listings.c.desired_qty),
        or_(_listings.c.next_attempt_at.is_(None), _listings.c.next_attempt_at <= now),
        or_(_listings.c.lease_until.is_(None), _listings.c.lease_until < now,
            # A listing in a bulk feed that is still processed waits for it, unless it
            # must go to zero: that one is sent at once (the feed's result is then
            # settled with care, see settle_feed).
            and_(_listings.c.lease_owner.like("feed:%"), _listings.c.desired_qty == 0)),
    )


def channel_ready(now):
    return and_(_channels.c.status == "active",
                or_(_channels.c.throttled_until.is_(None), _channels.c.throttled_until <= now))


# Decreases (and first pushes) first: showing more than can ship oversells.
_DECREASE_FIRST = case(
    (or_(_listings.c.pushed_qty.is_(None), _listings.c.desired_qty < _listings.c.pushed_qty), 0), else_=1)


@dataclass
class Claim:
    channel_id: int
    items: list[PushItem]


_RECORD_OK = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"), _listings.c.lease_owner == bindparam("b_owner"),
           _listings.c.pushed_version <= bindparam("b_version"))
    .values(pushed_version=bindparam("b_version"), pushed_qty=bindparam("b_qty"), last_pushed_at=bindparam("b_at"),
            attempts=0, next_attempt_at=None, last_error=None, lease_owner=None, lease_until=None,
            pushes=_listings.c.pushes + 1)
)
_RECORD_FAIL = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"), _listings.c.lease_owner == bindparam("b_owner"))
    .values(attempts=bindparam("b_attempts"), next_attempt_at=bindparam("b_next"), last_error=bindparam("b_error"),
            last_error_at=bindparam("b_at"), state=bindparam("b_state"), lease_owner=None, lease_until=None)
)
_RELEASE = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"), _listings.c.lease_owner == bindparam("b_owner"))
    .values(lease_owner=None, lease_until=None, next_attempt_at=bindparam("b_next"), last_error=bindparam("b_error"),
            last_error_at=bindparam("b_at"))
)


@dataclass
class SyncWorker:
    sessions: sessionmaker
    database_url: str
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    lease_s: float = 60.0
    claim_limit: int = 500
    limiter_wait_s: float = 20.0
    channel_threads: int = 8
    http: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=False))
    _connectors: dict = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None
    _stats_lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self, key: str, n: int) -> None:
        with self._stats_lock:
            self.stats[key] += n
    stats: dict = field(default_factory=lambda: defaultdict(int))

    # --- one pass ------------------------------------------------------------
    def run_once(self) -> int:
        """Settle the bulk feeds that are due a look, claim what is due, push
        it, record it. Returns the listings pushed, handed to a feed or
        settled from one (0: nothing was done)."""
        settled = self.poll_feeds()
        with self.sessions() as session:
            claims = self.claim(session)
        if len(claims) <= 1 or self.channel_threads <= 1:
            return settled + sum(self.push_claim(claim) for claim in claims)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.channel_threads, thread_name_prefix="sync-push")
        return settled + sum(self._pool.map(self.push_claim, claims))

    def claim(self, session: Session) -> list[Claim]:
        now = utcnow()
        with transaction(session):
            rows = session.execute(
                select(_listings.c.id, _listings.c.channel_id, _listings.c.external_id, _listings.c.location_ref,
                       _listings.c.sku_id, _listings.c.desired_qty, _listings.c.version, _listings.c.pushed_qty)
                .join(_channels, _channels.c.id == _listings.c.channel_id)
                .where(due_filter(now), channel_ready(now))
                .order_by(_DECREASE_FIRST, _listings.c.changed_at, _listings.c.id)
                .limit(self.claim_limit)
                .with_for_update(skip_locked=True, of=_listings)
            ).all()
            if not rows:
                return []
            session.execute(
                update(_listings).where(_listings.c.id.in_([r.id for r in rows]))
                .values(lease_owner=self.worker_id, lease_until=now + timedelta(seconds=self.lease_s))
            )
            codes = dict(session.execute(select(Sku.id, Sku.code).where(Sku.id.in_({r.sku_id for r in rows}))).all())
        by_channel: dict[int, list[PushItem]] = defaultdict(list)
        for r in rows:  # already decreases first
            by_channel[r.channel_id].append(PushItem(r.id, r.external_id, r.location_ref, codes[r.sku_id],
                                                     r.desired_qty, r.version, r.pushed_qty))
        self._count("claimed", len(rows))
        return [Claim(channel_id, items) for channel_id, items in by_channel.items()]

    def connector_for(self, session: Session, channel_id: int) -> Connector | None:
        channel = session.get(Channel, channel_id, populate_existing=True)
        key = (channel_id, bytes(channel.credentials or b""), repr(sorted(channel.settings.items())))
        cached = self._connectors.get(channel_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        connector = make_connector(channel.kind, {**channel.settings, "channel_id": channel.id},
                                   secrets.unseal(channel.credentials), self.http)
        if connector is not None and "rate_per_s" in channel.settings:
            connector.rate_per_s = float(channel.settings["rate_per_s"])
        self._connectors[channel_id] = (key, connector)
        return connector

    def push_claim(self, claim: Claim) -> int:
        with self.sessions() as session:
            try:
                connector = self.connector_for(session, claim.channel_id)
            except ConfigError as exc:
                self._pause(session, claim, str(exc))
                return 0
            kind = session.scalar(select(Channel.kind).where(Channel.id == claim.channel_id))
            session.commit()
            if connector is None:
                self._pause(session, claim, f"no connector for {kind} channels yet")
                return 0
            items = claim.items
            bulk = []
            if connector.uses_feeds:
                bulk = [i for i in items if not connector.urgent(i)]
                items = [i for i in items if connector.urgent(i)]
            pushed = self._push_items(session, claim.channel_id, connector, items)
            if pushed is None:  # the channel was parked or paused: the rest waits too
                if bulk:
                    self._release(session, bulk, "the channel is waiting", delay_s=1.0)
                return 0
            size = connector.feed_size if bulk else 1
            for start in range(0, len(bulk), size):
                pushed += self.submit_feed(session, claim.channel_id, connector, bulk[start:start + size])
            return pushed

    def _push_items(self, session: Session, channel_id: int, connector: Connector,
                    items: list[PushItem]) -> int | None:
        """Push in the connector's batches through the channel's limiter;
        None when the marketplace parked or refused the channel."""
        limiter = channel_limiter(self.database_url, channel_id, connector.rate_per_s)
        pushed = 0
        for start in range(0, len(items), connector.batch_size):
            batch = items[start:start + connector.batch_size]
            weight = len(batch) if connector.batch_size == 1 else 1
            if not acquire(limiter, channel_id, min(weight, int(max(1, connector.rate_per_s))), self.limiter_wait_s):
                self._release(session, batch, "waiting for the channel's request budget", delay_s=1.0)
                continue
            try:
                outcomes = connector.push(batch)
            except Throttled as exc:
                self._throttle(session, channel_id, items[start:], exc)
                return None
            except AuthFailed as exc:
                self._pause(session, Claim(channel_id, items[start:]), exc.message)
                return None
            except Rejected as exc:
                outcomes = [Outcome(i.listing_id, False, exc.message, "dead") for i in batch]
            except ConnectorError as exc:  # Transient after the call's own retries
                outcomes = [Outcome(i.listing_id, False, exc.message, "retry") for i in batch]
            except httpx.HTTPError as exc:
                outcomes = [Outcome(i.listing_id, False, f"{type(exc).__name__}: {exc}", "retry") for i in batch]
            pushed += self.record(session, batch, outcomes)
        return pushed

    # --- bulk feeds (Walmart) ----------------------------------------------------
    def submit_feed(self, session: Session, channel_id: int, connector: Connector, items: list[PushItem]) -> int:
        """Hand the items to the marketplace as one feed within the channel's
        feed budget, record the feed and lease its listings to it until it is
        settled (or given up). Returns the listings handed over."""
        per_hour = connector.feeds_per_hour
        limiter = channel_limiter(self.database_url, channel_id, per_hour / 3600.0, name="feeds", per_hour=per_hour)
        if not acquire(limiter, channel_id, 1, 1.0):  # a short wait: the bucket is a database round trip
            self._release(session, items, "waiting for the channel's feed budget",
                          delay_s=min(60.0, 3600.0 / max(per_hour, 0.001)))
            return 0
        try:
            ref = connector.submit_feed(items)
        except Throttled as exc:
            self._throttle(session, channel_id, items, exc)
            return 0
        except AuthFailed as exc:
            self._pause(session, Claim(channel_id, items), exc.message)
            return 0
        except Rejected as exc:
            return self.record(session, items, [Outcome(i.listing_id, False, exc.message, "dead") for i in items])
        except (ConnectorError, httpx.HTTPError) as exc:
            message = exc.message if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
            return self.record(session, items, [Outcome(i.listing_id, False, message, "retry") for i in items])
        now = utcnow()
        with transaction(session):
            feed = ChannelFeed(channel_id=channel_id, ref=ref, status="pending", submitted_at=now,
                               items=[[i.listing_id, i.version, i.qty, i.external_id, i.location, i.sku, i.pushed_qty]
                                      for i in items],
                               poll_at=now + timedelta(seconds=connector.feed_poll_s),
                               give_up_at=now + timedelta(seconds=connector.feed_timeout_s))
            session.add(feed)
            session.flush()
            session.execute(update(_listings).where(_listings.c.id.in_([i.listing_id for i in items]),
                                                    _listings.c.lease_owner == self.worker_id)
                            .values(lease_owner=f"feed:{feed.id}", lease_until=feed.give_up_at))
        self._count("feeds", 1)
        return len(items)

    def feeds_pending(self) -> int:
        """Bulk feeds handed over and not yet settled."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(ChannelFeed.__table__)
                                  .where(ChannelFeed.__table__.c.status == "pending"))

    def poll_feeds(self, limit: int = 20) -> int:
        """Read the status of the pending feeds that are due a look (any
        worker may: the feed row is claimed with SKIP LOCKED) and settle the
        finished ones. Returns the listings settled."""
        now = utcnow()
        feeds_ = ChannelFeed.__table__
        with self.sessions() as session:
            with transaction(session):
                feeds = session.execute(
                    select(feeds_.c.id, feeds_.c.channel_id, feeds_.c.ref, feeds_.c["items"].label("feed_items"),
                           feeds_.c.give_up_at)
                    .where(feeds_.c.status == "pending", feeds_.c.poll_at <= now)
                    .order_by(feeds_.c.poll_at).limit(limit).with_for_update(skip_locked=True)
                ).all()
                if not feeds:
                    return 0
                session.execute(update(feeds_).where(feeds_.c.id.in_([f.id for f in feeds]))
                                .values(poll_at=now + timedelta(seconds=self.lease_s)))
            return sum(self.settle_feed(session, feed) for feed in feeds)

    def settle_feed(self, session: Session, feed) -> int:
        feeds_ = ChannelFeed.__table__
        owner = f"feed:{feed.id}"
        items = [PushItem(lid, ext, loc, sku, qty, version, pushed) for lid, version, qty, ext, loc, sku, pushed
                 in feed.feed_items]
        try:
            connector = self.connector_for(session, feed.channel_id)
            session.commit()
            outcomes = connector.poll_feed(feed.ref, items) if connector is not None else None
        except (ConfigError, ConnectorError, httpx.HTTPError) as exc:
            log.warning("feed %s of channel %s: status not read: %s", feed.ref, feed.channel_id, exc)
            outcomes, connector = None, None
        now = utcnow()
        if outcomes is None:
            if now < feed.give_up_at:
                poll_s = connector.feed_poll_s if connector is not None else 60.0
                with transaction(session):
                    session.execute(update(feeds_).where(feeds_.c.id == feed.id)
                                    .values(poll_at=now + timedelta(seconds=poll_s)))
                return 0
            # A feed that never finishes: give it up; its listings are sent again.
            message = f"feed {feed.ref} was not processed in time; sending again"
            with transaction(session):
                session.execute(update(feeds_).where(feeds_.c.id == feed.id)
                                .values(status="failed", settled_at=now, message=message))
                session.execute(update(_listings).where(_listings.c.id.in_([i.listing_id for i in items]),
                                                        _listings.c.lease_owner == owner)
                                .values(lease_owner=None, lease_until=None, next_attempt_at=None, last_error=message,
                                        last_error_at=now))
            self._count("feeds_given_up", 1)
            return len(items)
        settled = self.record(session, items, outcomes, owner=owner)
        with transaction(session):
            session.execute(update(feeds_).where(feeds_.c.id == feed.id).values(status="done", settled_at=now))
            # A listing sent again meanwhile (an urgent zero) may have been overwritten
            # by this older feed when Walmart applied it: push it once more.
            session.execute(
                update(_listings).where(_listings.c.id == bindparam("b_id"),
                                        _listings.c.pushed_version > bindparam("b_version"),
                                        or_(_listings.c.lease_owner.is_(None), _listings.c.lease_owner != owner))
                .values(pushed_qty=None),
                [{"b_id": i.listing_id, "b_version": i.version} for i in sorted(items, key=lambda i: i.listing_id)])
        return max(settled, 1)

    # --- recording -------------------------------------------------------------
    def record(self, session: Session, batch: list[PushItem], outcomes: list[Outcome], *,
               owner: str | None = None) -> int:
        owner = owner or self.worker_id
        now = utcnow()
        by_id = {o.listing_id: o for o in outcomes}
        ok, failed = [], []
        with transaction(session):
            attempts = dict(session.execute(select(_listings.c.id, _listings.c.attempts)
                                            .where(_listings.c.id.in_([i.listing_id for i in batch]))).all())
            for item in sorted(batch, key=lambda i: i.listing_id):
                outcome = by_id.get(item.listing_id) or Outcome(item.listing_id, False, "no outcome", "retry")
                if outcome.ok:
                    ok.append({"b_id": item.listing_id, "b_owner": owner, "b_version": item.version,
                               "b_qty": item.qty, "b_at": now})
                    continue
                tries = attempts.get(item.listing_id, 0) + 1
                dead = outcome.kind == "dead" or tries >= MAX_ATTEMPTS
                failed.append({"b_id": item.listing_id, "b_owner": owner, "b_attempts": tries,
                               "b_next": None if dead else now + timedelta(seconds=backoff_s(tries)),
                               "b_error": (outcome.error or "failed")[:2000], "b_at": now,
                               "b_state": "dead" if dead else "active"})
            if ok:
                session.execute(_RECORD_OK, ok)
            if failed:
                session.execute(_RECORD_FAIL, failed)
        self._count("pushed", len(ok))
        self._count("failed", len(failed))
        return len(ok)

    def _release(self, session: Session, items: list[PushItem], why: str, *, delay_s: float) -> None:
        now = utcnow()
        with transaction(session):
            session.execute(_RELEASE, [{"b_id": i.listing_id, "b_owner": self.worker_id,
                                        "b_next": now + timedelta(seconds=delay_s), "b_error": why[:2000],
                                        "b_at": now} for i in sorted(items, key=lambda i: i.listing_id)])

    def _throttle(self, session: Session, channel_id: int, items: list[PushItem], exc: Throttled) -> None:
        """The marketplace said wait: park the whole channel (every worker
        sees it) and give the listings back without counting an attempt."""
        wait = max(0.1, exc.retry_after or 1.0)
        self._count("throttled", 1)
        self._release(session, items, exc.message, delay_s=wait)
        with transaction(session):
            session.execute(update(_channels).where(_channels.c.id == channel_id)
                            .values(throttled_until=utcnow() + timedelta(seconds=wait)))

    def _pause(self, session: Session, claim: Claim, reason: str) -> None:
        """Credentials refused (or none to use): stop pushing to the channel
        instead of hammering it; the seller sees why."""
        log.warning("channel %s paused: %s", claim.channel_id, reason)
        self._release(session, claim.items, reason, delay_s=0)
        with transaction(session):
            session.execute(update(_channels).where(_channels.c.id == claim.channel_id)
                            .values(status="paused", status_reason=reason[:2000]))

    # --- the loop ----------------------------------------------------------------
    def run(self, stop: threading.Event, *, idle_s: float = 0.2, reconcile=None) -> None:
        """Push until stopped; sleep only when nothing was due."""
        while not stop.is_set():
            try:
                pushed = self.run_once()
                if reconcile is not None:
                    reconcile()
            except Exception:  # noqa: BLE001 - a worker survives a database restart
                log.exception("sync pass failed; trying again")
                pushed = 0
                time.sleep(1.0)
            if not pushed:
                stop.wait(idle_s)
