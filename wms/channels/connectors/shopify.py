"""Shopify Admin GraphQL: ``inventorySetQuantities`` sets the ``available``
quantity of up to 250 (inventory item, location) pairs at once, with
compare-and-set (``changeFromQuantity``: what we last pushed) and an
``@idempotent`` key derived from the listings' versions, so a retry of a
request that was applied but whose answer was lost is answered, not applied
twice. Throttling arrives inside an HTTP 200 (``errors[].extensions.code ==
"THROTTLED"``, the bucket in ``extensions.cost.throttleStatus``). A stale
compare (``CHANGE_FROM_QUANTITY_STALE``: the shop sold or someone edited)
re-reads the shop's quantities and sets again from them: the warehouse's
figure wins, never blindly."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from wms.channels.connectors.base import Connector, Outcome, PushItem, Rejected, Throttled, Transient, error_text

API_VERSION = "2026-01"
SET_MUTATION = """
mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""


@dataclass
class ShopifyConnector(Connector):
    kind: str = "shopify"
    batch_size: int = 250
    rate_per_s: float = 10.0

    @property
    def base_url(self) -> str:
        return (self.settings.get("base_url") or f"https://{self.settings['shop']}").rstrip("/")

    def _graphql(self, query: str, variables: dict) -> dict:
        # A throttle inside a 200 is retried like a 429 (retry code that looks
        # only at the status misses it).
        return self.retrying()(self._graphql_once, query, variables)

    def _graphql_once(self, query: str, variables: dict) -> dict:
        response = self.call("POST", f"{self.base_url}/admin/api/{API_VERSION}/graphql.json",
                             headers={"X-Shopify-Access-Token": self.credentials["access_token"]},
                             json={"query": query, "variables": variables})
        if response.status_code != 200:
            raise Rejected(f"shopify: {error_text(response)}")
        body = response.json()
        throttled = [e for e in body.get("errors") or [] if (e.get("extensions") or {}).get("code") == "THROTTLED"]
        if throttled:
            status = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus") or {}
            needed = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost", 10)
            missing = max(0.0, needed - status.get("currentlyAvailable", 0))
            restore = max(1.0, status.get("restoreRate", 50))
            raise Throttled("shopify: THROTTLED", retry_after=max(0.1, missing / restore))
        if body.get("errors"):
            raise Rejected(f"shopify: {json.dumps(body['errors'])[:500]}")
        return body.get("data") or {}

    def _set(self, items: list[PushItem], compare: dict[int, int | None]) -> list[dict]:
        key = hashlib.sha256(json.dumps(
            [(i.listing_id, i.version, compare.get(i.listing_id)) for i in items]).encode()).hexdigest()[:64]
        data = self._graphql(SET_MUTATION, {"key": key, "input": {
            "name": "available", "reason": "correction", "referenceDocumentUri": "quayside://sync",
            "quantities": [{"inventoryItemId": i.external_id, "locationId": i.location, "quantity": i.qty,
                            "changeFromQuantity": compare.get(i.listing_id)} for i in items]}})
        return (data.get("inventorySetQuantities") or {}).get("userErrors") or []

    def push(self, items: list[PushItem]) -> list[Outcome]:
        compare = {i.listing_id: i.pushed_qty for i in items}
        for _round in range(3):
            errors = self._set(items, compare)
            if not errors:
                return [Outcome(i.listing_id, True) for i in items]
            if all(e.get("code") == "CHANGE_FROM_QUANTITY_STALE" for e in errors):
                compare = self.read(items)
                continue
            # The mutation is all or nothing: the items named are refused, the rest go again.
            named = {int(e["field"][2]) for e in errors
                     if isinstance(e.get("field"), list) and len(e["field"]) > 2 and str(e["field"][2]).isdigit()}
            if not named:
                raise Rejected(f"shopify: {json.dumps(errors)[:500]}")
            dead = [Outcome(items[n].listing_id, False, f"shopify: {errors[0].get('message')}", "dead")
                    for n in sorted(named) if n < len(items)]
            rest = [item for n, item in enumerate(items) if n not in named]
            return dead + (self.push(rest) if rest else [])
        raise Transient("shopify: the shop's quantity kept changing (compare-and-set stale three times)")

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        if not items:
            return {}
        fields = "\n".join(
            f'q{n}: inventoryItem(id: {json.dumps(i.external_id)}) {{ inventoryLevel(locationId: '
            f'{json.dumps(i.location)}) {{ quantities(names: ["available"]) {{ name quantity }} }} }}'
            for n, i in enumerate(items))
        data = self._graphql(f"query {{ {fields} }}", {})
        found: dict[int, int | None] = {}
        for n, item in enumerate(items):
            level = (data.get(f"q{n}") or {}).get("inventoryLevel") or {}
            quantities = level.get("quantities") or []
            found[item.listing_id] = quantities[0]["quantity"] if quantities else None
        return found
