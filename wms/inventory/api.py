"""Routes: /stock, /stock/locations, /ledger, /adjustments, /moves."""
from flask_smorest import Blueprint

from wms.http import current_principal, get_session, page, page_args
from wms.inventory import services
from wms.inventory.schemas import (
    CreateAdjustmentSchema,
    CreateMoveSchema,
    LedgerQuerySchema,
    LocationStockQuerySchema,
    LocationStockSchema,
    MovementSchema,
    StockItemSchema,
    StockQuerySchema,
)
from wms.schemas import page_of

blp = Blueprint("inventory", __name__, description="Stock, the ledger, adjustments and moves")


@blp.get("/stock")
@blp.arguments(StockQuerySchema, location="query")
@blp.response(200, page_of(StockItemSchema))
def list_stock(args):
    paging = page_args(args)
    return page(services.list_stock(get_session(), current_principal(), **args, **paging), paging["limit"])


@blp.get("/stock/locations")
@blp.arguments(LocationStockQuerySchema, location="query")
@blp.response(200, page_of(LocationStockSchema))
def list_location_stock(args):
    paging = page_args(args)
    rows = services.list_location_balances(get_session(), current_principal(), **args, **paging)
    return page(rows, paging["limit"])


@blp.get("/ledger")
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, page_of(MovementSchema))
def list_ledger(args):
    paging = page_args(args)
    return page(services.list_movements(get_session(), current_principal(), **args, **paging), paging["limit"])


@blp.post("/adjustments")
@blp.arguments(CreateAdjustmentSchema)
@blp.response(201, MovementSchema)
def create_adjustment(data):
    session = get_session()
    return services.movement_view(session, services.adjust_stock(session, current_principal(), **data))


@blp.post("/moves")
@blp.arguments(CreateMoveSchema)
@blp.response(201, MovementSchema)
def create_move(data):
    session = get_session()
    return services.movement_view(session, services.move_stock(session, current_principal(), **data))
