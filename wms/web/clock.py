"""A warehouse's own calendar day, for "due today" and "late"."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wms.db import utcnow


def warehouse_day(timezone: str | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the warehouse's local calendar day."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (now or utcnow()).astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
