"""Routes: /tokens."""
from flask_smorest import Blueprint

from wms.auth import services
from wms.auth.schemas import CreateTokenSchema, TokenInfoSchema, TokenSchema
from wms.http import PageArgsSchema, current_principal, get_session, list_page
from wms.schemas import page_of

blp = Blueprint("tokens", __name__, description="API tokens (admin)")


@blp.post("/tokens")
@blp.arguments(CreateTokenSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    session = get_session()
    token, raw = services.create_token(session, current_principal(), **data)
    return {
        "id": token.id, "name": token.name, "role": token.role, "prefix": token.prefix,
        "seller": data["seller"], "warehouses": [w.code for w in token.warehouses],
        "channel": token.channel_id, "created_at": token.created_at, "expires_at": token.expires_at, "token": raw,
    }


@blp.get("/tokens")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(TokenInfoSchema))
def list_tokens(args):
    return list_page(args, services.list_tokens)
