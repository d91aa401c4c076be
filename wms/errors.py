"""The DomainError hierarchy. Each error knows its HTTP status and stable code;
wms.web_errors maps them to problem+json in one place."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class BadRequest(DomainError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", "Unauthenticated"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Insufficient stock"


class InvalidState(Conflict):
    code, title = "invalid_state", "Invalid state"


class ConfirmationRequired(Conflict):
    """A scan that may well be a slip (far more units than expected, an item
    not on the ASN, a bin other than the suggested one): done only when the
    request confirms it by sending `code` in `confirm` (and, where asked, a
    reason). Each kind of doubt has its own stable code."""

    title = "Confirmation required"

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
    code, title = "idempotency_key_in_use", "Idempotency key in use"


class TooLarge(DomainError):
    status, code, title = 413, "too_large", "Request too large"


class ValidationFailed(DomainError):
    status, code, title = 422, "validation_error", "Validation error"

    def __init__(self, detail: str | None = None, errors: dict | None = None, **fields: str):
        errors = dict(errors or {}, **fields)
        if detail is None:
            detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) or "Invalid input"
        super().__init__(detail, errors)


class UnknownBarcode(ValidationFailed):
    code, title = "unknown_barcode", "Unknown barcode"


class Refused(ValidationFailed):
    """A rule says no, whatever is confirmed (an expired lot received as
    good, a bin that cannot take the item); its code names the rule."""

    title = "Refused"

    def __init__(self, code: str, detail: str | None = None, errors: dict | None = None, **fields: str):
        super().__init__(detail, errors, **fields)
        self.code = code


class IdempotencyKeyReused(ValidationFailed):
    code, title = "idempotency_key_reused", "Idempotency key reused"


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Rate limited"
