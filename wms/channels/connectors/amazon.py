"""Amazon SP-API: Listings Items ``patchListingsItem`` with a JSON-patch
``merge`` of ``/attributes/fulfillment_availability`` (only the quantity
changes), one SKU per call under a 5 rps token bucket; Login with Amazon
refresh-token grant for the access token (cached per channel, refreshed once
on a 401/403). ``ACCEPTED`` is not "applied" (Amazon processes the patch
asynchronously), so reconciliation reads ``fulfillmentAvailability`` back."""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

from wms.channels.connectors.base import AuthFailed, Connector, Outcome, PushItem, Rejected, error_text

LISTINGS = "/listings/2021-08-01/items"


@dataclass
class AmazonConnector(Connector):
    kind: str = "amazon"
    batch_size: int = 1
    default_base_url: str = "https://sellingpartnerapi-na.amazon.com"
    rate_per_s: float = 5.0

    def _token(self, *, fresh: bool = False) -> str:
        cached = self.tokens.get("access")
        if cached and not fresh and cached[1] > time.monotonic() + 60:
            return cached[0]
        auth_url = (self.settings.get("auth_url") or "https://api.amazon.com").rstrip("/")
        response = self.call("POST", f"{auth_url}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"],
            "client_id": self.credentials["client_id"], "client_secret": self.credentials["client_secret"]})
        if response.status_code != 200:
            raise AuthFailed(f"Login with Amazon refused the refresh token: {error_text(response)}")
        body = response.json()
        self.tokens["access"] = (body["access_token"], time.monotonic() + int(body.get("expires_in", 3600)))
        return body["access_token"]

    def _authed(self, method: str, path: str, **kwargs):
        for fresh in (False, True):
            headers = {"x-amz-access-token": self._token(fresh=fresh), **kwargs.pop("headers", {})}
            try:
                response = self.call(method, self.base_url + path, headers=headers, **kwargs)
            except AuthFailed:
                if fresh:
                    raise
                continue
            if response.status_code == 403 and not fresh:
                continue
            if response.status_code == 403:
                raise AuthFailed(f"amazon: access denied: {error_text(response)}")
            return response
        raise AuthFailed("amazon: credentials refused")  # pragma: no cover - the loop returns or raises

    def _path(self, item: PushItem) -> str:
        # A '/' or '#' in a SKU must be encoded or Amazon answers 403.
        return f"{LISTINGS}/{quote(self.settings['seller_id'], safe='')}/{quote(item.external_id, safe='')}"

    def push(self, items: list[PushItem]) -> list[Outcome]:
        outcomes = []
        for item in items:
            response = self._authed("PATCH", self._path(item),
                                    params={"marketplaceIds": self.settings["marketplace_id"]},
                                    json={"productType": self.settings.get("product_type", "PRODUCT"),
                                          "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability",
                                                       "value": [{"fulfillment_channel_code": "DEFAULT",
                                                                  "quantity": item.qty}]}]})
            if response.status_code >= 400:
                body = response.json() if response.headers.get("content-type", "").startswith("application/json") \
                    else {}
                message = "; ".join(e.get("message", "") for e in body.get("errors", [])) or error_text(response)
                if response.status_code in (400, 404):
                    outcomes.append(Outcome(item.listing_id, False, f"amazon: {message}", "dead"))
                    continue
                raise Rejected(f"amazon: {message}")
            body = response.json()
            errors = [i for i in body.get("issues", []) if i.get("severity") == "ERROR"]
            if body.get("status") != "ACCEPTED" or errors:
                message = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in errors) or body.get("status")
                outcomes.append(Outcome(item.listing_id, False, f"amazon: {message}", "dead"))
            else:
                outcomes.append(Outcome(item.listing_id, True))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            response = self._authed("GET", self._path(item), params={
                "marketplaceIds": self.settings["marketplace_id"], "includedData": "fulfillmentAvailability"})
            if response.status_code != 200:
                found[item.listing_id] = None
                continue
            levels = [f for f in response.json().get("fulfillmentAvailability", [])
                      if f.get("fulfillmentChannelCode") == "DEFAULT"]
            found[item.listing_id] = levels[0].get("quantity") if levels else None
        return found
