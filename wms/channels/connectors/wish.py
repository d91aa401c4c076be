"""Wish merchant API v3 (OAuth bearer token): inventory is set per product
variation and per Wish warehouse (the listing's location: the merchant's own
warehouse among them). External id ``product_id:variation_id``.

The path and body here follow our reading of Wish's v3 documentation
(``PUT /api/v3/products/{product_id}/variations/{variation_id}/inventories``
with ``{"inventories": [{"warehouse_id", "inventory"}]}``); check them
against the current documentation before pointing a channel at Wish."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from wms.channels.connectors.base import Connector, Outcome, PushItem, Rejected, error_text


def _path(external_id: str) -> str:
    product, _, variation = external_id.partition(":")
    return f"/api/v3/products/{quote(product, safe='')}/variations/{quote(variation or product, safe='')}/inventories"


@dataclass
class WishConnector(Connector):
    kind: str = "wish"
    batch_size: int = 1
    default_base_url: str = "https://merchant.wish.com"
    rate_per_s: float = 5.0

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials['access_token']}"}

    def push(self, items: list[PushItem]) -> list[Outcome]:
        outcomes = []
        for item in items:
            response = self.call("PUT", self.base_url + _path(item.external_id), headers=self._headers(),
                                 json={"inventories": [{"warehouse_id": item.location, "inventory": item.qty}]})
            if response.status_code in (400, 404, 422):
                body = response.json() if "json" in response.headers.get("content-type", "") else {}
                outcomes.append(Outcome(item.listing_id, False,
                                        f"wish: {body.get('message') or error_text(response)}", "dead"))
            elif response.status_code >= 300:
                raise Rejected(f"wish: {error_text(response)}")
            else:
                outcomes.append(Outcome(item.listing_id, True))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            response = self.call("GET", self.base_url + _path(item.external_id), headers=self._headers())
            rows = response.json().get("data", []) if response.status_code == 200 else []
            match = [r for r in rows if r.get("warehouse_id") == item.location]
            found[item.listing_id] = match[0].get("inventory") if match else None
        return found
