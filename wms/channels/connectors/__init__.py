"""Connectors, one per kind of channel (see base.py for the contract)."""
from __future__ import annotations

import httpx

from wms.channels.connectors.aliexpress import AliExpressConnector
from wms.channels.connectors.amazon import AmazonConnector
from wms.channels.connectors.base import Connector
from wms.channels.connectors.ebay import EbayConnector
from wms.channels.connectors.etsy import EtsyConnector
from wms.channels.connectors.shopify import ShopifyConnector
from wms.channels.connectors.walmart import WalmartConnector
from wms.channels.connectors.webhook import WebhookConnector
from wms.channels.connectors.wish import WishConnector
from wms.channels.connectors.woocommerce import WooCommerceConnector

CONNECTORS: dict[str, type[Connector]] = {
    "amazon": AmazonConnector,
    "ebay": EbayConnector,
    "aliexpress": AliExpressConnector,
    "wish": WishConnector,
    "etsy": EtsyConnector,
    "shopify": ShopifyConnector,
    "walmart": WalmartConnector,
    "woocommerce": WooCommerceConnector,
    "webhook": WebhookConnector,
}


def make_connector(kind: str, settings: dict, credentials: dict, client: httpx.Client) -> Connector | None:
    """The connector of a channel, or None for a kind without one yet."""
    cls = CONNECTORS.get(kind)
    return cls(settings=settings, credentials=credentials, client=client) if cls else None
