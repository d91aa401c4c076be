"""HTTP plumbing shared by every blueprint: the request's database session
and principal, problem+json rendering, and cursor pagination."""
from __future__ import annotations

import base64
import binascii

from flask import Response, current_app, g, json, request
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.db import INT32_MAX, INT64_MAX  # noqa: F401  (INT64_MAX: for list_page callers)
from wms.errors import BadRequest, DomainError, said
from wms.logs import current_request_id

PROBLEM_TYPE_BASE = "https://quayside.dev/problems/"
MAX_PAGE = 500


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["wms"]["sessionmaker"]()
    return g.db_session


def current_principal() -> Principal:
    return g.principal


ROLES_ATTRIBUTE = "_wms_roles"


def roles(*allowed: str):
    """Declare who may call an API view. The app checks it right after
    authentication, before the input guard and before the view reads its
    arguments, so a caller of the wrong role gets 403, never a 422 about a
    body it may not send, nor a 404 about an id it may not see. Put it
    directly above the `def` (under flask-smorest's decorators, which keep
    the mark). The service keeps its own check: this one only comes first."""
    def mark(view):
        setattr(view, ROLES_ATTRIBUTE, frozenset(allowed))
        return view
    return mark


def declared_roles(view) -> frozenset[str] | None:
    return getattr(view, ROLES_ATTRIBUTE, None)


def check_declared_roles() -> None:
    """before_request: the roles declared by @roles on the view, if any."""
    allowed = declared_roles(current_app.view_functions.get(request.endpoint))
    if allowed and "principal" in g:
        g.principal.require(*sorted(allowed))


class ProblemSchema(Schema):
    """An error response (application/problem+json), for the OpenAPI document."""

    type = fields.String(metadata={"description": "a URI naming the kind of problem"})
    title = fields.String()
    status = fields.Integer(metadata={"description": "the HTTP status"})
    detail = fields.String()
    code = fields.String(metadata={"description": "a stable snake_case slug, e.g. insufficient_stock"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "field name to message, for validation failures"})
    request_id = fields.String(allow_none=True, metadata={
        "description": "the request's id, as in its X-Request-ID header and in the server's log lines"})


def problem(status: int, code: str, title: str, detail: str, errors: dict | None = None) -> Response:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or {},
        "request_id": current_request_id(),
    }
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def problem_from(error: DomainError) -> Response:
    # The machine code stays; the title and the words are the request's language.
    title, detail, errors = said(error)
    response = problem(error.status, error.code, title, detail, errors)
    if error.status == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, max_id: int = INT32_MAX) -> int:
    """The last id of the previous page; at most max_id (the id column's
    largest value: a cursor beyond it is not one this API returned)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "id" or not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > max_id:
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise BadRequest("the cursor is not one this API returned", {"cursor": "invalid cursor"}) from exc


def page(items: list, limit: int, key=lambda item: item["id"] if isinstance(item, dict) else item.id) -> dict:
    """Services fetch limit + 1 rows; the extra one tells there is a next page."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": encode_cursor(key(items[-1])) if more and items else None}


def list_page(args: dict, fetch, *fetch_args, views=None, cursor_max: int = INT32_MAX) -> dict:
    """A list endpoint's answer. fetch(session, principal, *fetch_args,
    **filters, after_id=, limit=) returns up to limit + 1 rows; views(session,
    rows) turns the whole page into what the API shows at once (a constant
    number of queries, whatever the page size). cursor_max: the largest id of
    the listed table (INT64_MAX for the ledger's BIGINT tables)."""
    session = get_session()
    paging = page_args(args, cursor_max)
    result = page(fetch(session, current_principal(), *fetch_args, **args, **paging), paging["limit"])
    if views is not None:
        result["items"] = views(session, result["items"])
    return result


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None)


def page_args(args: dict, cursor_max: int = INT32_MAX) -> dict:
    return {"after_id": decode_cursor(args.pop("cursor", None), cursor_max), "limit": args.pop("limit", 50)}


def wants_json_body() -> bool:
    return request.method in ("POST", "PUT", "PATCH")
