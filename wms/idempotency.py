"""Idempotency-Key handling for POST requests.

A first request claims its key (committed at once, so a concurrent duplicate
sees it and gets 409 idempotency_key_in_use). The request's work then runs
with its commit deferred (wms.db's write scope: ``defer_commits``), and the
response is stored in the same transaction as the work: either both are committed or neither is, so a retry after a
crash either replays the stored response or does the work for the first
time, never twice.

Whether the first request is still running is observable on PostgreSQL: the
request's work transaction holds a transaction-level advisory lock on its
claim (``pg_try_advisory_xact_lock``) until it commits the work with the
response, or rolls back. A worker that dies, or a database restart, ends that
transaction and frees the lock at once, so a retry finding the claim still
in flight and the lock free takes it over immediately (no 60 s of 409s);
whoever holds the lock re-reads the claim first, so a finished request is
replayed, never run again. On SQLite (one machine, no such locks) a claim in
flight longer than the lock timeout is taken over instead.

The web screens' forms carry their key in a hidden field instead of the
header (a browser cannot set one); they claim it through the same table,
scoped to the logged-in token, and a repeat replays the recorded redirect.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import Flask, Response, current_app, g, json, request
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from wms.db import begin_write, defer_commits, end_deferral, rollback, run_after_commit, utcnow, write_scope
from wms.errors import BadRequest, DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from wms.http import get_session, problem, problem_from
from wms.idempotency_models import IdempotencyKey
from wms.metrics import IDEMPOTENCY_CONFLICTS

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
REPLAYED = "Idempotent-Replayed"
_keys = IdempotencyKey.__table__
# Advisory lock ids of claims: this base plus the claim's id (a namespace of its own).
_LOCK_BASE = 0x5153 << 48


def _postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _try_lock(session, key_id: int) -> bool:
    """Take the claim's advisory lock for the current transaction; False
    when another transaction (a request still running) holds it."""
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_BASE + key_id))))


IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": HEADER, "required": True,
    "description": "Repeat the same key to retry safely: the first answer is replayed.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def requires_idempotency_key(view):
    """Scan endpoints: a handheld retrying on flaky Wi-Fi must send a key
    (declared as a required header in the OpenAPI document too)."""
    from flask_smorest.utils import deepupdate

    view._requires_idempotency_key = True
    apidoc = getattr(view, "_apidoc", {})
    view._apidoc = {**apidoc, "manual_doc": deepupdate(dict(apidoc.get("manual_doc", {})),
                                                       {"parameters": [IDEMPOTENCY_PARAMETER]})}
    return view


def form_idempotency_key(view):
    """Web form endpoints: the key comes from the form's hidden FORM_FIELD
    (the header still wins when a client sends one), and is required."""
    view._requires_idempotency_key = True
    view._idempotency_form_field = FORM_FIELD
    return view


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(32 < ord(ch) < 127 for ch in key)


def _request_hash(form: bool = False) -> str:
    if form:
        # The form's fields: parsing a form consumes the raw body, so hash what was parsed.
        canonical = json.dumps(sorted(request.form.items(multi=True)), separators=(",", ":")).encode()
    else:
        raw = request.get_data(cache=True)
        try:
            canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
        except ValueError:
            canonical = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, canonical):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.response_body, status=row.response_status, content_type=row.response_content_type)
    response.headers[REPLAYED] = "true"
    if row.response_location:
        response.headers["Location"] = row.response_location
    return response


def claim_key(on_error=problem_from) -> Response | None:
    """before_request: claim the key, or answer from what the key recorded.

    on_error turns a DomainError into the response (problem+json for the
    API; the web screens pass one that raises, to render it as a page)."""
    if request.method != "POST" or "principal" not in g:
        return None
    key = request.headers.get(HEADER)
    view = current_app.view_functions.get(request.endpoint or "")
    form_field = getattr(view, "_idempotency_form_field", None)
    if key is None and form_field:
        key = request.form.get(form_field) or None
    if key is None:
        if getattr(view, "_requires_idempotency_key", False):
            name = form_field or HEADER
            return on_error(BadRequest(f"this endpoint requires an {name} {'field' if form_field else 'header'}",
                                       {name: "required"}))
        return None
    if not _valid_key(key):
        return on_error(BadRequest(f"{HEADER} must be 1-255 printable characters", {HEADER: "invalid"}))
    # A key is the API token's, or (a web form of a logged-in person) the user's.
    owner = {"token_id": g.principal.token_id} if g.principal.token_id is not None \
        else {"user_id": g.principal.user_id}
    (owner_column, owner_id), = owner.items()
    request_hash = _request_hash(form=form_field is not None)
    session = get_session()
    if session.in_transaction():
        session.commit()  # end the read transaction of authentication
    now = utcnow()
    begin_write(session)
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(_keys)
    key_id = session.execute(
        insert.values(
            **owner, key=key, request_hash=request_hash, method=request.method,
            path=request.full_path[:500], status="in_flight", locked_at=now, created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[owner_column, "key"])
        .returning(_keys.c.id)
    ).scalar()
    if key_id is None:
        row = session.scalars(
            select(IdempotencyKey).where(getattr(IdempotencyKey, owner_column) == owner_id, IdempotencyKey.key == key)
        ).one()
        outcome = _existing(session, row, request_hash, on_error)
        if isinstance(outcome, Response):
            session.commit()
            return outcome
        key_id = outcome
    session.commit()
    if _postgres(session):
        # The work transaction starts here and holds the claim's lock until
        # it commits with the response (or rolls back, or its worker dies).
        if not _try_lock(session, key_id):
            rollback(session)
            return on_error(IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed"))
        row = session.get(IdempotencyKey, key_id, populate_existing=True)
        if row is None or row.status != "in_flight":
            # Another retry finished (or gave up) between the claim and the lock.
            response = _replay(row) if row is not None else on_error(IdempotencyKeyInUse(
                "a request with this Idempotency-Key is still being processed"))
            rollback(session)
            return response
    g.idempotency_key_id = key_id
    defer_commits(session, key_id)
    if _postgres(session):
        write_scope(session).pending = True  # services join the locked transaction
    return None


def _existing(session, row: IdempotencyKey, request_hash: str, on_error=problem_from) -> Response | int:
    kind = "reused" if row.request_hash != request_hash else "in_use"
    try:
        outcome = _existing_outcome(session, row, request_hash, on_error)
    except DomainError:  # the web screens' on_error raises
        IDEMPOTENCY_CONFLICTS.labels(kind).inc()
        raise
    if isinstance(outcome, Response) and not outcome.headers.get(REPLAYED):
        IDEMPOTENCY_CONFLICTS.labels(kind).inc()
    return outcome


def _existing_outcome(session, row: IdempotencyKey, request_hash: str, on_error) -> Response | int:
    if row.request_hash != request_hash:
        return on_error(IdempotencyKeyReused(
            "this Idempotency-Key was used with a different request", {HEADER: "reused with another body"}
        ))
    if row.status == "completed":
        return _replay(row)
    if _postgres(session):
        if not _try_lock(session, row.id):
            return on_error(IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed"))
        # In flight and nobody holds its lock: its request died. Take over.
        session.execute(update(_keys).where(_keys.c.id == row.id).values(locked_at=utcnow()))
        return row.id
    stale_before = utcnow() - timedelta(seconds=current_app.config["WMS_SETTINGS"].idempotency_lock_seconds)
    if row.locked_at > stale_before:
        return on_error(IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed"))
    # The worker holding the claim died before committing anything: take over.
    taken = session.execute(
        update(_keys)
        .where(_keys.c.id == row.id, _keys.c.status == "in_flight", _keys.c.locked_at == row.locked_at)
        .values(locked_at=utcnow())
    )
    if taken.rowcount != 1:
        return on_error(IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed"))
    return row.id


def record_response(response: Response) -> Response:
    """after_request: store the response with the work, in one commit."""
    key_id = g.pop("idempotency_key_id", None)
    if key_id is None:
        return response
    session = get_session()
    end_deferral(session)
    if response.status_code >= 400:
        rollback(session)  # an error changes nothing; only its answer is kept
    if response.status_code >= 500:
        _release(session, key_id)
        return response
    try:
        begin_write(session)
        session.execute(
            update(_keys)
            .where(_keys.c.id == key_id)
            .values(
                status="completed",
                response_status=response.status_code,
                response_body=response.get_data(as_text=True),
                response_content_type=response.content_type,
                response_location=response.headers.get("Location"),
                completed_at=utcnow(),
            )
        )
        session.commit()
    except OperationalError as exc:
        # The database went away before the work and its response were
        # committed: nothing happened, and the client may retry.
        rollback(session)
        _release(session, key_id)
        log.warning("database unavailable while recording a response: %s", exc.orig)
        return unavailable()
    except Exception:
        rollback(session)
        _release(session, key_id)
        raise
    run_after_commit(session)
    return response


def unavailable():
    response = problem(503, "unavailable", "Service unavailable", "the database is unavailable; retry shortly")
    response.headers["Retry-After"] = "1"
    return response


def release_on_teardown(exc: BaseException | None) -> None:
    key_id = g.pop("idempotency_key_id", None)
    if key_id is None or "db_session" not in g:
        return
    session = g.db_session
    end_deferral(session)
    rollback(session)
    _release(session, key_id)


def _release(session, key_id: int) -> None:
    """Forget a claim whose request failed, so that a retry can run it. When
    the database is unreachable the claim stays; on PostgreSQL its lock died
    with the connection, so a retry takes it over at once."""
    try:
        begin_write(session)
        session.execute(_keys.delete().where(_keys.c.id == key_id, _keys.c.status == "in_flight"))
        session.commit()
    except OperationalError as exc:
        rollback(session)
        log.warning("could not release idempotency claim %s: %s", key_id, exc.orig)


def init_app(app: Flask) -> None:
    app.after_request(record_response)
    app.teardown_request(release_on_teardown)
