"""The DomainError hierarchy. Each error knows its HTTP status and stable code;
wms.web_errors maps them to problem+json in one place."""
from __future__ import annotations

from wms.messages import N_, translated


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = N_("Bad request")

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class BadRequest(DomainError):
    status, code, title = 400, "bad_request", N_("Bad request")


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", N_("Unauthenticated")


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", N_("Forbidden")


class NotFound(DomainError):
    status, code, title = 404, "not_found", N_("Not found")


class Conflict(DomainError):
    status, code, title = 409, "conflict", N_("Conflict")


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", N_("Insufficient stock")


class InvalidState(Conflict):
    code, title = "invalid_state", N_("Invalid state")


class ConfirmationRequired(Conflict):
    """A scan that may well be a slip (far more units than expected, an item
    not on the ASN, a bin other than the suggested one): done only when the
    request confirms it by sending `code` in `confirm` (and, where asked, a
    reason). Each kind of doubt has its own stable code."""

    title = N_("Confirmation required")

    def __init__(self, code: str, detail: str, errors: dict | None = None):
        super().__init__(detail, errors or {"confirm": f"send confirm: [{code!r}] to go ahead"})
        self.code = code


class Blocked(Conflict):
    """What the current state of things forbids (a scan already put away
    cannot be undone); its code names the reason."""

    def __init__(self, code: str, detail: str, errors: dict | None = None):
        super().__init__(detail, errors)
        self.code = code


class IdempotencyKeyInUse(Conflict):
    code, title = "idempotency_key_in_use", N_("Idempotency key in use")


class TooLarge(DomainError):
    status, code, title = 413, "too_large", N_("Request too large")


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", N_("Validation error")

    def __init__(self, detail: str | None = None, errors: dict | None = None, **fields: str):
        errors = dict(errors or {}, **fields)
        if detail is None:
            detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) or "Invalid input"
        super().__init__(detail, errors)


class UnknownBarcode(ValidationFailed):
    code, title = "unknown_barcode", N_("Unknown barcode")


class Refused(ValidationFailed):
    """A rule says no, whatever is confirmed (an expired lot received as
    good, a bin that cannot take the item); its code names the rule."""

    title = N_("Refused")

    def __init__(self, code: str, detail: str | None = None, errors: dict | None = None, **fields: str):
        super().__init__(detail, errors, **fields)
        self.code = code


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", N_("Idempotency key reused")


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", N_("Rate limited")


def said(error: DomainError) -> tuple[str, str, dict]:
    """The error's title, detail and field errors in the request's language
    (wms.messages): its `code` is the same in every language. A detail made
    of the field errors is made again from their translations."""
    errors = {name: translated(text) for name, text in error.errors.items()}
    generated = "; ".join(f"{k}: {v}" for k, v in error.errors.items())
    if error.errors and error.detail == generated:
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
    else:
        detail = translated(error.detail)
    return translated(error.title), detail, errors
