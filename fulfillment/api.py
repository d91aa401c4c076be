"""Routes: /orders, /warehouses/{code}/waves, /waves, /pick-lists, picks, pack, ship."""
from flask_smorest import Blueprint

from fulfillment import orders, picking, queries, waves
from fulfillment.schemas import (
    AssignToteSchema,
    ConfirmPickSchema,
    CreateOrderSchema,
    CreateWaveSchema,
    OrderQuerySchema,
    OrderSchema,
    PackOrderSchema,
    PickListSchema,
    ShipOrderSchema,
    WaveSchema,
)
from fulfillment.views import order_view, order_views, pick_list_view, wave_view
from wms.http import current_principal, get_session, list_page
from wms.idempotency import requires_idempotency_key
from wms.schemas import page_of

blp = Blueprint("fulfillment", __name__, description="Orders, waves, picking, packing and shipping")


@blp.post("/orders")
@blp.arguments(CreateOrderSchema)
@blp.response(201, OrderSchema)
def create_order(data):
    session = get_session()
    return order_view(session, orders.create_order(session, current_principal(), data))


@blp.get("/orders")
@blp.arguments(OrderQuerySchema, location="query")
@blp.response(200, page_of(OrderSchema))
def list_orders(args):
    return list_page(args, queries.list_orders, views=order_views)


@blp.get("/orders/<int:order_id>")
@blp.response(200, OrderSchema)
def get_order(order_id):
    session = get_session()
    return order_view(session, queries.get_order(session, current_principal(), order_id), with_history=True)


@blp.post("/orders/<int:order_id>/cancel")
@blp.response(200, OrderSchema)
def cancel_order(order_id):
    session = get_session()
    return order_view(session, orders.cancel_order(session, current_principal(), order_id), with_history=True)


@blp.post("/orders/<int:order_id>/pack")
@blp.arguments(PackOrderSchema)
@blp.response(200, OrderSchema)
def pack_order(data, order_id):
    session = get_session()
    return order_view(session, picking.pack_order(session, current_principal(), order_id, **data))


@blp.post("/orders/<int:order_id>/ship")
@blp.arguments(ShipOrderSchema)
@blp.response(200, OrderSchema)
def ship_order(data, order_id):
    session = get_session()
    return order_view(session, picking.ship_order(session, current_principal(), order_id, **data))


@blp.post("/warehouses/<code>/waves")
@blp.arguments(CreateWaveSchema, required=False)  # every field has a default
@blp.response(201, WaveSchema)
def create_wave(data, code):
    session = get_session()
    return wave_view(session, waves.plan_wave(session, current_principal(), code, **data))


@blp.get("/waves/<int:wave_id>")
@blp.response(200, WaveSchema)
def get_wave(wave_id):
    session = get_session()
    return wave_view(session, queries.get_wave(session, current_principal(), wave_id))


@blp.get("/pick-lists/<int:pick_list_id>")
@blp.response(200, PickListSchema)
def get_pick_list(pick_list_id):
    session = get_session()
    return pick_list_view(session, queries.get_pick_list(session, current_principal(), pick_list_id))


@blp.post("/pick-lists/<int:pick_list_id>/totes")
@requires_idempotency_key
@blp.arguments(AssignToteSchema)
@blp.response(200, PickListSchema)
def assign_tote(data, pick_list_id):
    """Sort while picking: a tote for an order of the list (by default the next one without)."""
    session = get_session()
    return pick_list_view(session, picking.assign_tote(session, current_principal(), pick_list_id, **data))


@blp.post("/pick-lists/<int:pick_list_id>/picks/<int:seq>/confirm")
@requires_idempotency_key
@blp.arguments(ConfirmPickSchema)
@blp.response(200, PickListSchema)
def confirm_pick(data, pick_list_id, seq):
    session = get_session()
    pick_list = picking.confirm_pick(session, current_principal(), pick_list_id, seq, **data)
    return pick_list_view(session, pick_list)
