"""Web logins kept on the server. The browser's signed cookie carries only a
random session key (never an API token or a user id): the row it names says
who is logged in and until when, and deleting the row ends the login for
every copy of the cookie at once."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wms.auth.models import Token, WebSession
from wms.auth.principal import Principal
from wms.auth.services import _principal, hash_token
from wms.auth.users import user_principal
from wms.db import transaction, utcnow
from wms.errors import Unauthenticated

ENDED = "your login has ended: log in again"


def start(session: Session, *, hours: int, token_id: int | None = None, user_id: int | None = None,
          user_epoch: int | None = None) -> str:
    """A new web session for a token's or a user's login; the raw key is
    returned once (for the cookie) and only its hash kept. Sessions past
    their end are swept at the same time."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    with transaction(session):
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(WebSession(key_hash=hash_token(raw), token_id=token_id, user_id=user_id, user_epoch=user_epoch,
                               created_at=now, expires_at=now + timedelta(hours=hours)))
    return raw


def resume(session: Session, raw: str | None) -> Principal:
    """Who this session key speaks for, checked on every request; Unauthenticated
    if the session is unknown (logged out), over its lifetime, or its token or
    user may no longer act."""
    if not raw or not isinstance(raw, str):
        raise Unauthenticated(ENDED)
    row = session.scalar(select(WebSession).where(WebSession.key_hash == hash_token(raw)))
    if row is None or row.expires_at <= utcnow():
        raise Unauthenticated(ENDED)
    if row.user_id is not None:
        return user_principal(session, row.user_id, row.user_epoch)
    token = _valid_token_by_id(session, row.token_id)
    return _principal(token)


def _valid_token_by_id(session: Session, token_id: int) -> Token:
    token = session.get(Token, token_id)
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("unknown or revoked token")
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise Unauthenticated("token expired")
    return token


def end(session: Session, raw: str | None) -> None:
    """Log out: the session's row is deleted (a copy of the cookie is dead too)."""
    if not raw or not isinstance(raw, str):
        return
    with transaction(session):
        session.execute(delete(WebSession).where(WebSession.key_hash == hash_token(raw)))
