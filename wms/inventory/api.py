"""Routes: /stock, /stock/locations, /ledger, /adjustments, /moves."""
from flask import current_app
from flask_smorest import Blueprint

from wms.http import INT64_MAX, current_principal, get_session, list_page, roles
from wms.idempotency import requires_idempotency_key
from wms.inventory import counts, services, tasks, transfers
from wms.inventory.schemas import (
    ApproveCountSchema,
    CompleteTaskSchema,
    CountQuerySchema,
    CountSchema,
    CreateAdjustmentSchema,
    CreateCountSchema,
    CreateMoveSchema,
    CreateTransferSchema,
    LedgerQuerySchema,
    LocationStockQuerySchema,
    LocationStockSchema,
    MovementSchema,
    ReceiveTransferSchema,
    StockItemSchema,
    StockQuerySchema,
    SubmitCountSchema,
    TaskQuerySchema,
    TaskSchema,
    TransferQuerySchema,
    TransferSchema,
)
from wms.inventory.views import (
    count_view,
    count_views,
    movement_view,
    task_view,
    task_views,
    transfer_view,
    transfer_views,
)
from wms.schemas import page_of

blp = Blueprint("inventory", __name__, description="Stock, the ledger, adjustments and moves")


@blp.get("/stock")
@blp.arguments(StockQuerySchema, location="query")
@blp.response(200, page_of(StockItemSchema))
def list_stock(args):
    return list_page(args, services.list_stock, cursor_max=INT64_MAX)


@blp.get("/stock/locations")
@blp.arguments(LocationStockQuerySchema, location="query")
@blp.response(200, page_of(LocationStockSchema))
def list_location_stock(args):
    return list_page(args, services.list_location_balances, cursor_max=INT64_MAX)


@blp.get("/ledger")
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, page_of(MovementSchema))
def list_ledger(args):
    return list_page(args, services.list_movements, cursor_max=INT64_MAX)


@blp.post("/adjustments")
@blp.arguments(CreateAdjustmentSchema)
@blp.response(201, MovementSchema)
def create_adjustment(data):
    session = get_session()
    return movement_view(session, services.adjust_stock(session, current_principal(), **data))


@blp.post("/moves")
@blp.arguments(CreateMoveSchema)
@blp.response(201, MovementSchema)
def create_move(data):
    session = get_session()
    return movement_view(session, services.move_stock(session, current_principal(), **data))


# --- tasks, transfers, cycle counts -----------------------------------------

@blp.get("/tasks")
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, page_of(TaskSchema))
def list_tasks(args):
    return list_page(args, tasks.list_tasks, views=task_views)


@blp.get("/tasks/<int:task_id>")
@blp.response(200, TaskSchema)
def get_task(task_id):
    session = get_session()
    return task_view(session, tasks.get_task(session, current_principal(), task_id))


@blp.post("/tasks/<int:task_id>/complete")
@requires_idempotency_key
@blp.arguments(CompleteTaskSchema)
@blp.response(200, TaskSchema)
def complete_task(data, task_id):
    session = get_session()
    return task_view(session, tasks.complete_task(session, current_principal(), task_id, **data))


@blp.post("/transfers")
@blp.arguments(CreateTransferSchema)
@blp.response(201, TransferSchema)
def create_transfer(data):
    session = get_session()
    return transfer_view(session, transfers.create_transfer(session, current_principal(), **data))


@blp.get("/transfers")
@blp.arguments(TransferQuerySchema, location="query")
@blp.response(200, page_of(TransferSchema))
def list_transfers(args):
    return list_page(args, transfers.list_transfers, views=transfer_views)


@blp.get("/transfers/<int:transfer_id>")
@blp.response(200, TransferSchema)
def get_transfer(transfer_id):
    session = get_session()
    return transfer_view(session, transfers.get_transfer(session, current_principal(), transfer_id))


@blp.post("/transfers/<int:transfer_id>/receive")
@blp.arguments(ReceiveTransferSchema)
@blp.response(200, TransferSchema)
def receive_transfer(data, transfer_id):
    session = get_session()
    transfer = transfers.receive_transfer(session, current_principal(), transfer_id, **data)
    return transfer_view(session, transfer)


@blp.post("/counts")
@blp.arguments(CreateCountSchema)
@blp.response(201, CountSchema)
def create_count(data):
    session = get_session()
    return count_view(session, counts.create_count(session, current_principal(), **data))


@blp.get("/counts")
@blp.arguments(CountQuerySchema, location="query")
@blp.response(200, page_of(CountSchema))
def list_counts(args):
    return list_page(args, counts.list_counts, views=count_views)


@blp.get("/counts/<int:count_id>")
@blp.response(200, CountSchema)
def get_count(count_id):
    session = get_session()
    return count_view(session, counts.get_count(session, current_principal(), count_id))


@blp.post("/counts/<int:count_id>/submit")
@blp.arguments(SubmitCountSchema)
@blp.response(200, CountSchema)
def submit_count(data, count_id):
    session = get_session()
    threshold = current_app.config["WMS_SETTINGS"].count_approval_units
    count = counts.submit_count(session, current_principal(), count_id, approval_threshold=threshold, **data)
    return count_view(session, count)


@blp.post("/counts/<int:count_id>/approve")
@blp.arguments(ApproveCountSchema)
@blp.response(200, CountSchema)
@roles("admin")
def approve_count(data, count_id):
    session = get_session()
    return count_view(session, counts.approve_count(session, current_principal(), count_id, **data))
