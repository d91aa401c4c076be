"""Backup and restore of the whole database, for both databases:

- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot taken inside
  one repeatable-read transaction, while the application runs) and
  `pg_restore --clean --if-exists --single-transaction` (all or nothing).
  The password goes to the tools through PGPASSWORD, never on their command line.
- SQLite: the sqlite3 online backup API (`Connection.backup`), page by page
  under SQLite's locks, so a backup taken while workers write is consistent;
  a restore copies the backup's pages over the database the same way.

Stop the application's workers before a restore; run `wms check` after it.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _libpq(url: URL) -> tuple[str, dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools are needed)") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(database_url: str, path: str | Path) -> Path:
    """Write a backup of the database to path (a new file)."""
    url, path = make_url(database_url), Path(path)
    if path.exists():
        raise BackupError(f"{path} exists: a backup never overwrites a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "postgresql":
        conninfo, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), conninfo], env)
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"no backup for {url.get_backend_name()}")
    return path


def restore(database_url: str, path: str | Path) -> None:
    """Replace the database's content by the backup at path."""
    url, path = make_url(database_url), Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    if url.get_backend_name() == "postgresql":
        conninfo, env = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--dbname", conninfo, str(path)], env)
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone() is None:
                raise BackupError(f"{path} is not a Quayside SQLite backup")
        except sqlite3.DatabaseError as exc:
            source.close()
            raise BackupError(f"{path} is not a SQLite database: {exc}") from exc
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"no restore for {url.get_backend_name()}")
