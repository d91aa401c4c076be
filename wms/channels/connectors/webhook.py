"""A generic signed webhook: POSTs {channel, items: [{sku, external_id,
quantity, version}]} with ``X-Quayside-Signature: sha256=<hex HMAC-SHA256 of
the body with the secret>``. Each item carries its version, so a receiver
that keeps the highest version it has seen per listing never applies an
older value over a newer one, whatever order deliveries arrive in."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from wms.channels.connectors.base import Connector, Outcome, PushItem, Rejected, error_text

SIGNATURE_HEADER = "X-Quayside-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(sign(secret, body), header)


@dataclass
class WebhookConnector(Connector):
    kind: str = "webhook"
    batch_size: int = 100
    rate_per_s: float = 20.0

    def push(self, items: list[PushItem]) -> list[Outcome]:
        body = json.dumps({
            "channel": self.settings.get("channel_id"),
            "items": [{"sku": i.sku, "external_id": i.external_id, "quantity": i.qty, "version": i.version}
                      for i in items],
        }, separators=(",", ":")).encode()
        response = self.call("POST", self.settings["url"], content=body, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.credentials["secret"], body)})
        if response.status_code >= 300:
            raise Rejected(f"webhook refused the delivery: {error_text(response)}")
        return [Outcome(i.listing_id, True) for i in items]

    def read(self, items: list[PushItem]) -> dict[int, int | None]:
        """A receiver may answer GET ?external_id=... with {quantity}; one that
        does not (404/405) cannot be reconciled."""
        found: dict[int, int | None] = {}
        for item in items:
            response = self.call("GET", self.settings["url"], params={"external_id": item.external_id})
            ok = response.status_code == 200 and isinstance(response.json().get("quantity"), int)
            found[item.listing_id] = response.json()["quantity"] if ok else None
        return found
