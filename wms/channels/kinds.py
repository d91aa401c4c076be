"""What each kind of channel needs in its settings, and which of them are
secrets (stored encrypted, never shown again). Plain data, read by the
services to validate a channel and by the connectors."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindSpec:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    # The listing needs a marketplace location (Shopify location, Wish warehouse).
    needs_location: bool = False
    # How external ids look, for the error message and the README.
    external_id: str = "the marketplace's id of the listing"


COMMON_OPTIONAL = ("base_url", "timeout_s", "rate_per_s")
# Numeric settings and their bounds (exclusive low, inclusive high).
NUMERIC = {"timeout_s": (0, 1000), "rate_per_s": (0, 1000), "feeds_per_hour": (0, 3600),
           "feed_poll_s": (0, 86400), "feed_timeout_s": (0, 7 * 86400)}

KINDS: dict[str, KindSpec] = {
    "amazon": KindSpec(
        required=("seller_id", "marketplace_id"), optional=("auth_url", "product_type"),
        secrets=("client_id", "client_secret", "refresh_token"), external_id="the seller SKU on Amazon",
    ),
    "ebay": KindSpec(
        optional=("auth_url",), secrets=("client_id", "client_secret", "refresh_token"),
        external_id="the inventory item SKU on eBay",
    ),
    "aliexpress": KindSpec(
        secrets=("app_key", "app_secret", "session"), external_id="product_id:sku_code",
    ),
    "wish": KindSpec(
        secrets=("access_token",), needs_location=True, external_id="product_id:variation_id",
    ),
    "etsy": KindSpec(
        secrets=("api_key", "access_token"), external_id="listing_id:product_sku",
    ),
    "shopify": KindSpec(
        required=("shop",), secrets=("access_token",), needs_location=True,
        external_id="gid://shopify/InventoryItem/N",
    ),
    "walmart": KindSpec(optional=("feeds_per_hour", "feed_poll_s", "feed_timeout_s"),
                        secrets=("client_id", "client_secret"), external_id="the seller SKU on Walmart"),
    "woocommerce": KindSpec(
        required=("url",), secrets=("consumer_key", "consumer_secret"), external_id="the product or variation id",
    ),
    "webhook": KindSpec(required=("url",), secrets=("secret",), external_id="any id the receiver knows"),
}


def split_settings(kind: str, settings: dict) -> tuple[dict, dict, dict]:
    """(plain settings, secrets, errors by field) for a channel's settings."""
    spec = KINDS[kind]
    allowed = set(spec.required) | set(spec.optional) | set(spec.secrets) | set(COMMON_OPTIONAL)
    errors = {}
    for key in sorted(set(settings) - allowed):
        errors[f"settings.{key}"] = f"not a setting of a {kind} channel"
    for key in spec.required + spec.secrets:
        value = settings.get(key)
        if value in (None, ""):
            errors[f"settings.{key}"] = f"required for a {kind} channel"
    for key, value in settings.items():
        if key in NUMERIC:
            low, high = NUMERIC[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
                errors[f"settings.{key}"] = f"must be a number between {low} and {high}"
        elif not isinstance(value, str) or len(value) > 2000:
            errors[f"settings.{key}"] = "must be a string of at most 2000 characters"
        elif key in ("url", "base_url", "auth_url") and not value.startswith(("http://", "https://")):
            errors[f"settings.{key}"] = "must be an http(s) URL"
    plain = {k: v for k, v in settings.items() if k not in spec.secrets}
    secrets = {k: v for k, v in settings.items() if k in spec.secrets}
    return plain, secrets, errors
