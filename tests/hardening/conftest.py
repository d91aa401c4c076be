"""Fixtures for the hardening tests (issue 13): the fulfillment tests' world
and callers (sellers, operators, channels, admin), reused as they are."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.fulfillment.conftest import (  # noqa: F401  (fixtures, reused)
    _backorders_follow_arrivals,
    _fresh_bin_cache,
    apis,
    nothing_written,
    world,
)
from tests.web.conftest import screen, tokens  # noqa: F401  (the web tests' browser and tokens, reused)


class _NoEngine:
    def dispose(self):
        pass


@pytest.fixture
def wms_cli(session, monkeypatch):
    """wms_cli(*args): run the `wms` command on the test's session."""
    from wms.cli import main

    monkeypatch.setattr("wms.cli.open_session", lambda url=None: (_NoEngine(), session))
    return lambda *args: CliRunner().invoke(main, list(args))
