"""What every request's input must be before any view or database sees it
(issue 13, D3-D5): the same answer on SQLite and PostgreSQL, never a 500.

- Path, query and form values: no control characters (a NUL is a 500 on
  PostgreSQL and silently stored by SQLite).
- JSON bodies: read in one place (a body that cannot be read, e.g. a
  malformed chunked body, is 400), parsed strictly (NaN/Infinity and
  nesting past MAX_DEPTH are 400: the decoder would recurse), and then every
  string free of control characters and lone surrogates, every number finite
  and within 32-bit integers (every integer column; ids beyond it cannot
  exist), except the few WIDE_FIELDS kept in BIGINT columns.
- Integers in paths (the `int` converter) stop at the 32-bit maximum (404
  beyond it); cursors are bounded in wms.http.decode_cursor.

Field errors are 422 validation_error naming the field, like marshmallow's.
"""
from __future__ import annotations

import json
import math
import re

from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from wms.db import INT32_MAX, INT32_MIN, INT64_MAX
from wms.errors import BadRequest, NotFound, ValidationFailed

MAX_DEPTH = 32
# Body fields kept in BIGINT columns (or never stored): up to INT64_MAX.
WIDE_FIELDS = frozenset({"max_volume_mm3", "cart_capacity_volume_mm3"})
# C0 controls and DEL, except tab, newline and carriage return (notes may hold them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a URL or a query argument, none at all.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# The decimal numbers 0..2147483647 (INT32_MAX), as a regular expression.
_UP_TO_INT32_MAX = (
    r"0*(?:\d{1,9}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
    r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a route: at most INT32_MAX (every id column holds that).
    A larger id cannot exist, so it matches no route: 404 whatever the method
    (bounding in to_python would let werkzeug answer 405 for a PATCH)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT32_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        if not fixed_digits and not signed:
            self.regex = _UP_TO_INT32_MAX


def string_problem(value: str, *, url: bool = False) -> str | None:
    if _SURROGATE.search(value):
        return "must be valid Unicode (no lone surrogates)"
    if (_URL_CONTROL if url else _CONTROL).search(value):
        return "must not contain control characters"
    return None


def check_request() -> None:
    """The before_request hook: raises a DomainError for input no view may see."""
    if _URL_CONTROL.search(request.path):
        raise NotFound("no such resource")
    errors = {}
    for name, value in request.args.items(multi=True):
        problem = string_problem(name, url=True) or string_problem(value, url=True)
        if problem:
            errors[name if not string_problem(name, url=True) else "_query"] = problem
    if errors:
        raise ValidationFailed(errors=errors)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    try:
        data = request.get_data(cache=True)
    except HTTPException:
        raise  # 413 over the size limit, 400 for a client that went away
    except Exception as exc:  # noqa: BLE001 - the server's body reader (e.g. a malformed chunked body)
        raise BadRequest("the request body could not be read") from exc
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
        for name, value in request.form.items(multi=True):
            problem = string_problem(value)
            if problem:
                errors[name] = problem
        if errors:
            raise ValidationFailed(errors=errors)
        return
    if not request.is_json or not data:
        return
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise BadRequest(f"the request body is nested more than {MAX_DEPTH} levels deep",
                         {"_body": "nested too deeply"}) from exc
    except _NotJson as exc:
        raise BadRequest("the request body is not valid JSON", {"json": str(exc)}) from exc
    except ValueError:
        return  # not JSON at all: the view's parser answers that (400, "not valid JSON")
    check_json(body)


class _NotJson(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotJson(f"{name} is not a JSON number")


def check_json(body) -> None:
    """Walk a parsed JSON document without recursion: depth, strings and numbers."""
    errors: dict[str, str] = {}
    stack = [("", body, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            raise BadRequest(f"the request body is nested more than {MAX_DEPTH} levels deep",
                             {"_body": "nested too deeply"})
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                problem = string_problem(key)
                if problem:
                    errors[path or "_body"] = f"field names {problem}"
                    continue
                stack.append((child, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = string_problem(value)
            if problem:
                errors[path or "_body"] = problem
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                errors[path or "_body"] = "must be a finite number"
            elif path.rpartition(".")[2] in WIDE_FIELDS:
                if not -INT64_MAX <= value <= INT64_MAX:
                    errors[path] = f"must be at most {INT64_MAX}"
            elif not INT32_MIN <= value <= INT32_MAX:
                errors[path or "_body"] = f"must be between {INT32_MIN} and {INT32_MAX}"
    if errors:
        raise ValidationFailed(errors=errors)
