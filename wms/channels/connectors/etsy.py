"""Etsy Open API v3: ``updateListingInventory`` (PUT
/v3/application/listings/{listing_id}/inventory) replaces a listing's whole
inventory, every product with its property values and offerings: a product
left out disappears. So the connector reads the inventory, changes the one
offering's quantity and writes every product back, converting the read shape
(``price`` as {amount, divisor}) to the write shape (a decimal), and reads
again to confirm; a concurrent change on Etsy's side shows as a mismatch and
is retried from a fresh read. The listings of one Etsy listing in a batch are
written in one read-modify-write. External id: ``listing_id:product_sku``
(the product's SKU on Etsy, or its product id; ``listing_id`` alone for a
listing with one product, or whose product carries the SKU's code)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from wms.channels.connectors.base import Connector, Outcome, PushItem, Rejected, Transient, error_text

BASE = "/v3/application/listings"


def _split(external_id: str) -> tuple[str, str | None]:
    listing, _, product = external_id.partition(":")
    return listing, product or None


def _product_for(products: list[dict], item: PushItem) -> dict | None:
    _listing, product_id = _split(item.external_id)
    live = [p for p in products if not p.get("is_deleted")]
    if product_id is not None:
        # Etsy may give products new ids when an inventory is written: the
        # product's own SKU is the stable name.
        return next((p for p in live if p.get("sku") == product_id or str(p.get("product_id")) == product_id), None)
    by_sku = [p for p in live if p.get("sku") == item.sku]
    if by_sku:
        return by_sku[0]
    return live[0] if len(live) == 1 else None


def _writable(inventory: dict) -> dict:
    """The read shape of an inventory turned into updateListingInventory's body."""
    products = []
    for p in inventory.get("products", []):
        if p.get("is_deleted"):
            continue
        products.append({
            "sku": p.get("sku") or "",
            "property_values": [
                {k: v[k] for k in ("property_id", "value_ids", "scale_id", "property_name", "values") if k in v}
                for v in p.get("property_values", [])
            ],
            "offerings": [
                {"price": o["price"]["amount"] / o["price"]["divisor"] if isinstance(o.get("price"), dict)
                 else o.get("price"), "quantity": o.get("quantity", 0), "is_enabled": o.get("is_enabled", True)}
                for o in p.get("offerings", []) if not o.get("is_deleted")
            ],
        })
    return {"products": products, **{k: inventory.get(k, []) for k in
                                      ("price_on_property", "quantity_on_property", "sku_on_property")}}


@dataclass
class EtsyConnector(Connector):
    kind: str = "etsy"
    batch_size: int = 50
    default_base_url: str = "https://openapi.etsy.com"
    rate_per_s: float = 5.0

    def _headers(self) -> dict:
        return {"x-api-key": self.credentials["api_key"], "Authorization": f"Bearer {self.credentials['access_token']}"}

    def _get(self, listing_id: str) -> dict | None:
        response = self.call("GET", f"{self.base_url}{BASE}/{listing_id}/inventory", headers=self._headers())
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise Rejected(f"etsy: {error_text(response)}")
        return response.json()

    def push(self, items: list[PushItem]) -> list[Outcome]:
        by_listing: dict[str, list[PushItem]] = defaultdict(list)
        for item in items:
            by_listing[_split(item.external_id)[0]].append(item)
        outcomes = []
        for listing_id, group in by_listing.items():
            outcomes.extend(self._push_listing(listing_id, group))
        return outcomes

    def _push_listing(self, listing_id: str, group: list[PushItem]) -> list[Outcome]:
        inventory = self._get(listing_id)
        if inventory is None:
            return [Outcome(i.listing_id, False, f"etsy: listing {listing_id} not found", "dead") for i in group]
        outcomes, targets = [], {}
        for item in group:
            product = _product_for(inventory.get("products", []), item)
            if product is None or not [o for o in product.get("offerings", []) if not o.get("is_deleted")]:
                outcomes.append(Outcome(item.listing_id, False,
                                        f"etsy: no product for {item.external_id} in listing {listing_id}", "dead"))
                continue
            for offering in product["offerings"]:
                if not offering.get("is_deleted"):
                    offering["quantity"] = item.qty
            targets[item.listing_id] = (product.get("product_id"), item)
        if not targets:
            return outcomes
        response = self.call("PUT", f"{self.base_url}{BASE}/{listing_id}/inventory", headers=self._headers(),
                             json=_writable(inventory))
        if response.status_code >= 400:
            message = f"etsy: {error_text(response)}"
            return outcomes + [Outcome(lid, False, message, "dead") for lid in targets]
        written = response.json().get("products", [])
        for listing, (_product_id, item) in targets.items():
            product = _product_for(written, item)
            quantities = {o.get("quantity") for o in (product or {}).get("offerings", []) if not o.get("is_deleted")}
            if product is not None and quantities != {item.qty}:
                raise Transient(f"etsy: listing {listing_id} changed while it was written")
            outcomes.append(Outcome(listing, True))
        return outcomes

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        found: dict[int, int | None] = {}
        cache: dict[str, dict | None] = {}
        for item in items:
            listing_id = _split(item.external_id)[0]
            if listing_id not in cache:
                cache[listing_id] = self._get(listing_id)
            product = _product_for((cache[listing_id] or {}).get("products", []), item)
            offerings = [o for o in (product or {}).get("offerings", []) if not o.get("is_deleted")]
            found[item.listing_id] = offerings[0].get("quantity") if offerings else None
        return found
