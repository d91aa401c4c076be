"""Wish Marketplace API v3 (OAuth bearer token). Inventory is kept per
product variation and per Wish warehouse (the listing's location; the
merchant's own warehouse among them).

Shapes as published in Wish's own OpenAPI description of the V3 API
(version 3.0.65, ``merchant.wish.com/api/openapi_spec/get``, as harvested in
the api-evangelist/wish repository): there is no inventory-only endpoint;
a variation's ``inventories`` (``[{warehouse_id, inventory}]``, 0..500000)
change through ``updateProduct``, ``PUT /api/v3/products/{id}`` with
``{"variations": [{"id", "inventories"}]}``, and are read with
``getProduct``, ``GET /api/v3/products/{id}``. Every answer is wrapped as
``{code, message, data}`` (``code`` 0 on success); a refusal is a 400 with
``{code, message}`` (e.g. 90001 "There is no such product for the
merchant."). Over the rate limit Wish answers 429 with
``Wish-Rate-Limit-Reset`` (when the window resets) instead of Retry-After.

Because a variation's inventories are sent whole, the connector reads the
product, changes this warehouse's figure and writes the variation's list
back, so the other warehouses' figures survive; the listings of one product
in a batch share that read and write. External id: ``product_id:variation_id``
(the variation's id, or its SKU)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from wms.channels.connectors.base import (
    Connector,
    Outcome,
    PushItem,
    Rejected,
    Throttled,
    Transient,
    error_text,
    parse_retry_after,
)


def _split(external_id: str) -> tuple[str, str]:
    product, _, variation = external_id.partition(":")
    return product, variation or product


def _reset_in(value: str | None) -> float | None:
    """Seconds until Wish-Rate-Limit-Reset: an epoch time or an ISO 8601 date."""
    if not value:
        return None
    try:
        number = float(value)
        return max(0.0, number - datetime.now(UTC).timestamp()) if number > 1e9 else max(0.0, number)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_retry_after(value)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass
class WishConnector(Connector):
    kind: str = "wish"
    batch_size: int = 50
    default_base_url: str = "https://merchant.wish.com"
    rate_per_s: float = 5.0

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials['access_token']}", "Accept": "application/json"}

    def _request_once(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            return super()._request_once(method, url, **kwargs)
        except Throttled as exc:
            response = exc.response
            if response is not None and response.headers.get("Wish-Rate-Limit-Reset"):
                exc.retry_after = _reset_in(response.headers["Wish-Rate-Limit-Reset"]) or exc.retry_after
            raise

    @staticmethod
    def _message(response: httpx.Response) -> str:
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        if isinstance(body, dict) and body.get("message"):
            return f"wish: {body['message']} (code {body.get('code')})"
        return f"wish: {error_text(response)}"

    def _product(self, product_id: str) -> dict | None:
        response = self.call("GET", f"{self.base_url}/api/v3/products/{quote(product_id, safe='')}",
                             headers=self._headers())
        if response.status_code in (400, 404):
            return None
        if response.status_code != 200:
            raise Rejected(self._message(response))
        body = response.json()
        return body.get("data", body) if isinstance(body, dict) else None

    @staticmethod
    def _variation(product: dict | None, variation_ref: str) -> dict | None:
        for variation in (product or {}).get("variations") or []:
            if variation.get("id") == variation_ref or variation.get("sku") == variation_ref:
                return variation
        return None

    def push(self, items: list[PushItem]) -> list[Outcome]:
        by_product: dict[str, list[PushItem]] = defaultdict(list)
        for item in items:
            by_product[_split(item.external_id)[0]].append(item)
        outcomes = []
        for product_id, group in by_product.items():
            outcomes.extend(self._push_product(product_id, group))
        return outcomes

    def _push_product(self, product_id: str, group: list[PushItem]) -> list[Outcome]:
        product = self._product(product_id)
        if product is None:
            return [Outcome(i.listing_id, False, f"wish: there is no product {product_id} for the merchant", "dead")
                    for i in group]
        outcomes, changes, targets = [], {}, []
        for item in group:
            variation = self._variation(product, _split(item.external_id)[1])
            if variation is None:
                outcomes.append(Outcome(item.listing_id, False,
                                        f"wish: product {product_id} has no variation {item.external_id}", "dead"))
                continue
            inventories = changes.setdefault(variation["id"], [dict(r) for r in variation.get("inventories") or []])
            row = next((r for r in inventories if r.get("warehouse_id") == item.location), None)
            if row is None:
                inventories.append({"warehouse_id": item.location, "inventory": item.qty})
            else:
                row["inventory"] = item.qty
            targets.append((item, variation["id"]))
        if not changes:
            return outcomes
        response = self.call("PUT", f"{self.base_url}/api/v3/products/{quote(product_id, safe='')}",
                             headers=self._headers(),
                             json={"variations": [{"id": vid, "inventories": rows} for vid, rows in changes.items()]})
        if response.status_code in (400, 404, 422):
            message = self._message(response)
            return outcomes + [Outcome(item.listing_id, False, message, "dead") for item, _vid in targets]
        if response.status_code >= 300:
            raise Rejected(self._message(response))
        body = response.json()
        written = body.get("data", body) if isinstance(body, dict) else {}
        for item, vid in targets:
            variation = self._variation(written, vid)
            if variation is not None:
                shown = {r.get("inventory") for r in variation.get("inventories") or []
                         if r.get("warehouse_id") == item.location}
                if shown and shown != {item.qty}:
                    raise Transient(f"wish: product {product_id} changed while it was written")
            outcomes.append(Outcome(item.listing_id, True))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        cache: dict[str, dict | None] = {}
        for item in items:
            product_id, variation_ref = _split(item.external_id)
            if product_id not in cache:
                cache[product_id] = self._product(product_id)
            variation = self._variation(cache[product_id], variation_ref)
            rows = [r for r in (variation or {}).get("inventories") or [] if r.get("warehouse_id") == item.location]
            found[item.listing_id] = rows[0].get("inventory") if rows else None
        return found
