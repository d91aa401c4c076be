"""The `wms` command: migrate, issue tokens, check the ledger, load the demo."""
from __future__ import annotations

import sys
from datetime import datetime

import click

from wms.auth.principal import Principal
from wms.config import Settings
from wms.db import make_engine, make_sessionmaker
from wms.extensions import load_extensions


def open_session(url: str | None = None):
    """(engine, session) on WMS_DATABASE_URL, for a command's work."""
    settings = Settings.from_env()
    engine = make_engine(url or settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return engine, make_sessionmaker(engine)()


@click.group()
def main() -> None:
    """Quayside warehouse management. The database is WMS_DATABASE_URL
    (default sqlite:///instance/wms.db)."""
    load_extensions()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    from wms.migrate import upgrade

    upgrade(Settings.from_env().database_url, revision=revision)
    click.echo(f"database at {revision}", err=True)


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "seller", "channel"]))
@click.option("--name", required=True)
@click.option("--seller", help="seller code (seller and channel tokens)")
@click.option("--warehouse", "warehouses", multiple=True, help="warehouse code (operator tokens; repeatable)")
@click.option("--channel", type=int, help="channel id (channel tokens)")
@click.option("--expires-at", type=click.DateTime(), help="UTC expiry")
def tokens_create(role, name, seller, warehouses, channel, expires_at: datetime | None) -> None:
    """Create a token and print it, alone, on stdout."""
    from wms.auth.services import create_token
    from wms.errors import DomainError

    engine, session = open_session()
    try:
        _token, raw = create_token(
            session, Principal.system("cli"), name=name, role=role, seller=seller,
            warehouses=list(warehouses), channel=channel, expires_at=expires_at,
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc.detail} {exc.errors or ''}".strip()) from exc
    finally:
        session.close()
        engine.dispose()
    click.echo(raw)


@main.group()
def users() -> None:
    """People who log in (password, or badge and PIN on a handheld)."""


@users.command("create")
@click.option("--login", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "seller"]))
@click.option("--seller", help="seller code (seller users)")
@click.option("--warehouse", "warehouses", multiple=True, help="warehouse code (operators; repeatable)")
@click.option("--password", envvar="WMS_USER_PASSWORD", help="at least 10 characters (or WMS_USER_PASSWORD; "
              "asked for when neither it nor a badge is given)")
@click.option("--badge", help="the code on the person's badge (handheld login, with --pin)")
@click.option("--pin", envvar="WMS_USER_PIN", help="4-8 digits (or WMS_USER_PIN)")
def users_create(login, name, role, seller, warehouses, password, badge, pin) -> None:
    """Create a user; the password and PIN are stored only as scrypt hashes."""
    from wms.auth.users import create_user
    from wms.errors import DomainError

    if password is None and badge is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine, session = open_session()
    try:
        user = create_user(session, Principal.system("cli"), login=login, name=name, role=role, seller=seller,
                           warehouses=list(warehouses), password=password, badge=badge, pin=pin)
        click.echo(f"user {user.login} ({user.role}) created")
    except DomainError as exc:
        raise click.ClickException(f"{exc.detail} {exc.errors or ''}".strip()) from exc
    finally:
        session.close()
        engine.dispose()
@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def tokens_revoke(token_id: int) -> None:
    """Revoke a token (by the id `GET /tokens` lists) and its web logins."""
    from wms.auth.services import revoke_token
    from wms.errors import DomainError

    engine, session = open_session()
    try:
        token = revoke_token(session, Principal.system("cli"), token_id)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        session.close()
        engine.dispose()
    click.echo(f"token {token.id} ({token.prefix}...) revoked at {token.revoked_at.isoformat()}")


@main.command()
def check() -> None:
    """Verify every ledger invariant over the whole database, and the areas'
    and extensions' checks."""
    from wms.checks import run_checks

    engine, session = open_session()
    try:
        results = run_checks(session)
    finally:
        session.close()
        engine.dispose()
    failed = False
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark} {result.number}. {result.name}")
        for violation in result.violations:
            click.echo(f"       {violation}")
        failed |= not result.ok
    if failed:
        click.echo("ledger check failed", err=True)
        sys.exit(1)
    click.echo("ledger check clean")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path: str) -> None:
    """Write a consistent backup of the database to PATH (pg_dump's custom
    format on PostgreSQL, SQLite's online backup on SQLite), while it runs."""
    from wms.backup import BackupError
    from wms.backup import backup as make_backup

    try:
        written = make_backup(Settings.from_env().database_url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {written} ({written.stat().st_size} bytes)")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="replace the database's content without asking")
def restore(path: str, yes: bool) -> None:
    """Replace the database's content by the backup at PATH (stop the
    application first), then run `wms check`."""
    from wms.backup import BackupError
    from wms.backup import restore as restore_backup

    url = Settings.from_env().database_url
    if not yes:
        click.confirm(f"Replace everything in {url.split('@')[-1]} by {path}?", abort=True)
    try:
        restore_backup(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored from {path}: now run `wms check`")


@main.group()
def repair() -> None:
    """Repair data that `wms check` reports."""


@repair.command("timestamps")
def repair_timestamps() -> None:
    """Clamp timestamps stored outside the window the API accepts (e.g. a
    year 10000 sent before the bound existed) to the nearest bound."""
    from wms.timestamps import repair_timestamps as repair_all

    engine, session = open_session()
    try:
        changed = repair_all(session)
    finally:
        session.close()
        engine.dispose()
    for line in changed:
        click.echo(line)
    click.echo(f"{len(changed)} timestamp(s) repaired")


@main.command()
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has warehouses")
@click.option("--seed", default=20261123, show_default=True)
@click.option("--skus", "skus_per_seller", default=120, show_default=True)
def demo(if_empty: bool, seed: int, skus_per_seller: int) -> None:
    """Load a demo: two warehouses (US, DE), three sellers, SKUs, stock, tokens."""
    from wms.demo import TOKENS_FILE, has_data, load_demo

    engine, session = open_session()
    try:
        if if_empty and has_data(session):
            click.echo("The database already has data; the demo was not loaded again.")
            if TOKENS_FILE.exists():
                click.echo(f"Demo tokens (from {TOKENS_FILE}):")
                click.echo(TOKENS_FILE.read_text().rstrip("\n"))
            return
        extras = [extension.demo for extension in load_extensions() if extension.demo is not None]
        tokens_ = load_demo(session, seed=seed, skus_per_seller=skus_per_seller, extras=extras)
    finally:
        session.close()
        engine.dispose()
    click.echo("Demo loaded. Logins and API tokens (shown once; keep them):")
    for label, raw in tokens_.items():
        click.echo(f"  {label:<24} {raw}")


def _add_extension_commands() -> None:
    for extension in load_extensions():
        for command in extension.cli_commands:
            main.add_command(command)


_add_extension_commands()

if __name__ == "__main__":
    main()
