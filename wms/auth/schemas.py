from marshmallow import Schema, fields, validate

from wms.auth.models import ROLES, USER_LANGUAGES, USER_ROLES
from wms.schemas import ChannelId, Code, Timestamp


class CreateTokenSchema(Schema):
    name = Code(200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    seller = Code(32, load_default=None)
    warehouses = fields.List(Code(16), load_default=list, validate=validate.Length(max=100))
    channel = ChannelId(load_default=None)
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


class CreateUserSchema(Schema):
    login = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"))
    name = Code(200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(USER_ROLES))
    seller = Code(32, load_default=None)
    warehouses = fields.List(Code(16), load_default=list, validate=validate.Length(max=100))
    password = fields.String(load_default=None, load_only=True, validate=validate.Length(min=10, max=200),
                             metadata={"description": "hashed with scrypt; never shown again"})
    badge = fields.String(load_default=None, validate=validate.Regexp(r"^[!-~]{4,64}$"),
                          metadata={"description": "the code printed on the person's badge (handheld login)"})
    pin = fields.String(load_default=None, load_only=True, validate=validate.Regexp(r"^[0-9]{4,8}$"),
                        metadata={"description": "4-8 digits, with the badge"})


class UpdateUserSchema(Schema):
    name = Code(200)
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))
    badge = fields.String(validate=validate.Regexp(r"^[!-~]{4,64}$"))
    pin = fields.String(load_only=True, validate=validate.Regexp(r"^[0-9]{4,8}$"))
    active = fields.Boolean()
    language = fields.String(allow_none=True, validate=validate.OneOf(USER_LANGUAGES))


class UserSchema(Schema):
    id = fields.Integer()
    login = fields.String()
    name = fields.String()
    role = fields.String()
    seller = fields.String(allow_none=True)
    warehouses = fields.List(fields.String())
    badge = fields.String(allow_none=True)
    active = fields.Boolean()
    has_password = fields.Boolean()
    language = fields.String(allow_none=True)
    created_at = fields.DateTime()
