"""Channel credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys
from the environment.

``WMS_CHANNEL_KEYS`` holds one or more Fernet keys separated by commas; the
first encrypts, every one decrypts (MultiFernet), so a key is rotated by
putting the new one first and running ``wms channels rotate-keys``.
Credentials are write-only in the API: they go in here and come out only in
the worker, for the connector.
"""
from __future__ import annotations

import json
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from wms.config import ConfigError

ENV_VAR = "WMS_CHANNEL_KEYS"


def _fernet() -> MultiFernet:
    raw = os.environ.get(ENV_VAR, "")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ConfigError(f"{ENV_VAR} is not set: channel credentials cannot be encrypted "
                          f"(make one with `wms channels new-key`)")
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ConfigError(f"{ENV_VAR} holds a key that is not a Fernet key") from exc


def new_key() -> str:
    return Fernet.generate_key().decode()


def seal(credentials: dict) -> bytes | None:
    if not credentials:
        return None
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode())


def unseal(token: bytes | None) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken as exc:
        raise ConfigError(f"channel credentials cannot be decrypted with the keys in {ENV_VAR}") from exc


def rotate(token: bytes | None) -> bytes | None:
    """The same credentials under the first key."""
    return _fernet().rotate(bytes(token)) if token else None
