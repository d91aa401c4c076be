from marshmallow import Schema, fields, validate

from wms.http import PageArgsSchema
from wms.inventory.services import ADJUSTMENT_REASONS
from wms.ledger.models import CONDITIONS
from wms.schemas import Code, Qty, SkuRef


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
    since = fields.AwareDateTime(load_default=None)


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
