"""Routes: /sellers and /skus."""
from flask_smorest import Blueprint

from wms.catalog import services
from wms.catalog.schemas import (
    CreateSellerSchema,
    CreateSkuSchema,
    SellerSchema,
    SkuQuerySchema,
    SkuSchema,
    UpdateSkuSchema,
)
from wms.http import PageArgsSchema, current_principal, get_session, page, page_args
from wms.schemas import page_of

blp = Blueprint("catalog", __name__, description="Sellers and their SKUs")


@blp.post("/sellers")
@blp.arguments(CreateSellerSchema)
@blp.response(201, SellerSchema)
def create_seller(data):
    return services.create_seller(get_session(), current_principal(), **data)


@blp.get("/sellers")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(SellerSchema))
def list_sellers(args):
    paging = page_args(args)
    return page(services.list_sellers(get_session(), current_principal(), **paging), paging["limit"])


@blp.post("/skus")
@blp.arguments(CreateSkuSchema)
@blp.response(201, SkuSchema)
def create_sku(data):
    return services.create_sku(get_session(), current_principal(), data)


@blp.get("/skus")
@blp.arguments(SkuQuerySchema, location="query")
@blp.response(200, page_of(SkuSchema))
def list_skus(args):
    paging = page_args(args)
    return page(services.list_skus(get_session(), current_principal(), **args, **paging), paging["limit"])


@blp.get("/skus/<int:sku_id>")
@blp.response(200, SkuSchema)
def get_sku(sku_id):
    return services.get_sku(get_session(), current_principal(), sku_id)


@blp.patch("/skus/<int:sku_id>")
@blp.arguments(UpdateSkuSchema(partial=True))
@blp.response(200, SkuSchema)
def update_sku(data, sku_id):
    return services.update_sku(get_session(), current_principal(), sku_id, data)
