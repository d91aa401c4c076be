from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wms.http import PageArgsSchema
from wms.inbound.models import ASN_STATUSES, RECEIPT_CONFIRMATIONS, TRANSPORT_MODES
from wms.ledger.models import CONDITIONS
from wms.schemas import Code, Qty, SkuRef, Timestamp


class NewAsnLineSchema(Schema):
    sku = SkuRef(required=True, metadata={"description": "the seller's SKU code (or id)"})
    qty = Qty(required=True)
    lot = Code(64, load_default=None)
    expiry = fields.Date(load_default=None)


class CreateAsnSchema(Schema):
    warehouse = Code(16, required=True)
    reference = Code(64, required=True)
    seller = Code(32, load_default=None, metadata={"description": "the seller's code (admin tokens only)"})
    expected_at = Timestamp(load_default=None)
    transport_mode = fields.String(load_default=None, validate=validate.OneOf(TRANSPORT_MODES))
    carrier = fields.String(load_default=None, validate=validate.Length(max=100))
    tracking_number = fields.String(load_default=None, validate=validate.Length(max=100))
    container_number = fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Z]{4}[0-9]{7}$", error="an ISO 6346 container number, e.g. MSCU1234565"))
    lines = fields.List(fields.Nested(NewAsnLineSchema), required=True, validate=validate.Length(min=1, max=2000))


class AsnLineSchema(Schema):
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    expiry = fields.Date(allow_none=True)
    expected_qty = fields.Integer()
    received_qty = fields.Integer()
    damaged_qty = fields.Integer()
    unplanned = fields.Boolean(metadata={"description": "not on the ASN as sent: received anyway"})


class DiscrepancySchema(Schema):
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    expected_qty = fields.Integer()
    received_qty = fields.Integer()
    damaged_qty = fields.Integer()
    short_qty = fields.Integer()
    over_qty = fields.Integer()
    unplanned = fields.Boolean()


class AsnSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    warehouse = fields.String()
    seller = fields.String()
    transport_mode = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    container_number = fields.String(allow_none=True)
    expected_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(AsnLineSchema))
    discrepancies = fields.List(fields.Nested(DiscrepancySchema))


class AsnQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(ASN_STATUSES))
    warehouse = fields.String(load_default=None)


class ReceiptSchema(Schema):
    barcode = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    sku = SkuRef(load_default=None)
    qty = Qty(required=True)
    condition = fields.String(load_default="good", validate=validate.OneOf(CONDITIONS))
    lot = Code(64, load_default=None)
    expiry = fields.Date(load_default=None)
    confirm = fields.List(
        fields.String(validate=validate.OneOf(RECEIPT_CONFIRMATIONS)), load_default=list,
        metadata={"description": "doubts the operator confirmed: over_receipt (beyond the seller's tolerance; "
                                 "needs a reason), not_on_asn, lot_not_on_asn. Without them such a scan gets "
                                 "409 with that code and changes nothing."})
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                           metadata={"description": "why an over-receipt was confirmed, or why an expired "
                                                    "lot is received as damaged"})

    @validates_schema
    def _one_item(self, data, **_):
        if (data.get("barcode") is None) == (data.get("sku") is None):
            raise ValidationError("send either barcode or sku", "barcode")


class ReceiptWarningSchema(Schema):
    code = fields.String(metadata={"description": "e.g. short_shelf_life"})
    detail = fields.String()


class ReceiptRecordSchema(Schema):
    id = fields.Integer()
    qty = fields.Integer()
    condition = fields.String()
    over = fields.Boolean()
    unplanned = fields.Boolean()
    reason = fields.String(allow_none=True)
    short_dated = fields.Boolean()
    created_at = fields.DateTime()
    reversed_at = fields.DateTime(allow_none=True, metadata={"description": "when the scan was undone"})


class ReceivedSchema(AsnSchema):
    """The ASN after a scan, the receipt it recorded and any warning."""

    receipt = fields.Nested(ReceiptRecordSchema)
    warnings = fields.List(fields.Nested(ReceiptWarningSchema))
