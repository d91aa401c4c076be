"""Routes: /tokens (machines) and /users (people)."""
from flask_smorest import Blueprint

from wms.auth import services, users
from wms.auth.schemas import (
    CreateTokenSchema,
    CreateUserSchema,
    TokenInfoSchema,
    TokenSchema,
    UpdateUserSchema,
    UserSchema,
)
from wms.http import PageArgsSchema, current_principal, get_session, list_page, roles
from wms.schemas import page_of

blp = Blueprint("tokens", __name__, description="API tokens for machines and users for people (admin)")


@blp.post("/tokens")
@blp.arguments(CreateTokenSchema)
@blp.response(201, TokenSchema)
@roles("admin")
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
@roles("admin")
def list_tokens(args):
    return list_page(args, services.list_tokens)


@blp.post("/users")
@blp.arguments(CreateUserSchema)
@blp.response(201, UserSchema)
@roles("admin")
def create_user(data):
    session = get_session()
    return users.user_view(session, users.create_user(session, current_principal(), **data))


@blp.get("/users")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(UserSchema))
@roles("admin")
def list_users(args):
    return list_page(args, users.list_users, views=lambda session, rows: [users.user_view(session, u) for u in rows])


@blp.patch("/users/<int:user_id>")
@blp.arguments(UpdateUserSchema)
@blp.response(200, UserSchema)
@roles("admin")
def update_user(data, user_id):
    session = get_session()
    return users.user_view(session, users.update_user(session, current_principal(), user_id, data))


@blp.delete("/tokens/<int:token_id>")
@blp.response(204)
@roles("admin")
def revoke_token(token_id):
    """Revoke a token at once, and every web login made with it (admin)."""
    services.revoke_token(get_session(), current_principal(), token_id)
