"""eBay Sell Inventory API: ``bulkUpdatePriceQuantity`` sets
``shipToLocationAvailability.quantity`` of up to 25 inventory items per call
and answers per item (``responses[].statusCode`` and ``errors``); OAuth
refresh-token grant for the user token. eBay caps revisions at 250 per
listing per day: the coalescing of desired state keeps pushes per listing
low, and a per-item refusal for the cap is retried later, not dead."""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from wms.channels.connectors.base import AuthFailed, Connector, Outcome, PushItem, Rejected, error_text

SCOPE = "https://api.ebay.com/oauth/api_scope/sell.inventory"
# Per-item errors worth retrying: eBay's system errors and the revision cap.
RETRY_ERROR_IDS = {25001, 25002, 25025}


@dataclass
class EbayConnector(Connector):
    kind: str = "ebay"
    batch_size: int = 25
    default_base_url: str = "https://api.ebay.com"
    rate_per_s: float = 5.0

    def _token(self, *, fresh: bool = False) -> str:
        cached = self.tokens.get("access")
        if cached and not fresh and cached[1] > time.monotonic() + 60:
            return cached[0]
        auth_url = (self.settings.get("auth_url") or self.base_url).rstrip("/")
        response = self.call("POST", f"{auth_url}/identity/v1/oauth2/token",
                             auth=httpx.BasicAuth(self.credentials["client_id"], self.credentials["client_secret"]),
                             data={"grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"],
                                   "scope": SCOPE})
        if response.status_code != 200:
            raise AuthFailed(f"eBay refused the refresh token: {error_text(response)}")
        body = response.json()
        self.tokens["access"] = (body["access_token"], time.monotonic() + int(body.get("expires_in", 7200)))
        return body["access_token"]

    def _authed(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return self.call(method, self.base_url + path,
                             headers={"Authorization": f"Bearer {self._token()}"}, **kwargs)
        except AuthFailed:
            return self.call(method, self.base_url + path,
                             headers={"Authorization": f"Bearer {self._token(fresh=True)}"}, **kwargs)

    def push(self, items: list[PushItem]) -> list[Outcome]:
        response = self._authed("POST", "/sell/inventory/v1/bulk_update_price_quantity", json={
            "requests": [{"sku": i.external_id, "shipToLocationAvailability": {"quantity": i.qty}} for i in items]})
        if response.status_code not in (200, 207):
            raise Rejected(f"ebay: {error_text(response)}")
        by_sku = {r.get("sku"): r for r in response.json().get("responses", [])}
        outcomes = []
        for item in items:
            answer = by_sku.get(item.external_id)
            if answer is None:
                outcomes.append(Outcome(item.listing_id, False, "ebay: no answer for this SKU", "retry"))
            elif answer.get("statusCode", 500) < 300:
                outcomes.append(Outcome(item.listing_id, True))
            else:
                errors = answer.get("errors") or []
                message = "; ".join(f"{e.get('errorId')}: {e.get('message')}" for e in errors) or "refused"
                retry = answer["statusCode"] >= 500 or any(e.get("errorId") in RETRY_ERROR_IDS for e in errors)
                outcomes.append(Outcome(item.listing_id, False, f"ebay: {message}", "retry" if retry else "dead"))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            response = self._authed("GET", f"/sell/inventory/v1/inventory_item/{quote(item.external_id, safe='')}")
            found[item.listing_id] = (
                response.json().get("availability", {}).get("shipToLocationAvailability", {}).get("quantity")
                if response.status_code == 200 else None
            )
        return found
