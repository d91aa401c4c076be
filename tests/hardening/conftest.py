"""Fixtures for the hardening tests (issue 13): the fulfillment tests' world
and callers (sellers, operators, channels, admin), reused as they are."""
from __future__ import annotations

from tests.fulfillment.conftest import (  # noqa: F401  (fixtures, reused)
    _backorders_follow_arrivals,
    _fresh_bin_cache,
    apis,
    nothing_written,
    world,
)
