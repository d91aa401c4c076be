"""WooCommerce REST (wc/v3): absolute ``stock_quantity`` with
``manage_stock: true``, up to 100 products per ``POST /products/batch``
(variations through ``/products/{id}/variations/batch``), answered per item
(an item's ``error`` is that item's refusal). Basic authentication with the
consumer key and secret. External id: the product id, or
``product_id/variation_id``."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import httpx

from wms.channels.connectors.base import Connector, Outcome, PushItem, Rejected, error_text

API = "/wp-json/wc/v3"


def _split(external_id: str) -> tuple[str, str | None]:
    product, _, variation = external_id.partition("/")
    return product, variation or None


@dataclass
class WooCommerceConnector(Connector):
    kind: str = "woocommerce"
    batch_size: int = 100
    rate_per_s: float = 5.0

    @property
    def base_url(self) -> str:
        return (self.settings.get("base_url") or self.settings["url"]).rstrip("/")

    def _auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.credentials["consumer_key"], self.credentials["consumer_secret"])

    def push(self, items: list[PushItem]) -> list[Outcome]:
        groups: dict[str, list[tuple[str, PushItem]]] = defaultdict(list)
        for item in items:
            product, variation = _split(item.external_id)
            path = f"{API}/products/{product}/variations/batch" if variation else f"{API}/products/batch"
            groups[path].append((variation or product, item))
        outcomes = []
        for path, group in groups.items():
            response = self.call("POST", self.base_url + path, auth=self._auth(), json={"update": [
                {"id": int(i) if i.isdigit() else i, "manage_stock": True, "stock_quantity": item.qty}
                for i, item in group]})
            if response.status_code >= 400:
                raise Rejected(f"woocommerce: {error_text(response)}")
            answers = {str(a.get("id")): a for a in response.json().get("update", [])}
            for wc_id, item in group:
                answer = answers.get(wc_id) or {}
                if "error" in answer or not answer:
                    message = (answer.get("error") or {}).get("message", "no answer for this product")
                    outcomes.append(Outcome(item.listing_id, False, f"woocommerce: {message}", "dead"))
                else:
                    outcomes.append(Outcome(item.listing_id, True))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        for item in items:
            product, variation = _split(item.external_id)
            path = f"{API}/products/{product}" + (f"/variations/{variation}" if variation else "")
            response = self.call("GET", self.base_url + path, auth=self._auth())
            found[item.listing_id] = response.json().get("stock_quantity") if response.status_code == 200 else None
        return found
