from marshmallow import Schema, fields, validate

from wms.auth.models import ROLES
from wms.schemas import Code, Timestamp


class CreateTokenSchema(Schema):
    name = Code(200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    seller = Code(32, load_default=None)
    warehouses = fields.List(Code(16), load_default=list)
    channel = fields.Integer(strict=True, load_default=None)
    expires_at = Timestamp(load_default=None)


class TokenInfoSchema(Schema):
    """A token as listed: everything but the token, which is shown only once."""

    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    prefix = fields.String()
    seller = fields.String(allow_none=True)
    warehouses = fields.List(fields.String())
    channel = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    prefix = fields.String()
    seller = fields.String(allow_none=True)
    warehouses = fields.List(fields.String())
    channel = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    token = fields.String(metadata={"description": "Shown only in this response; only a hash is stored."})
