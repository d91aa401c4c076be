"""Routes: /sellers and /skus."""
from flask_smorest import Blueprint

from wms.catalog import services
from wms.catalog.schemas import (
    CreateSellerSchema,
    CreateSkuSchema,
    SellerSchema,
    SkuQuerySchema,
    SkuSchema,
    UpdateSellerSchema,
    UpdateSkuSchema,
)
from wms.http import PageArgsSchema, current_principal, get_session, list_page, roles
from wms.schemas import page_of

blp = Blueprint("catalog", __name__, description="Sellers and their SKUs")


@blp.post("/sellers")
@blp.arguments(CreateSellerSchema)
@blp.response(201, SellerSchema)
@roles("admin")
def create_seller(data):
    return services.create_seller(get_session(), current_principal(), **data)


@blp.get("/sellers")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(SellerSchema))
def list_sellers(args):
    return list_page(args, services.list_sellers)


@blp.patch("/sellers/<code>")
@blp.arguments(UpdateSellerSchema)
@blp.response(200, SellerSchema)
@roles("admin")
def update_seller(data, code):
    return services.update_seller(get_session(), current_principal(), code, data)


@blp.post("/skus")
@blp.arguments(CreateSkuSchema)
@blp.response(201, SkuSchema)
def create_sku(data):
    return services.create_sku(get_session(), current_principal(), data)


@blp.get("/skus")
@blp.arguments(SkuQuerySchema, location="query")
@blp.response(200, page_of(SkuSchema))
def list_skus(args):
    return list_page(args, services.list_skus)


@blp.get("/skus/<int:sku_id>")
@blp.response(200, SkuSchema)
def get_sku(sku_id):
    return services.get_sku(get_session(), current_principal(), sku_id)


@blp.patch("/skus/<int:sku_id>")
@blp.arguments(UpdateSkuSchema(partial=True), required=False)
@blp.response(200, SkuSchema)
def update_sku(data, sku_id):
    return services.update_sku(get_session(), current_principal(), sku_id, data)
