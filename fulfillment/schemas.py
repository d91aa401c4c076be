from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fulfillment.models import ORDER_STATUSES, SHORT_REASONS
from wms.http import PageArgsSchema
from wms.schemas import ChannelId, Code, Qty, SkuRef, Timestamp


class ShipToSchema(Schema):
    name = Code(200, required=True)
    line1 = Code(200, required=True)
    city = Code(100, required=True)
    postal_code = Code(20, required=True)
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166 alpha-2 code"))


class NewOrderLineSchema(Schema):
    sku = SkuRef(required=True, metadata={"description": "the seller's SKU code"})
    qty = Qty(required=True)


class CreateOrderSchema(Schema):
    reference = Code(64, required=True)
    seller = Code(32, load_default=None, metadata={"description": "the seller's code (admin tokens only)"})
    warehouse = Code(16, load_default=None)
    channel = ChannelId(load_default=None)
    ship_to = fields.Nested(ShipToSchema, required=True)
    carrier = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    service_level = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    ship_by = Timestamp(load_default=None, metadata={"description": "carrier cut-off"})
    lines = fields.List(fields.Nested(NewOrderLineSchema), required=True, validate=validate.Length(min=1, max=500))


class OrderLineSchema(Schema):
    sku = fields.String()
    sku_id = fields.Integer()
    qty = fields.Integer()
    allocated_qty = fields.Integer()
    picked_qty = fields.Integer()


class OrderEventSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    at = fields.DateTime()


class OrderSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    warehouse = fields.String(allow_none=True)
    seller = fields.String()
    channel = fields.Integer(allow_none=True)
    ship_to = fields.Nested(ShipToSchema)
    carrier = fields.String(allow_none=True)
    service_level = fields.String(allow_none=True)
    ship_by = fields.DateTime(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    wave_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    shipped_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    history = fields.List(fields.Nested(OrderEventSchema))


class OrderQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))
    warehouse = fields.String(load_default=None)


class CreateWaveSchema(Schema):
    max_orders = fields.Integer(strict=True, load_default=200, validate=validate.Range(min=1, max=10_000))
    cart_capacity_units = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=10_000))
    cart_capacity_volume_mm3 = fields.Integer(strict=True, load_default=None,
                                              validate=validate.Range(min=1, max=2**63 - 1))
    carrier = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    ship_by_before = Timestamp(load_default=None)
    time_limit_s = fields.Float(load_default=5.0, validate=validate.Range(min=0.05, max=120))
    seed = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


class PickSchema(Schema):
    seq = fields.Integer()
    location = fields.String()
    sku = fields.String()
    sku_id = fields.Integer()
    lot = fields.String(allow_none=True)
    qty = fields.Integer()
    picked_qty = fields.Integer()
    status = fields.String()
    short_reason = fields.String(allow_none=True)
    order_id = fields.Integer()
    order_reference = fields.String()
    tote = fields.String(allow_none=True, metadata={"description": "the order's tote: where the units go (or went)"})


class PickListToteSchema(Schema):
    order_id = fields.Integer()
    order_reference = fields.String()
    tote = fields.String(allow_none=True)


class AssignToteSchema(Schema):
    tote = Code(32, required=True, metadata={"description": "the scanned tote (or cart slot) label"})
    order_id = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "default: the next order (route order) without a tote"})


class PickListSchema(Schema):
    id = fields.Integer()
    wave_id = fields.Integer()
    status = fields.String()
    distance_m = fields.Float()
    s_shape_distance_m = fields.Float()
    largest_gap_distance_m = fields.Float()
    route_method = fields.String()
    totes = fields.List(fields.Nested(PickListToteSchema))
    picks = fields.List(fields.Nested(PickSchema))


class WaveSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    method = fields.String()
    seed = fields.Integer()
    orders = fields.List(fields.Integer())
    pick_lists = fields.List(fields.Nested(PickListSchema))
    distance_m = fields.Float(metadata={"description": "total optimal walking of the wave's pick lists"})
    single_order_distance_m = fields.Float(metadata={"description": "every order picked alone, optimal routes"})
    fcfs_distance_m = fields.Float(metadata={"description": "first-come-first-served batches, optimal routes"})
    baseline_distance_m = fields.Float(metadata={"description": "the same pick lists walked S-shape"})
    planning_ms = fields.Integer()
    created_at = fields.DateTime()


class ConfirmPickSchema(Schema):
    location = Code(32, required=True)
    barcode = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    sku = SkuRef(load_default=None)
    qty = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1_000_000))
    short_reason = fields.String(load_default=None, validate=validate.OneOf(SHORT_REASONS), metadata={
        "description": "why fewer than asked were taken; a short pick without it is 409 short_pick"})

    @validates_schema
    def _one_item(self, data, **_):
        if data.get("barcode") is not None and data.get("sku") is not None:
            raise ValidationError("send either barcode or sku", "barcode")
        if data.get("barcode") is None and data.get("sku") is None and data.get("qty"):
            raise ValidationError("scan the item taken (or send its sku); only nothing taken needs no item",
                                  "barcode")


class CartonLineInSchema(Schema):
    sku = SkuRef(required=True)
    qty = Qty(required=True)


class CartonInSchema(Schema):
    length_mm = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10_000))
    width_mm = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10_000))
    height_mm = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=10_000))
    weight_g = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1_000_000))
    lines = fields.List(fields.Nested(CartonLineInSchema), required=True, validate=validate.Length(min=1))


class PackOrderSchema(Schema):
    cartons = fields.List(fields.Nested(CartonInSchema), required=True, validate=validate.Length(min=1, max=100))


class ShipOrderSchema(Schema):
    carrier = Code(50, required=True)
    tracking_number = Code(100, required=True)
