"""The channels' invariant for `wms check`: every listing's desired quantity
is what its channel's rules make of the stock available now (the ledger's
in-transaction event keeps it so; a change that skipped it would show here),
and no listing claims to have pushed a version it does not have."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.channels.desired import available_by_channel_sku
from wms.channels.models import Channel, Listing
from wms.channels.rules import Rules, sellable_qty
from wms.ledger.checks import Check, sample


def check_desired(session: Session) -> list[str]:
    rows = session.execute(
        select(Listing.id, Listing.channel_id, Listing.sku_id, Listing.desired_qty, Listing.version,
               Listing.pushed_version, Channel.buffer, Channel.percent, Channel.max_qty, Channel.version)
        .join(Channel, Channel.id == Listing.channel_id).execution_options(populate_existing=True)
    ).all()
    available = available_by_channel_sku(session, {(r[1], r[2]) for r in rows})
    problems = []
    for lid, channel_id, sku_id, desired, version, pushed_version, buffer, percent, max_qty, channel_version in rows:
        want = sellable_qty(available.get((channel_id, sku_id), 0), Rules(buffer, percent, max_qty))
        if desired != want:
            problems.append(f"listing {lid}: desired {desired}, but the stock and rules give {want}")
        if pushed_version > version or version > channel_version:
            problems.append(f"listing {lid}: versions out of order (pushed {pushed_version}, listing {version}, "
                            f"channel {channel_version})")
    return sample(problems, str)


CHECKS = (Check("C1", "every listing's desired quantity follows stock and rules", check_desired),)
