"""The channels API's input and output schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.channels.models import CHANNEL_KINDS, CHANNEL_STATUSES
from wms.http import PageArgsSchema
from wms.schemas import Code, SkuRef


class RulesSchema(Schema):
    buffer = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000),
                            metadata={"description": "units held back (safety buffer)"})
    percent = fields.Integer(strict=True, validate=validate.Range(min=0, max=100),
                             metadata={"description": "share of what is left, rounded down"})
    max_qty = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=1_000_000),
                             metadata={"description": "never show more than this"})


_SETTINGS = fields.Dict(
    keys=fields.String(validate=validate.Length(min=1, max=64)),
    metadata={"description": "connector settings; credentials among them are write-only"},
)


class CreateChannelSchema(Schema):
    name = Code(200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CHANNEL_KINDS))
    seller = Code(32, load_default=None, metadata={"description": "the seller's code (admin tokens only)"})
    warehouses = fields.List(Code(16), required=True, validate=validate.Length(min=1, max=100))
    settings = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), load_default=dict,
                           metadata=_SETTINGS.metadata)
    rules = fields.Nested(RulesSchema, load_default=dict)


class UpdateChannelSchema(Schema):
    name = Code(200)
    warehouses = fields.List(Code(16), validate=validate.Length(min=1, max=100))
    settings = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                           metadata={"description": "merged into the current settings; null removes a key"})
    rules = fields.Nested(RulesSchema)
    status = fields.String(validate=validate.OneOf(CHANNEL_STATUSES))


class ChannelSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    seller = fields.String()
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    warehouses = fields.List(fields.String())
    settings = fields.Dict(metadata={"description": "settings without the credentials"})
    credentials = fields.List(fields.String(), metadata={"description": "names of the credentials set (never values)"})
    rules = fields.Nested(RulesSchema)
    version = fields.Integer()
    throttled_until = fields.DateTime(allow_none=True)
    reconcile_requested_at = fields.DateTime(allow_none=True)
    last_reconciled_at = fields.DateTime(allow_none=True)
    listings = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "listings by status"})
    created_at = fields.DateTime()


class NewListingSchema(Schema):
    sku = SkuRef(required=True, metadata={"description": "the SKU's code or id"})
    external_id = Code(200, required=True)
    location_id = Code(200, load_default=None,
                       metadata={"description": "the marketplace's location, where it has them"})


class AddListingsSchema(Schema):
    listings = fields.List(fields.Nested(NewListingSchema), required=True,
                           validate=validate.Length(min=1, max=1000))


class ListingSchema(Schema):
    id = fields.Integer()
    sku = fields.String()
    sku_id = fields.Integer()
    external_id = fields.String()
    location_id = fields.String(allow_none=True)
    desired_qty = fields.Integer()
    version = fields.Integer()
    pushed_qty = fields.Integer(allow_none=True)
    pushed_version = fields.Integer()
    status = fields.String(metadata={"description": "pending, synced, failing or dead"})
    last_pushed_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    pushes = fields.Integer()
    remote_qty = fields.Integer(allow_none=True)
    remote_checked_at = fields.DateTime(allow_none=True)
    drift = fields.Integer(allow_none=True, metadata={"description": "remote minus pushed, when last read"})


class ListingsSchema(Schema):
    items = fields.List(fields.Nested(ListingSchema))


class ListingQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(("pending", "synced", "failing", "dead")))


class FeedQuerySchema(PageArgsSchema):
    since_version = fields.Integer(load_default=0, validate=validate.Range(min=0))


class FeedItemSchema(Schema):
    sku = fields.String()
    sku_id = fields.Integer()
    external_id = fields.String()
    location_id = fields.String(allow_none=True)
    quantity = fields.Integer()
    version = fields.Integer()


class FeedSchema(Schema):
    version = fields.Integer(metadata={"description": "the channel's version: pass it as since_version next time"})
    items = fields.List(fields.Nested(FeedItemSchema))
    next_cursor = fields.String(allow_none=True)


class ReconcileSchema(Schema):
    channel = fields.Integer()
    requested_at = fields.DateTime()
