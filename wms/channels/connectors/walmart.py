"""Walmart Marketplace (US): client-credentials token (``POST /v3/token``
with the client id and secret, ``WM_SVC.NAME`` and a correlation id on every
call), then the single-item ``PUT /v3/inventory?sku=`` with ``{sku,
quantity: {unit: "EACH", amount}}``. Walmart meant single-item updates for
urgent changes and the bulk inventory feed (10 an hour, processed in about
half an hour) for the rest; this connector sends single items only, which
keeps every change quick but uses the throttled call: the bulk feed is not
built yet."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx

from wms.channels.connectors.base import AuthFailed, Connector, Outcome, PushItem, Rejected, error_text


@dataclass
class WalmartConnector(Connector):
    kind: str = "walmart"
    batch_size: int = 1
    default_base_url: str = "https://marketplace.walmartapis.com"
    rate_per_s: float = 5.0

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

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            response = self._authed("GET", "/v3/inventory", params={"sku": item.external_id})
            found[item.listing_id] = (response.json().get("quantity") or {}).get("amount") \
                if response.status_code == 200 else None
        return found
