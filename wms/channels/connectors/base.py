"""What every connector shares: the push/read contract, the error classes the
worker acts on, and one HTTP call with timeouts and retries (tenacity:
exponential backoff with full jitter, honouring Retry-After first).

A connector turns a batch of (external id, quantity) into the marketplace's
own requests and its answers into per-listing outcomes. It never decides
*what* to push (the worker reads the latest desired state) and never sleeps
long: a throttle longer than a few seconds goes back to the worker, which
parks the whole channel until then (``channels.throttled_until``, shared by
every worker through the database).
"""
from __future__ import annotations

import email.utils
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

DEFAULT_TIMEOUT_S = 10.0
# Retry-After up to this long is waited out in the call; longer goes back to the worker.
MAX_INLINE_WAIT_S = 2.0


@dataclass(frozen=True)
class PushItem:
    listing_id: int
    external_id: str
    location: str
    sku: str
    qty: int
    version: int
    # What we last pushed successfully: the compare-and-set value where the API has one.
    pushed_qty: int | None = None


@dataclass
class Outcome:
    """One listing's result: ok, or an error that is `retry` (transient) or
    `dead` (the marketplace refuses this listing: the seller must act)."""

    listing_id: int
    ok: bool
    error: str | None = None
    kind: str = "ok"
    # The quantity the marketplace now shows, when it said so.
    remote_qty: int | None = None


class ConnectorError(Exception):
    """The whole call failed."""

    def __init__(self, message: str, *, retry_after: float | None = None, response: httpx.Response | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.response = response


class Transient(ConnectorError):
    """5xx, a timeout, a dropped connection: worth trying again."""


class Throttled(ConnectorError):
    """429, or a throttle reported inside a 200 (Shopify): wait retry_after."""


class AuthFailed(ConnectorError):
    """The marketplace refuses our credentials even after a token refresh:
    the channel pauses until the seller fixes them."""


class Rejected(ConnectorError):
    """The marketplace refuses the request itself (4xx): no retry helps."""


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff_s(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Full-jitter backoff before the next attempt of a listing (tenacity's
    wait_random_exponential: uniform between 0 and min(cap, base * 2^n))."""
    state = RetryCallState(None, None, (), {})
    state.attempt_number = max(1, attempt)
    return wait_random_exponential(multiplier=base, max=cap)(state)


def _wait(retry_state: RetryCallState) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, ConnectorError) and exc.retry_after is not None:
        return exc.retry_after
    return wait_random_exponential(multiplier=0.2, max=2.0)(retry_state)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, Throttled):
        return exc.retry_after is None or exc.retry_after <= MAX_INLINE_WAIT_S
    return isinstance(exc, Transient)


@dataclass
class Connector(ABC):
    """Base of every connector: settings (plain), credentials (decrypted),
    an httpx client and the call helper."""

    settings: dict
    credentials: dict
    client: httpx.Client
    kind: str = "base"
    batch_size: int = 1
    default_base_url: str = ""
    # Requests per second the marketplace allows this account (the shared limiter's rate).
    rate_per_s: float = 5.0
    attempts: int = 3
    tokens: dict = field(default_factory=dict)
    # A FeedConnector (below) sends most items through asynchronous bulk feeds.
    uses_feeds: bool = False

    @property
    def base_url(self) -> str:
        return (self.settings.get("base_url") or self.default_base_url).rstrip("/")

    @property
    def timeout(self) -> float:
        return float(self.settings.get("timeout_s") or DEFAULT_TIMEOUT_S)

    def call(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One HTTP request with a timeout, retried on 5xx, timeouts and short
        throttles; a 401 is AuthFailed, any other 4xx is returned as is."""
        kwargs.setdefault("timeout", self.timeout)
        return self.retrying()(self._request_once, method, url, **kwargs)

    def retrying(self) -> Retrying:
        """Retries for one logical call: transient errors and short throttles,
        exponential backoff with full jitter, Retry-After first."""
        return Retrying(
            stop=stop_after_attempt(self.attempts) | stop_after_delay(30),
            wait=_wait,
            retry=retry_if_exception(_retryable),
            reraise=True,
            sleep=time.sleep,
        )

    def _request_once(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise Transient(f"{self.kind}: no answer within {kwargs['timeout']} s ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise Transient(f"{self.kind}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 429:
            raise Throttled(f"{self.kind}: rate limited: {response.text[:300]}",
                            retry_after=parse_retry_after(response.headers.get("Retry-After")) or 1.0,
                            response=response)
        if response.status_code >= 500:
            raise Transient(f"{self.kind}: HTTP {response.status_code}: {response.text[:300]}",
                            retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if response.status_code == 401:
            raise AuthFailed(f"{self.kind}: credentials refused: {response.text[:300]}")
        return response

    # The contract every connector fills in.
    @abstractmethod
    def push(self, items: list[PushItem]) -> list[Outcome]:
        raise NotImplementedError

    @abstractmethod
    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        """Remote quantity per listing id (None: the marketplace does not know it)."""
        raise NotImplementedError


@dataclass
class FeedConnector(Connector):
    """A marketplace with asynchronous bulk feeds (Walmart): push() answers
    only for the urgent items, and the rest go through submit_feed() and
    poll_feed(), which a feed connector must fill in."""

    uses_feeds: bool = True
    feed_size: int = 1000

    @property
    def feeds_per_hour(self) -> float:
        return float(self.settings.get("feeds_per_hour") or 10)

    @property
    def feed_poll_s(self) -> float:
        return float(self.settings.get("feed_poll_s") or 60)

    @property
    def feed_timeout_s(self) -> float:
        return float(self.settings.get("feed_timeout_s") or 7200)

    def urgent(self, item: PushItem) -> bool:
        """Whether a feed connector sends this item at once rather than in a feed."""
        return False

    @abstractmethod
    def submit_feed(self, items: list[PushItem]) -> str:
        """Hand the items to the marketplace as one feed; the feed's id."""
        raise NotImplementedError

    @abstractmethod
    def poll_feed(self, feed_id: str, items: list[PushItem]) -> list[Outcome] | None:
        """None while the feed is processed; then one outcome per item."""
        raise NotImplementedError


def error_text(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:500]}"
