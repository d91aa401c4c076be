from marshmallow import Schema, fields, validate

from wms.http import PageArgsSchema
from wms.schemas import Code

_mm = dict(strict=True, load_default=0, validate=validate.Range(min=0, max=100_000))


class SellerRulesSchema(Schema):
    over_receipt_tolerance_pct = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=1000),
        metadata={"description": "units beyond an ASN line by more than this percentage need a confirmation "
                                 "and a reason (default 5)"})
    min_shelf_life_days = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=36500),
        metadata={"description": "a lot received with fewer days to expiry gets a warning (default 0)"})


class CreateSellerSchema(SellerRulesSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"))
    name = Code(200, required=True)


class UpdateSellerSchema(SellerRulesSchema):
    name = Code(200)


class SellerSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    over_receipt_tolerance_pct = fields.Integer()
    min_shelf_life_days = fields.Integer()


class SkuFieldsSchema(Schema):
    name = Code(300)
    barcodes = fields.List(fields.String(validate=validate.Regexp(r"^[!-~]{1,64}$", error="1-64 printable characters")),
                           validate=validate.Length(max=20))
    length_mm = fields.Integer(**_mm)
    width_mm = fields.Integer(**_mm)
    height_mm = fields.Integer(**_mm)
    weight_g = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=10_000_000))
    lot_tracked = fields.Boolean(load_default=False)
    expiry_tracked = fields.Boolean(load_default=False)
    hs_code = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{6,10}$", error="6-10 digits"))
    origin_country = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO alpha-2"))
    customs_value_cents = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0))
    customs_currency = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{3}$", error="ISO 4217"))
    customs_description = fields.String(load_default=None, validate=validate.Length(max=300))


class CreateSkuSchema(SkuFieldsSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[!-~]{1,64}$", error="1-64 printable characters"))
    name = Code(300, required=True)
    barcodes = fields.List(fields.String(validate=validate.Regexp(r"^[!-~]{1,64}$", error="1-64 printable characters")),
                           load_default=list, validate=validate.Length(max=20))
    seller = Code(32, load_default=None, metadata={"description": "the seller's code (admin tokens only)"})


class UpdateSkuSchema(SkuFieldsSchema):
    """Loaded with partial=True: only the fields a request sends are changed."""


class SkuSchema(Schema):
    id = fields.Integer()
    seller = fields.Function(lambda sku: sku.seller.code)
    code = fields.String()
    name = fields.String()
    barcodes = fields.Function(lambda sku: [b.code for b in sku.barcodes])
    length_mm = fields.Integer()
    width_mm = fields.Integer()
    height_mm = fields.Integer()
    weight_g = fields.Integer()
    lot_tracked = fields.Boolean()
    expiry_tracked = fields.Boolean()
    hs_code = fields.String(allow_none=True)
    origin_country = fields.String(allow_none=True)
    customs_value_cents = fields.Integer(allow_none=True)
    customs_currency = fields.String(allow_none=True)
    customs_description = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SkuQuerySchema(PageArgsSchema):
    code = fields.String(load_default=None)
    barcode = fields.String(load_default=None)
    seller = fields.String(load_default=None)
