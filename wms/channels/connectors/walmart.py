"""Walmart Marketplace (US): client-credentials token (``POST /v3/token``
with the client id and secret; ``WM_SVC.NAME`` and a correlation id on every
call).

Walmart meant the single-item ``PUT /v3/inventory?sku=`` (``{sku, quantity:
{unit: "EACH", amount}}``) for urgent changes and the bulk inventory feed for
the rest, so: a listing going to zero (the one change that stops an oversell)
is sent at once as a single item; every other change goes into a bulk feed,
``POST /v3/feeds?feedType=inventory`` with a multipart ``file`` holding
``{"InventoryHeader": {"version": "1.4"}, "Inventory": [{sku, quantity:
{unit, amount}}]}``, answered by ``{"feedId"}``. Walmart processes a feed
asynchronously (about half an hour, 10 feeds an hour), so the worker records
the feed, polls ``GET /v3/feeds/{feedId}?includeDetails=true`` (50 items a
page) until ``feedStatus`` is PROCESSED or ERROR, and settles each item on
its own from ``itemIngestionStatus[].ingestionStatus``: SUCCESS is pushed,
DATA_ERROR is dead with Walmart's message, SYSTEM_ERROR / TIMEOUT_ERROR are
retried. Shapes checked against Walmart's published OpenAPI models
(``updateBulkInventory``, ``getFeedItemStatus``) as packaged by
highsidelabs/walmart-api-php.

Settings: ``feeds_per_hour`` (default 10, Walmart's limit), ``feed_poll_s``
(default 60) and ``feed_timeout_s`` (default 7200: a feed not finished by
then is given up and its listings are sent again)."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from wms.channels.connectors.base import (
    AuthFailed,
    FeedConnector,
    Outcome,
    PushItem,
    Rejected,
    Transient,
    error_text,
)

FEED_PAGE = 50


@dataclass
class WalmartConnector(FeedConnector):
    kind: str = "walmart"
    # Single items (urgent zeroes) one per call; a feed takes a whole claim.
    batch_size: int = 1
    feed_size: int = 5000
    default_base_url: str = "https://marketplace.walmartapis.com"
    rate_per_s: float = 5.0

    def urgent(self, item: PushItem) -> bool:
        """A listing going to zero is sent at once, not left for a feed."""
        return item.qty == 0

    def _headers(self, token: str | None = None) -> dict:
        headers = {"WM_SVC.NAME": "Quayside", "WM_QOS.CORRELATION_ID": uuid.uuid4().hex, "Accept": "application/json"}
        if token:
            headers["WM_SEC.ACCESS_TOKEN"] = token
        return headers

    def _token(self, *, fresh: bool = False) -> str:
        cached = self.tokens.get("access")
        if cached and not fresh and cached[1] > time.monotonic() + 60:
            return cached[0]
        response = self.call("POST", f"{self.base_url}/v3/token", headers=self._headers(),
                             auth=httpx.BasicAuth(self.credentials["client_id"], self.credentials["client_secret"]),
                             data={"grant_type": "client_credentials"})
        if response.status_code != 200:
            raise AuthFailed(f"walmart refused the client credentials: {error_text(response)}")
        body = response.json()
        self.tokens["access"] = (body["access_token"], time.monotonic() + int(body.get("expires_in", 900)))
        return body["access_token"]

    def _authed(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return self.call(method, self.base_url + path, headers=self._headers(self._token()), **kwargs)
        except AuthFailed:
            return self.call(method, self.base_url + path, headers=self._headers(self._token(fresh=True)), **kwargs)

    def push(self, items: list[PushItem]) -> list[Outcome]:
        outcomes = []
        for item in items:
            response = self._authed("PUT", "/v3/inventory", params={"sku": item.external_id}, json={
                "sku": item.external_id, "quantity": {"unit": "EACH", "amount": item.qty}})
            if response.status_code in (400, 404):
                errors = response.json().get("errors", []) if "json" in response.headers.get("content-type", "") \
                    else []
                message = "; ".join(f"{e.get('code')}: {e.get('description') or e.get('message')}" for e in errors)
                outcomes.append(Outcome(item.listing_id, False, f"walmart: {message or error_text(response)}", "dead"))
            elif response.status_code >= 300:
                raise Rejected(f"walmart: {error_text(response)}")
            else:
                outcomes.append(Outcome(item.listing_id, True))
        return outcomes

    def submit_feed(self, items: list[PushItem]) -> str:
        """Send the items as one bulk inventory feed; the feed's id."""
        document = {"InventoryHeader": {"version": "1.4"},
                    "Inventory": [{"sku": i.external_id, "quantity": {"unit": "EACH", "amount": i.qty}}
                                  for i in items]}
        response = self._authed("POST", "/v3/feeds", params={"feedType": "inventory"}, files={
            "file": ("inventory.json", json.dumps(document, separators=(",", ":")).encode(), "application/json")})
        if response.status_code >= 300:
            raise Rejected(f"walmart refused the inventory feed: {self._message(response)}")
        feed_id = response.json().get("feedId")
        if not isinstance(feed_id, str) or not feed_id:
            raise Transient(f"walmart: no feedId in the answer: {error_text(response)}")
        return feed_id

    def poll_feed(self, feed_id: str, items: list[PushItem]) -> list[Outcome] | None:
        """None while Walmart is still processing the feed; else one outcome
        per item, in the feed's order."""
        path = f"/v3/feeds/{quote(feed_id, safe='')}"
        results: dict[int, dict] = {}
        offset = 0
        while True:
            response = self._authed("GET", path, params={"includeDetails": "true", "offset": offset,
                                                         "limit": FEED_PAGE})
            if response.status_code != 200:
                raise Transient(f"walmart: feed {feed_id} status: {self._message(response)}")
            body = response.json()
            status = body.get("feedStatus")
            if status in ("RECEIVED", "INPROGRESS"):
                return None
            if status == "ERROR":
                errors = (body.get("ingestionErrors") or {}).get("ingestionError") or []
                message = "; ".join(f"{e.get('code')}: {e.get('description')}" for e in errors) or "no reason given"
                return [Outcome(i.listing_id, False, f"walmart: feed {feed_id} failed as a whole: {message}",
                                "retry") for i in items]
            page = (body.get("itemDetails") or {}).get("itemIngestionStatus") or []
            for n, row in enumerate(page):
                results[int(row.get("index", offset + n))] = row
            offset += FEED_PAGE
            if not page or offset >= int(body.get("itemsReceived") or len(items)):
                break
        outcomes = []
        for n, item in enumerate(items):
            row = results.get(n)
            if row is not None and row.get("sku") not in (None, item.external_id):
                row = None  # not the item we put at that place
            status = (row or {}).get("ingestionStatus")
            if status == "SUCCESS":
                outcomes.append(Outcome(item.listing_id, True))
                continue
            errors = ((row or {}).get("ingestionErrors") or {}).get("ingestionError") or []
            message = "; ".join(f"{e.get('code')}: {e.get('description')}" for e in errors)
            if status == "DATA_ERROR":
                outcomes.append(Outcome(item.listing_id, False, f"walmart: {message or 'DATA_ERROR'}", "dead"))
            else:
                outcomes.append(Outcome(item.listing_id, False,
                                        f"walmart: feed {feed_id}: {status or 'no result for the item'} {message}"
                                        .strip(), "retry"))
        return outcomes

    @staticmethod
    def _message(response: httpx.Response) -> str:
        if "json" in response.headers.get("content-type", ""):
            errors = response.json().get("errors") or []
            if errors:
                return "; ".join(f"{e.get('code')}: {e.get('description') or e.get('message')}" for e in errors)
        return error_text(response)

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            response = self._authed("GET", "/v3/inventory", params={"sku": item.external_id})
            found[item.listing_id] = (response.json().get("quantity") or {}).get("amount") \
                if response.status_code == 200 else None
        return found
