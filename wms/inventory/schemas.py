from marshmallow import Schema, fields, validate

from wms.http import PageArgsSchema
from wms.inventory.services import ADJUSTMENT_REASONS
from wms.ledger.models import CONDITIONS
from wms.schemas import Code, Qty, SkuRef, Timestamp


class StockQuerySchema(PageArgsSchema):
    warehouse = fields.String(load_default=None)
    sku = fields.String(load_default=None)
    seller = fields.String(load_default=None)


class StockItemSchema(Schema):
    warehouse = fields.String()
    seller = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    expected = fields.Integer()
    receiving = fields.Integer()
    sellable = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    unsellable = fields.Integer()
    in_transit = fields.Integer()
    picked = fields.Integer()


class LocationStockQuerySchema(StockQuerySchema):
    location = fields.String(load_default=None)


class LocationStockSchema(Schema):
    warehouse = fields.String()
    location = fields.String()
    seller = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    condition = fields.String()
    on_hand = fields.Integer()


class LedgerQuerySchema(StockQuerySchema):
    since = Timestamp(load_default=None)


class PostingSchema(Schema):
    location = fields.String()
    seller = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    condition = fields.String()
    qty = fields.Integer()


class MovementSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    created_at = fields.DateTime()
    reference = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    postings = fields.List(fields.Nested(PostingSchema))


class CreateAdjustmentSchema(Schema):
    warehouse = Code(16, required=True)
    location = Code(32, required=True)
    sku = SkuRef(required=True)
    seller = Code(32, load_default=None)
    qty = fields.Integer(strict=True, required=True, validate=[
        validate.Range(min=-1_000_000, max=1_000_000),
        validate.NoneOf([0], error="must not be zero"),
    ])
    reason = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_REASONS))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    lot = Code(64, load_default=None)
    condition = fields.String(load_default="good", validate=validate.OneOf(CONDITIONS))


class CreateMoveSchema(Schema):
    warehouse = Code(16, required=True)
    from_location = Code(32, required=True)
    to_location = Code(32, required=True)
    sku = SkuRef(required=True)
    seller = Code(32, load_default=None)
    qty = Qty(required=True)
    lot = Code(64, load_default=None)
    condition = fields.String(load_default="good", validate=validate.OneOf(CONDITIONS))


# --- tasks, transfers, cycle counts -----------------------------------------

class TaskQuerySchema(PageArgsSchema):
    warehouse = fields.String(load_default=None)
    type = fields.String(load_default=None, validate=validate.OneOf(("putaway", "move", "count")))
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "done", "cancelled")))


class TaskSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    status = fields.String()
    warehouse = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    seller = fields.String()
    lot = fields.String(allow_none=True)
    condition = fields.String()
    qty = fields.Integer()
    qty_done = fields.Integer()
    qty_open = fields.Integer()
    from_location = fields.String()
    suggested_location = fields.String(allow_none=True)
    source_type = fields.String(allow_none=True)
    source_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class CompleteTaskSchema(Schema):
    location = Code(32, required=True)
    qty = Qty(required=True)
    confirm = fields.List(fields.String(validate=validate.OneOf(("other_bin",))), load_default=list,
                          metadata={"description": "other_bin: put away elsewhere than suggested (with a reason); "
                                                   "without it such a scan is 409 other_bin"})
    reason = fields.String(load_default=None, validate=validate.OneOf(("bin_full", "blocked", "damaged", "other")))


class TransferLineInSchema(Schema):
    sku = SkuRef(required=True)
    seller = Code(32, load_default=None)
    qty = Qty(required=True)


class CreateTransferSchema(Schema):
    from_warehouse = Code(16, required=True)
    to_warehouse = Code(16, required=True)
    reference = Code(64, load_default=None)
    lines = fields.List(fields.Nested(TransferLineInSchema), required=True, validate=validate.Length(min=1, max=1000))


class ReceivedLineSchema(Schema):
    sku = SkuRef(required=True)
    seller = Code(32, load_default=None)
    qty = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1_000_000))


class ReceiveTransferSchema(Schema):
    lines = fields.List(fields.Nested(ReceivedLineSchema), load_default=None, validate=validate.Length(max=1000),
                        metadata={"description": "units that arrived per SKU; all of them when omitted"})


class TransferLineSchema(Schema):
    sku = fields.String()
    sku_id = fields.Integer()
    seller = fields.String()
    lot = fields.String(allow_none=True)
    qty = fields.Integer()
    received_qty = fields.Integer(allow_none=True)
    short_qty = fields.Integer(allow_none=True)


class TransferSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    reference = fields.String(allow_none=True)
    from_warehouse = fields.String()
    to_warehouse = fields.String()
    created_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(TransferLineSchema))


class TransferQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(("in_transit", "received")))


class CreateCountSchema(Schema):
    warehouse = Code(16, required=True)
    locations = fields.List(Code(32), required=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class CountedLineSchema(Schema):
    location = Code(32, required=True)
    sku = SkuRef(required=True)
    seller = Code(32, load_default=None)
    lot = Code(64, load_default=None)
    condition = fields.String(load_default="good", validate=validate.OneOf(CONDITIONS))
    counted_qty = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1_000_000))


class SubmitCountSchema(Schema):
    lines = fields.List(fields.Nested(CountedLineSchema), required=True, validate=validate.Length(max=5000))


class ApproveCountSchema(Schema):
    approve = fields.Boolean(load_default=True, metadata={"description": "false rejects the pending variances"})


class VarianceSchema(Schema):
    location = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    condition = fields.String()
    system_qty = fields.Integer()
    counted_qty = fields.Integer()
    variance = fields.Integer()
    status = fields.String()


class CountSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    warehouse = fields.String()
    locations = fields.List(fields.String())
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    variances = fields.List(fields.Nested(VarianceSchema))


class CountQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "pending_approval", "done")))
