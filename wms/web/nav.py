"""The portal's navigation: the core's pages and those the extensions add
(their "portal_nav" page section: () -> [(label, endpoint, roles)]), each
shown to the roles that may open it."""
from __future__ import annotations

from flask import request, url_for

from wms.extensions import page_sections

OPERATIONS = ("admin", "operator")
PORTAL = ("admin", "operator", "seller")

# (label, endpoint, roles): the seller's pages first, then the extensions', then operations.
SELLER_PAGES = [
    ("Stock", "web.stock", PORTAL),
    ("ASNs", "web.asns", PORTAL),
]
OPERATIONS_PAGES = [
    ("Dashboard", "web.dashboard", OPERATIONS),
    ("Counts", "web.counts", OPERATIONS),
    ("Layout", "web.layout_map", OPERATIONS),
]


def portal_nav(role: str) -> list[dict]:
    """Links for this role, in menu order, the current page marked."""
    items = list(SELLER_PAGES)
    for provider in page_sections("portal_nav"):
        items += provider()
    items += OPERATIONS_PAGES
    return [{"label": label, "url": url_for(endpoint), "current": request.endpoint == endpoint}
            for label, endpoint, roles in items if role in roles]
