"""`wms channels ...`: keys for the channels' credentials."""
from __future__ import annotations

import contextlib

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


@click.group("sync")
def sync_command() -> None:
    """Marketplace stock sync."""


@sync_command.command("run")
@click.option("--once", is_flag=True, help="push what is due now, then exit")
@click.option("--lease-s", default=60.0, show_default=True, help="how long a claim keeps other workers off")
@click.option("--reconcile-every-s", default=900.0, show_default=True,
              help="read every channel's remote quantities this often (0: only when asked)")
def sync_run_command(once: bool, lease_s: float, reconcile_every_s: float) -> None:
    """Run the sync worker (any number of them may run, on any machines)."""
    import signal
    import threading

    from wms.channels.reconcile import Reconciler
    from wms.channels.worker import SyncWorker
    from wms.config import Settings
    from wms.db import make_engine, make_sessionmaker

    settings = Settings.from_env()
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    worker = SyncWorker(make_sessionmaker(engine), settings.database_url, lease_s=lease_s)
    reconciler = Reconciler(worker, every_s=reconcile_every_s)
    try:
        if once:
            total = 0
            for _ in range(1000):
                pushed = worker.run_once()
                total += pushed
                if not pushed:
                    break
            reconciler.run_due()
            click.echo(f"{total} listing(s) pushed")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"sync worker {worker.worker_id} running (Ctrl-C stops it)", err=True)
        worker.run(stop, reconcile=reconciler.run_due)
    finally:
        worker.http.close()
        engine.dispose()


@sync_command.command("status")
def sync_status_command() -> None:
    """Per channel: listings, due, failing, dead, bulk feeds pending, the oldest unsynced change."""
    from wms.channels.reconcile import sync_status
    from wms.cli import open_session

    engine, session = open_session()
    try:
        rows = sync_status(session)
    finally:
        session.close()
        engine.dispose()
    click.echo(f"{'channel':<28} {'kind':<11} {'status':<7} {'listings':>8} {'due':>6} {'failing':>7} {'dead':>5}"
               f" {'feeds':>5}  oldest unsynced change")
    for r in rows:
        click.echo(f"{r['id']:>4} {r['name'][:23]:<23} {r['kind']:<11} {r['status']:<7} {r['listings']:>8} "
                   f"{r['due']:>6} {r['failing']:>7} {r['dead']:>5} {r['feeds_pending']:>5}  "
                   f"{r['oldest_unsynced'] or '-'}")


@click.command("sandbox-marketplace")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--p-5xx", default=0.0, show_default=True, help="share of writes answered 503")
@click.option("--p-slow", default=0.0, show_default=True, help="share of writes answered slowly")
def sandbox_command(host: str, port: int, seed: int, p_5xx: float, p_slow: float) -> None:
    """Serve the sandbox marketplace (every connector's protocol) locally."""
    import logging

    from wms.channels.demo import DEMO_WEBHOOK

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    from wms.channels.sandbox import SandboxServer

    server = SandboxServer(host, port, seed)
    server.sandbox.config.update({"p_5xx": p_5xx, "p_slow": p_slow})
    # The demo's webhook channel delivers here.
    server.sandbox.webhook_secrets[DEMO_WEBHOOK[0]] = DEMO_WEBHOOK[1]
    click.echo(f"sandbox marketplace on {server.url} (state: {server.url}/_sandbox/state)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.server.serve_forever()
