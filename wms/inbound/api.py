"""Routes: /asns, receipts, close, cancel."""
from flask_smorest import Blueprint

from wms.http import ProblemSchema, current_principal, get_session, list_page
from wms.idempotency import requires_idempotency_key
from wms.inbound import services
from wms.inbound.schemas import (
    AsnQuerySchema,
    AsnSchema,
    CreateAsnSchema,
    ReceiptRecordSchema,
    ReceiptSchema,
    ReceivedSchema,
)
from wms.inbound.views import asn_view, asn_views
from wms.schemas import page_of

blp = Blueprint("inbound", __name__, description="Advance shipping notices and receiving")


@blp.post("/asns")
@blp.arguments(CreateAsnSchema)
@blp.response(201, AsnSchema)
def create_asn(data):
    session = get_session()
    return asn_view(session, services.create_asn(session, current_principal(), data))


@blp.get("/asns")
@blp.arguments(AsnQuerySchema, location="query")
@blp.response(200, page_of(AsnSchema))
def list_asns(args):
    return list_page(args, services.list_asns, views=asn_views)


@blp.get("/asns/<int:asn_id>")
@blp.response(200, AsnSchema)
def get_asn(asn_id):
    session = get_session()
    return asn_view(session, services.get_asn(session, current_principal(), asn_id))


@blp.post("/asns/<int:asn_id>/receipts")
@requires_idempotency_key
@blp.arguments(ReceiptSchema)
@blp.response(201, ReceivedSchema)
@blp.alt_response(409, schema=ProblemSchema, description="a doubt to confirm: code over_receipt, not_on_asn "
                  "or lot_not_on_asn (send it in `confirm`)")
def receive(data, asn_id):
    session = get_session()
    done = services.receive_units(session, current_principal(), asn_id, **data)
    return {**asn_view(session, done.asn), "receipt": done.receipt,
            "warnings": [{"code": w.code, "detail": w.detail} for w in done.warnings]}


@blp.post("/asns/<int:asn_id>/receipts/<int:receipt_id>/reverse")
@requires_idempotency_key
@blp.response(200, ReceiptRecordSchema)
@blp.alt_response(409, schema=ProblemSchema, description="not_your_scan, already_undone, undo_expired or "
                  "already_moved (the units were put away)")
def reverse(asn_id, receipt_id):
    """Undo a scan (its maker or an admin, for a few minutes): a new movement
    takes the units back out; the receipt stays, marked reversed."""
    session = get_session()
    return services.reverse_receipt(session, current_principal(), asn_id, receipt_id)


@blp.post("/asns/<int:asn_id>/close")
@blp.response(200, AsnSchema)
def close(asn_id):
    session = get_session()
    return asn_view(session, services.close_asn(session, current_principal(), asn_id), with_report=True)


@blp.post("/asns/<int:asn_id>/cancel")
@blp.response(200, AsnSchema)
def cancel(asn_id):
    session = get_session()
    return asn_view(session, services.cancel_asn(session, current_principal(), asn_id))
