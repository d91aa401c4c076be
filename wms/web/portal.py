"""The seller portal: stock per warehouse and SKU with every bucket, open
ASNs and orders. The services scope every list by the logged-in token, so a
seller sees only its own; an operator sees its warehouses."""
from __future__ import annotations

from flask import request

from wms.extensions import page_section
from wms.inbound.services import list_asns
from wms.inbound.views import asn_views
from wms.inventory.services import list_stock
from wms.web.pages import db, principal, render

STOCK_PAGE = 200
ASN_LIMIT = 50
ORDER_PAGE = 50
BUCKETS = ("expected", "receiving", "sellable", "reserved", "available", "unsellable", "in_transit", "picked")


def stock():
    actor = principal()
    stock_after = request.args.get("stock_after", 0, type=int)
    orders_after = request.args.get("orders_after", 0, type=int)
    levels = list_stock(db(), actor, after_id=stock_after, limit=STOCK_PAGE)
    asns = []
    for status in ("receiving", "expected"):
        asns += list_asns(db(), actor, status=status, limit=ASN_LIMIT)[:ASN_LIMIT]
    # An extension's "orders" section: (session, principal, after_id, limit) -> (orders, next id).
    order_source = page_section("orders")
    orders, orders_next = order_source(db(), actor, orders_after, ORDER_PAGE) if order_source else ([], None)
    return render(
        "stock.html", buckets=BUCKETS,
        stock=levels[:STOCK_PAGE], stock_next=levels[STOCK_PAGE - 1]["id"] if len(levels) > STOCK_PAGE else None,
        asns=asn_views(db(), asns),
        orders=orders, orders_next=orders_next,
        stock_after=stock_after, orders_after=orders_after,
    )
