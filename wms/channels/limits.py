"""Per-channel request limiters shared by every worker (pyrate-limiter):
on PostgreSQL a bucket table per channel in the database itself, so workers
on several machines share one budget; on SQLite a bucket file beside the
database, guarded by a file lock, shared by the worker processes of the
machine. The marketplace's own 429/throttle answers still park the channel
(``channels.throttled_until``): the limiter keeps us from earning them."""
from __future__ import annotations

import os
import threading

from pyrate_limiter import Duration, Limiter, Rate
from pyrate_limiter.buckets import InMemoryBucket, PostgresBucket, SQLiteBucket
from sqlalchemy.engine import make_url

_lock = threading.Lock()
_pools: dict[str, object] = {}
_limiters: dict[tuple, Limiter] = {}


def _rate(per_s: float) -> Rate:
    if per_s >= 1:
        return Rate(max(1, int(per_s)), Duration.SECOND)
    return Rate(1, int(1000 / per_s))


def _bucket(database_url: str, channel_id: int, per_s: float, name: str = "", per_hour: float | None = None):
    rates = [Rate(max(1, int(per_hour)), Duration.HOUR)] if per_hour else [_rate(per_s)]
    table = f"channel_{channel_id}" + (f"_{name}" if name else "")
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        from psycopg_pool import ConnectionPool

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        if conninfo not in _pools:
            _pools[conninfo] = ConnectionPool(conninfo, min_size=1, max_size=8, open=True)
        return PostgresBucket(_pools[conninfo], table, rates)
    if url.database and url.database != ":memory:":
        path = os.path.join(os.path.dirname(os.path.abspath(url.database)), "channel-rate-limits.sqlite")
        return SQLiteBucket.init_from_file(rates, table=table, db_path=path, use_file_lock=True)
    return InMemoryBucket(rates)


def channel_limiter(database_url: str, channel_id: int, per_s: float, *, name: str = "",
                    per_hour: float | None = None) -> Limiter:
    """The channel's request budget (or, with a name, another of its budgets:
    Walmart's feeds, ``per_hour``)."""
    key = (database_url, channel_id, per_s, name, per_hour)
    with _lock:
        if key not in _limiters:
            _limiters[key] = Limiter(_bucket(database_url, channel_id, per_s, name, per_hour))
        return _limiters[key]


def acquire(limiter: Limiter, channel_id: int, weight: int, timeout_s: float) -> bool:
    """Wait (up to timeout_s; 0: barely) for this many requests' worth of budget.
    (pyrate-limiter's non-blocking path trips over filelock's newer API on
    SQLite, hence a short blocking wait instead of none.)"""
    return bool(limiter.try_acquire(f"channel-{channel_id}", weight=weight, blocking=True,
                                    timeout=max(timeout_s, 0.05)))
