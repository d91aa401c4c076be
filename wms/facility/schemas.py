from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates

from wms.facility.models import PHYSICAL_KINDS
from wms.http import PageArgsSchema
from wms.schemas import Code

_TIMEZONES = available_timezones()
_dim = dict(strict=True, validate=validate.Range(min=1, max=100_000))


class CreateWarehouseSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9_-]{0,15}$",
                                                                 error="1-16 capital letters, digits, - or _"))
    name = Code(200, required=True)
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166 alpha-2 code"))
    timezone = fields.String(required=True)

    @validates("timezone")
    def _timezone(self, value, **_):
        if value not in _TIMEZONES:
            raise ValidationError("unknown IANA time zone")


class LayoutInfoSchema(Schema):
    blocks = fields.Integer()
    aisles = fields.Integer()
    bays_per_aisle = fields.Integer()
    levels = fields.Integer()
    bay_width_mm = fields.Integer()
    bay_depth_mm = fields.Integer()
    level_height_mm = fields.Integer()
    aisle_width_mm = fields.Integer()
    cross_aisle_width_mm = fields.Integer()
    max_weight_g = fields.Integer()


class WarehouseSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    country = fields.String()
    timezone = fields.String()
    layout = fields.Nested(LayoutInfoSchema, allow_none=True)


class CreateLayoutSchema(Schema):
    blocks = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=26))
    aisles = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))
    bays_per_aisle = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=49),
                                    metadata={"description": "bays along each side of an aisle"})
    levels = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9))
    bay_width_mm = fields.Integer(load_default=1000, **_dim)
    bay_depth_mm = fields.Integer(load_default=800, **_dim)
    level_height_mm = fields.Integer(load_default=600, **_dim)
    aisle_width_mm = fields.Integer(load_default=2500, **_dim)
    cross_aisle_width_mm = fields.Integer(load_default=3000, **_dim)
    max_weight_g = fields.Integer(load_default=250_000, strict=True, validate=validate.Range(min=1, max=10_000_000))
    stations = fields.Nested(lambda: StationsSchema(), load_default=None, metadata={
        "description": "x of each station on the front cross aisle (mm from the left wall); omitted: the default "
                       "place (dock at the first aisle, pack at the middle aisle, ship at the last, quarantine "
                       "between the first two)"})
    drop_points_x_mm = fields.List(fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000_000)),
                                   load_default=list, validate=validate.Length(max=99), metadata={
        "description": "drop points on the back cross aisle (storage locations DROP-01, ... at these x)"})


class StationsSchema(Schema):
    dock_x_mm = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))
    pack_x_mm = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))
    ship_x_mm = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))
    quarantine_x_mm = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))


class LayoutSchema(LayoutInfoSchema):
    warehouse = fields.String()
    locations = fields.Integer(metadata={"description": "locations generated"})
    cross_aisles_y_mm = fields.List(fields.Integer())
    stations = fields.Nested(StationsSchema, metadata={"description": "where each station stands (x, mm)"})
    drop_points_x_mm = fields.List(fields.Integer())


class NewLocationSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"))
    kind = fields.String(required=True, validate=validate.OneOf(PHYSICAL_KINDS))
    block = fields.Integer(strict=True, load_default=None)
    aisle = fields.Integer(strict=True, load_default=None)
    bay = fields.Integer(strict=True, load_default=None)
    level = fields.Integer(strict=True, load_default=None)
    x_mm = fields.Integer(strict=True, load_default=None)
    y_mm = fields.Integer(strict=True, load_default=None)
    max_volume_mm3 = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1, max=2**63 - 1))
    max_weight_g = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1))


class CreateLocationsSchema(Schema):
    locations = fields.List(fields.Nested(NewLocationSchema), required=True, validate=validate.Length(min=1, max=5000))


class LocationSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    block = fields.Integer(allow_none=True)
    aisle = fields.Integer(allow_none=True)
    bay = fields.Integer(allow_none=True)
    level = fields.Integer(allow_none=True)
    x_mm = fields.Integer(allow_none=True)
    y_mm = fields.Integer(allow_none=True)
    max_volume_mm3 = fields.Integer(allow_none=True)
    max_weight_g = fields.Integer(allow_none=True)
    active = fields.Boolean()


class LocationsSchema(Schema):
    locations = fields.List(fields.Nested(LocationSchema))


class LocationQuerySchema(PageArgsSchema):
    kind = fields.String(load_default=None)
