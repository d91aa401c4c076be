"""The portal's navigation: the core's pages and those the extensions add
(their "portal_nav" page section: () -> [(label, endpoint, roles)]), each
shown to the roles that may open it. Labels are marked with N_ and
translated when the menu is drawn."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext

from wms.extensions import page_sections

OPERATIONS = ("admin", "operator")


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a label for the catalogue; it is translated where it is shown."""
    return message


PORTAL = ("admin", "operator", "seller")

# (label, endpoint, roles): the seller's pages first, then the extensions', then operations.
SELLER_PAGES = [
    (N_("Stock"), "web.stock", PORTAL),
    (N_("ASNs"), "web.asns", PORTAL),
]
OPERATIONS_PAGES = [
    (N_("Dashboard"), "web.dashboard", OPERATIONS),
    (N_("Counts"), "web.counts", OPERATIONS),
    (N_("Layout"), "web.layout_map", OPERATIONS),
]


def portal_nav(role: str) -> list[dict]:
    """Links for this role, in menu order, the current page marked."""
    items = list(SELLER_PAGES)
    for provider in page_sections("portal_nav"):
        items += provider()
    items += OPERATIONS_PAGES
    return [{"label": gettext(label), "url": url_for(endpoint), "current": request.endpoint == endpoint}
            for label, endpoint, roles in items if role in roles]
