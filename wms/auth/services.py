"""API tokens: issuing them and recognising them."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wms import cache
from wms.auth.models import ROLES, Token, WebSession
from wms.auth.principal import Principal
from wms.catalog.models import Seller
from wms.db import TIMESTAMP_MAX, after_commit, timestamp_in_range, transaction, utcnow
from wms.errors import NotFound, Unauthenticated, ValidationFailed
from wms.facility.models import Warehouse
from wms.messages import M_

TOKEN_PREFIX = "qs_"
# A token's principal, by the hash of the token, for a few seconds: every API
# request starts with this lookup. A revocation drops it at once in the
# process that revokes; other processes stop accepting the token within
# TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 5.0
_tokens = cache.Cache("tokens", ttl=TOKEN_CACHE_SECONDS, maxsize=10_000)


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: no salt or KDF needed.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    session: Session,
    actor: Principal,
    *,
    name: str,
    role: str,
    seller: str | None = None,
    warehouses: list[str] | None = None,
    channel: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[Token, str]:
    """Issue a token; the raw token is returned once and only its hash kept."""
    actor.require("admin")
    if role not in ROLES:
        raise ValidationFailed(role=M_('must be one of %(value)s', value=', '.join(ROLES)))
    warehouses = warehouses or []
    with transaction(session):
        seller_id = None
        if role in ("seller", "channel"):
            if not seller:
                raise ValidationFailed(seller=M_('required for a %(role)s token', role=role))
            seller_id = session.scalar(select(Seller.id).where(Seller.code == seller))
            if seller_id is None:
                raise ValidationFailed(seller=M_('unknown seller %(seller)s', seller=f'{seller!r}'))
        elif seller:
            raise ValidationFailed(seller=M_('a %(role)s token is not scoped to a seller', role=role))
        if role == "channel" and channel is None:
            raise ValidationFailed(channel=M_('required for a channel token'))
        if role != "operator" and warehouses:
            raise ValidationFailed(warehouses=M_('only operator tokens are scoped to warehouses'))
        if role == "operator" and not warehouses:
            raise ValidationFailed(warehouses=M_('an operator token needs at least one warehouse'))
        found = list(session.scalars(select(Warehouse).where(Warehouse.code.in_(warehouses))))
        unknown = sorted(set(warehouses) - {w.code for w in found})
        if unknown:
            raise ValidationFailed(warehouses=M_('unknown warehouse %(value)s', value=f'{unknown[0]!r}'))
        if expires_at is not None and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at is not None and expires_at <= utcnow():
            raise ValidationFailed(expires_at=M_('must be in the future'))
        if expires_at is not None and not timestamp_in_range(expires_at):
            raise ValidationFailed(expires_at=M_('must be before %(value)s', value=TIMESTAMP_MAX.isoformat()))
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = Token(
            name=name, role=role, token_hash=hash_token(raw), prefix=raw[:10], seller_id=seller_id,
            channel_id=channel, expires_at=expires_at, warehouses=found,
        )
        session.add(token)
        session.flush()
        return token, raw


def list_tokens(session: Session, actor: Principal, *, after_id: int = 0, limit: int = 50) -> list[dict]:
    """The tokens issued, for an admin: never the token itself (only its hash is kept)."""
    actor.require("admin")
    rows = session.execute(
        select(Token, Seller.code).outerjoin(Seller, Seller.id == Token.seller_id)
        .where(Token.id > after_id).order_by(Token.id).limit(limit + 1)
    ).all()
    return [
        {
            "id": t.id, "name": t.name, "role": t.role, "prefix": t.prefix, "seller": seller_code,
            "warehouses": [w.code for w in t.warehouses], "channel": t.channel_id, "created_at": t.created_at,
            "expires_at": t.expires_at, "revoked_at": t.revoked_at,
        }
        for t, seller_code in rows
    ]


def revoke_token(session: Session, actor: Principal, token_id: int) -> Token:
    """Revoke a token at once, and end every web login made with it.
    Revoking a revoked token changes nothing."""
    actor.require("admin")
    with transaction(session):
        token = session.get(Token, token_id)
        if token is None:
            raise NotFound(M_('no token %(token_id)s', token_id=token_id))
        if token.revoked_at is None:
            token.revoked_at = utcnow()
        session.execute(delete(WebSession).where(WebSession.token_id == token.id))
        _forget_token(token.id)
        after_commit(session, lambda _session: _forget_token(token_id))
        return token


def _forget_token(token_id: int) -> None:
    _tokens.discard(lambda _key, value: value[0].token_id == token_id)


def _valid_token(session: Session, raw: str | None) -> Token:
    if not raw:
        raise Unauthenticated(M_('send Authorization: Bearer <token>'))
    token = session.scalar(select(Token).where(Token.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated(M_('unknown or revoked token'))
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise Unauthenticated(M_('token expired'))
    return token


def _principal(token: Token) -> Principal:
    return Principal(
        role=token.role,
        token_id=token.id,
        seller_id=token.seller_id,
        warehouse_ids=frozenset(w.id for w in token.warehouses),
        channel_id=token.channel_id,
        name=token.name,
    )


def authenticate(session: Session, raw: str | None) -> Principal:
    if raw:
        key = (cache.database_of(session), hash_token(raw))
        found = _tokens.get(key)
        if found is not cache.MISSING:
            principal, expires_at = found
            if expires_at is None or expires_at > utcnow():
                return principal
    token = _valid_token(session, raw)
    principal = _principal(token)
    # Keyed by the random token itself: no id of a rolled-back row can alias it.
    _tokens.put(None, (cache.database_of(session), token.token_hash), (principal, token.expires_at))
    return principal
