"""`wms channels ...`: keys for the channels' credentials."""
from __future__ import annotations

import click


@click.group("channels")
def channels_command() -> None:
    """Marketplace channels."""


@channels_command.command("new-key")
def new_key_command() -> None:
    """Print a new Fernet key for WMS_CHANNEL_KEYS."""
    from wms.channels.secrets import new_key

    click.echo(new_key())


@channels_command.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every channel's credentials under the first key of
    WMS_CHANNEL_KEYS (put the new key first, run this, then drop the old)."""
    from sqlalchemy import select

    from wms.channels.models import Channel
    from wms.channels.secrets import rotate
    from wms.cli import open_session
    from wms.db import transaction

    engine, session = open_session()
    try:
        with transaction(session):
            channels = session.scalars(select(Channel).where(Channel.credentials.is_not(None))
                                       .order_by(Channel.id).with_for_update()).all()
            for channel in channels:
                channel.credentials = rotate(channel.credentials)
        click.echo(f"{len(channels)} channel(s) re-encrypted")
    finally:
        session.close()
        engine.dispose()
