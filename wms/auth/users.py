"""People: users with a password (hashed with werkzeug's scrypt), or a badge
and PIN for handhelds; logging them in, with a throttle on failed attempts
kept in the database so that every worker process counts the same."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from wms.auth.models import USER_LANGUAGES, USER_ROLES, LoginThrottle, User, WebSession
from wms.auth.principal import Principal
from wms.catalog.models import Seller
from wms.db import transaction, utcnow
from wms.errors import Conflict, NotFound, RateLimited, Unauthenticated, ValidationFailed
from wms.facility.models import Warehouse
from wms.messages import M_

HASH_METHOD = "scrypt"
MIN_PASSWORD = 10
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
BADGE_PATTERN = re.compile(r"^[!-~]{4,64}$")


@dataclass(frozen=True)
class ThrottleRule:
    failures: int        # this many failures within `window`...
    window: timedelta
    lock: timedelta      # ...lock the key for this long


# Per account (a PIN has only 10,000 values at 4 digits) and per client address
# (one PIN tried against many badges).
ACCOUNT_RULE = ThrottleRule(5, timedelta(minutes=15), timedelta(minutes=15))
CLIENT_RULE = ThrottleRule(30, timedelta(minutes=15), timedelta(minutes=15))
# Checked against when the login is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method=HASH_METHOD)


class LoginThrottled(RateLimited):
    code, title = "login_throttled", "Too many failed logins"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=HASH_METHOD)


# --- managing users ------------------------------------------------------------------

def _check_secrets(password: str | None, badge: str | None, pin: str | None) -> None:
    if password is not None and len(password) < MIN_PASSWORD:
        raise ValidationFailed(password=M_('at least %(min_password)s characters', min_password=MIN_PASSWORD))
    if (badge is None) != (pin is None):
        raise ValidationFailed(pin=M_('a badge and a PIN go together'))
    if badge is not None and not BADGE_PATTERN.match(badge):
        raise ValidationFailed(badge=M_('4-64 printable characters'))
    if pin is not None and not PIN_PATTERN.match(pin):
        raise ValidationFailed(pin=M_('4-8 digits'))


def create_user(
    session: Session,
    actor: Principal,
    *,
    login: str,
    name: str,
    role: str,
    seller: str | None = None,
    warehouses: Sequence[str] = (),
    password: str | None = None,
    badge: str | None = None,
    pin: str | None = None,
) -> User:
    """A person who logs in: an admin, an operator of some warehouses, or a
    seller's staff. A password, or a badge and PIN (or both)."""
    actor.require("admin")
    if role not in USER_ROLES:
        raise ValidationFailed(role=M_('must be one of %(value)s', value=', '.join(USER_ROLES)))
    if not LOGIN_PATTERN.match(login or ""):
        raise ValidationFailed(login=M_("1-64 letters, digits, '.', '_', '@' or '-'"))
    _check_secrets(password, badge, pin)
    if password is None and badge is None:
        raise ValidationFailed(password=M_('a password, or a badge and a PIN, is needed to log in'))
    with transaction(session):
        if session.scalar(select(User.id).where(User.login == login)) is not None:
            raise Conflict(M_('user %(login)s already exists', login=login), {"login": M_('already exists')})
        if badge is not None and session.scalar(select(User.id).where(User.badge == badge)) is not None:
            raise Conflict(M_('that badge belongs to someone else'), {"badge": M_('already in use')})
        seller_id = None
        if role == "seller":
            if not seller:
                raise ValidationFailed(seller=M_('required for a seller user'))
            seller_id = session.scalar(select(Seller.id).where(Seller.code == seller))
            if seller_id is None:
                raise ValidationFailed(seller=M_('unknown seller %(seller)s', seller=f'{seller!r}'))
        elif seller:
            raise ValidationFailed(seller=M_('an %(role)s user is not scoped to a seller', role=role))
        warehouses = list(warehouses)
        if role != "operator" and warehouses:
            raise ValidationFailed(warehouses=M_('only operators are scoped to warehouses'))
        if role == "operator" and not warehouses:
            raise ValidationFailed(warehouses=M_('an operator needs at least one warehouse'))
        found = list(session.scalars(select(Warehouse).where(Warehouse.code.in_(warehouses))))
        unknown = sorted(set(warehouses) - {w.code for w in found})
        if unknown:
            raise ValidationFailed(warehouses=M_('unknown warehouse %(value)s', value=f'{unknown[0]!r}'))
        user = User(
            login=login, name=name, role=role, seller_id=seller_id, warehouses=found,
            password_hash=hash_secret(password) if password is not None else None,
            badge=badge, pin_hash=hash_secret(pin) if pin is not None else None,
        )
        session.add(user)
        session.flush()
        return user


