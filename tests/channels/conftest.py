"""Fixtures for the channels tests: the API world (tests.api.conftest) with
a key for the channels' credentials, and helpers to make channels."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.api.conftest import apis, assert_problem, ids, nothing_written, world  # noqa: F401
from wms.channels.models import Channel, Listing
from wms.extensions import load_extensions

TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _channel_key(monkeypatch):
    monkeypatch.setenv("WMS_CHANNEL_KEYS", TEST_KEY)


@pytest.fixture(autouse=True)
def _subscribed():
    """What create_app and the wms CLI do: ledger changes reach the listings."""
    load_extensions()


def webhook_channel(**overrides) -> dict:
    body = {"name": "Hook", "kind": "webhook", "warehouses": ["WH1"],
            "settings": {"url": "http://127.0.0.1:9/hook", "secret": "s3cret-value"},
            "rules": {"buffer": 0, "percent": 100}}
    body.update(overrides)
    return body


def _snapshot(row) -> SimpleNamespace:
    """The row's columns as they are now (the ORM object would change under the test)."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


def listing_row(session, channel_id: int, external_id: str) -> SimpleNamespace:
    row = session.scalars(select(Listing).where(Listing.channel_id == channel_id, Listing.external_id == external_id)
                          .execution_options(populate_existing=True)).one()
    session.commit()
    return _snapshot(row)


def channel_row(session, channel_id: int) -> SimpleNamespace:
    row = session.get(Channel, channel_id, populate_existing=True)
    session.commit()
    return _snapshot(row)
