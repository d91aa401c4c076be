"""Small per-process caches of rows a scan looks up every time: a token's
principal, a location by code or id, a warehouse's stations, codes for
responses, a barcode's SKU.

Correctness rules, each tested (tests/unit/test_cache.py,
tests/integration/test_caches.py):

- A value read inside a transaction becomes visible to other lookups only
  once that transaction has committed; a rollback discards it. (A row that
  was created in a transaction that rolled back never enters the cache, so an
  id SQLite hands out again cannot be confused with it.)
- Keys carry the database (its URL), so two databases in one process never
  share entries.
- Rows the application never changes (codes, a location's kind and place)
  are kept without expiry (bounded in number). Rows that can change (a token
  can be revoked, a barcode can move to another SKU) expire after a few
  seconds, and the change drops them at once in the process that made it:
  another process sees the change within the expiry.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

MISSING = object()
_PENDING = "wms_cache_pending"
_caches: list[Cache] = []
clock: Callable[[], float] = time.monotonic


class Cache:
    """A bounded mapping with an optional expiry per entry (seconds)."""

    def __init__(self, name: str, *, ttl: float | None = None, maxsize: int = 50_000) -> None:
        self.name, self.ttl, self.maxsize = name, ttl, maxsize
        self._data: OrderedDict[Hashable, tuple[float | None, Any]] = OrderedDict()
        self.hits = self.misses = 0
        _caches.append(self)

    def get(self, key: Hashable) -> Any:
        entry = self._data.get(key)
        if entry is None:
            self.misses += 1
            return MISSING
        expires, value = entry
        if expires is not None and clock() >= expires:
            self._data.pop(key, None)
            self.misses += 1
            return MISSING
        self.hits += 1
        return value

    def put(self, session: Session | None, key: Hashable, value: Any) -> None:
        """Remember value once session's transaction commits (at once when
        there is no session or no transaction)."""
        if session is not None and session.in_transaction():
            session.info.setdefault(_PENDING, []).append((self, key, value))
        else:
            self._store(key, value)

    def _store(self, key: Hashable, value: Any) -> None:
        if len(self._data) >= self.maxsize:
            self._data.popitem(last=False)
        self._data[key] = (None if self.ttl is None else clock() + self.ttl, value)

    def discard(self, predicate: Callable[[Hashable, Any], bool]) -> None:
        """Forget every entry for which predicate(key, value) holds."""
        for key in [k for k, (_e, v) in self._data.items() if predicate(k, v)]:
            self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


def database_of(session: Session):
    """The part of every key that names the database."""
    return session.get_bind().engine.url


def clear_all() -> None:
    for cache in _caches:
        cache.clear()


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    for cache, key, value in session.info.pop(_PENDING, ()):
        cache._store(key, value)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)