def update_user(session: Session, actor: Principal, user_id: int, changes: dict) -> User:
    """Change a user's name, secrets or whether they may log in; their web
    sessions end when a secret or `active` changes."""
    actor.require("admin")
    password, badge, pin = changes.get("password"), changes.get("badge"), changes.get("pin")
    _check_secrets(password, badge, pin)
    with transaction(session):
        user = session.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            raise NotFound(M_('user not found'))
        if "name" in changes:
            user.name = changes["name"]
        if password is not None:
            user.password_hash = hash_secret(password)
        if badge is not None:
            other = session.scalar(select(User.id).where(User.badge == badge, User.id != user.id))
            if other is not None:
                raise Conflict(M_('that badge belongs to someone else'), {"badge": M_('already in use')})
            user.badge, user.pin_hash = badge, hash_secret(pin)
        if "active" in changes:
            user.active = bool(changes["active"])
        if "language" in changes:
            if changes["language"] is not None and changes["language"] not in USER_LANGUAGES:
                raise ValidationFailed(language=M_('one of %(value)s', value=', '.join(USER_LANGUAGES)))
            user.language = changes["language"]
        if password is not None or badge is not None or "active" in changes:
            user.session_epoch += 1
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.flush()
        return user


def set_language(session: Session, actor: Principal, language: str | None) -> User:
    """The logged-in person's own choice of language for their screens
    (None: follow the browser's)."""
    if actor.user_id is None:
        raise ValidationFailed(language=M_("only a person's login keeps a language; a token has none"))
    if language is not None and language not in USER_LANGUAGES:
        raise ValidationFailed(language=M_('one of %(value)s', value=', '.join(USER_LANGUAGES)))
    with transaction(session):
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound(M_('user not found'))
        user.language = language
        session.flush()
        return user


def list_users(session: Session, actor: Principal, *, after_id: int = 0, limit: int = 50) -> list[User]:
    actor.require("admin")
    return list(session.scalars(select(User).where(User.id > after_id).order_by(User.id).limit(limit + 1)))


def user_view(session: Session, user: User) -> dict:
    seller = session.scalar(select(Seller.code).where(Seller.id == user.seller_id)) if user.seller_id else None
    return {"id": user.id, "login": user.login, "name": user.name, "role": user.role, "seller": seller,
            "warehouses": [w.code for w in user.warehouses], "badge": user.badge, "active": user.active,
            "has_password": user.password_hash is not None, "language": user.language, "created_at": user.created_at}


# --- logging in ----------------------------------------------------------------------

def principal_of(user: User) -> Principal:
    return Principal(role=user.role, user_id=user.id, seller_id=user.seller_id,
                     warehouse_ids=frozenset(w.id for w in user.warehouses), name=user.name,
                     language=user.language)


def login_with_password(session: Session, login: str, password: str, *, client: str = "") -> User:
    """The user whose login and password these are, or Unauthenticated (the
    failure counted), or LoginThrottled while the login or client is locked."""
    keys = [f"login:{login.strip().lower()}", f"ip:{client}"]
    _refuse_if_locked(session, keys)
    user = session.scalar(select(User).where(User.login == login.strip()))
    good = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    return _settle(session, keys, user if good and user.password_hash else None)


def login_with_badge(session: Session, badge: str, pin: str, *, client: str = "") -> User:
    """The user of this badge, if the PIN is theirs (throttled as above)."""
    keys = [f"badge:{badge.strip()}", f"ip:{client}"]
    _refuse_if_locked(session, keys)
    user = session.scalar(select(User).where(User.badge == badge.strip()))
    good = check_password_hash(user.pin_hash if user and user.pin_hash else _DUMMY_HASH, pin)
    return _settle(session, keys, user if good and user.pin_hash else None)


def user_principal(session: Session, user_id: int, epoch: int) -> Principal:
    """Who a web session speaks for, checked on every request: a user
    deactivated, or whose secrets changed since the login, is logged out."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        raise Unauthenticated(M_('your login has ended: log in again'))
    return principal_of(user)


def _refuse_if_locked(session: Session, keys: list[str]) -> None:
    now = utcnow()
    locked = session.scalars(select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys))).all()
    until = max((t for t in locked if t is not None and t > now), default=None)
    if until is not None:
        wait = max(1, int((until - now).total_seconds()))
        raise LoginThrottled(M_('too many failed logins: try again in %(value)s minutes',
                                value=(wait + 59) // 60), wait)


def _settle(session: Session, keys: list[str], user: User | None) -> User:
    """Count a failure (and maybe lock), or clear the account's count on success."""
    with transaction(session):
        if user is not None and user.active:
            session.execute(LoginThrottle.__table__.delete().where(LoginThrottle.key == keys[0]))
            return user
        now = utcnow()
        dialect = session.get_bind().dialect.name
        for key in keys:
            rule = CLIENT_RULE if key.startswith("ip:") else ACCOUNT_RULE
            session.execute(
                (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoginThrottle)
                .values(key=key, failures=0, window_started_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
            if row.window_started_at <= now - rule.window:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= rule.failures:
                row.locked_until = now + rule.lock
                row.failures, row.window_started_at = 0, now
        session.flush()
    if user is not None:
        raise Unauthenticated(M_('this login is disabled'))
    raise Unauthenticated(M_('unknown login or wrong password'))
