"""Who may act: API tokens for machines (only a SHA-256 hash of a token is
stored), users for people (a password, or a badge and PIN on a handheld,
hashed with scrypt), and the login throttle that slows guessing down."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import Base, UTCDateTime, utcnow
from wms.facility.models import Warehouse

ROLES = ("admin", "operator", "seller", "channel")

token_warehouses = Table(
    "token_warehouses",
    Base.metadata,
    Column("token_id", ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouses.id"), primary_key=True),
)


class Token(Base):
    __tablename__ = "tokens"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'operator', 'seller', 'channel')", name="role"),
        CheckConstraint("role NOT IN ('seller', 'channel') OR seller_id IS NOT NULL", name="seller_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)
    # The channel a channel token speaks for (the channels area owns that table).
    channel_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    warehouses: Mapped[list[Warehouse]] = relationship(secondary=token_warehouses, lazy="selectin")


USER_ROLES = ("admin", "operator", "seller")

user_warehouses = Table(
    "user_warehouses",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouses.id"), primary_key=True),
)


# The languages a person may choose for their screens (wms.web.i18n offers
# them per screen: the portal in en/zh, the handheld in en/zh/es).
USER_LANGUAGES = ("en", "zh", "es")


class User(Base):
    """A person: a name on every movement and status change they make."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'operator', 'seller')", name="role"),
        CheckConstraint("role <> 'seller' OR seller_id IS NOT NULL", name="seller_scope"),
        CheckConstraint("password_hash IS NOT NULL OR (badge IS NOT NULL AND pin_hash IS NOT NULL)",
                        name="can_log_in"),
        CheckConstraint("language IS NULL OR language IN ('en', 'zh', 'es')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Printed on the person's badge and scanned at the handheld; the PIN is the secret.
    badge: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password, PIN or access changes: older web sessions end.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The language of their screens (one of USER_LANGUAGES); none: the browser's.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warehouses: Mapped[list[Warehouse]] = relationship(secondary=user_warehouses, lazy="selectin")


class WebSession(Base):
    """One web login, kept on the server: the browser's cookie holds only a
    random key whose SHA-256 is stored here. Logging out deletes the row, so
    a copied cookie is dead at once; so is it when the session runs past
    `expires_at`, when its token is revoked or expires, or when its user is
    deactivated or their secrets change (`user_epoch` no longer matches)."""

    __tablename__ = "web_sessions"
    __table_args__ = (CheckConstraint("(token_id IS NULL) <> (user_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_epoch: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginThrottle(Base):
    """Failed logins per key ("login:<name>", "badge:<code>", "ip:<address>")
    within a window; past the limit the key is locked for a while. Kept in
    the database so that every worker process sees the same count."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
