"""Routes: /channels, their listings, the pull feed and reconciliation."""
from flask_smorest import Blueprint

from wms.channels import services
from wms.channels.schemas import (
    AddListingsSchema,
    ChannelSchema,
    CreateChannelSchema,
    FeedQuerySchema,
    FeedSchema,
    ListingQuerySchema,
    ListingSchema,
    ListingsSchema,
    ReconcileSchema,
    UpdateChannelSchema,
)
from wms.channels.views import channel_view, channel_views, feed_views, listing_views
from wms.http import PageArgsSchema, current_principal, get_session, list_page, page, page_args
from wms.schemas import page_of

blp = Blueprint("channels", __name__, description="Marketplace channels and stock sync")


@blp.post("/channels")
@blp.arguments(CreateChannelSchema)
@blp.response(201, ChannelSchema)
def create_channel(data):
    session = get_session()
    return channel_view(session, services.create_channel(session, current_principal(), data))


@blp.get("/channels")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(ChannelSchema))
def list_channels(args):
    return list_page(args, services.list_channels, views=channel_views)


@blp.get("/channels/<int:channel_id>")
@blp.response(200, ChannelSchema)
def get_channel(channel_id):
    session = get_session()
    return channel_view(session, services.get_channel(session, current_principal(), channel_id))


@blp.patch("/channels/<int:channel_id>")
@blp.arguments(UpdateChannelSchema)
@blp.response(200, ChannelSchema)
def update_channel(data, channel_id):
    session = get_session()
    return channel_view(session, services.update_channel(session, current_principal(), channel_id, data))


@blp.post("/channels/<int:channel_id>/listings")
@blp.arguments(AddListingsSchema)
@blp.response(201, ListingsSchema)
def add_listings(data, channel_id):
    session = get_session()
    rows = services.add_listings(session, current_principal(), channel_id, data["listings"])
    return {"items": listing_views(session, rows)}


@blp.get("/channels/<int:channel_id>/listings")
@blp.arguments(ListingQuerySchema, location="query")
@blp.response(200, page_of(ListingSchema))
def list_listings(args, channel_id):
    return list_page(args, services.list_listings, channel_id, views=listing_views)


@blp.post("/channels/<int:channel_id>/listings/<int:listing_id>/retry")
@blp.response(200, ListingSchema)
def retry_listing(channel_id, listing_id):
    session = get_session()
    return listing_views(session, [services.retry_listing(session, current_principal(), channel_id, listing_id)])[0]


@blp.get("/channels/<int:channel_id>/stock")
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, FeedSchema)
def stock_feed(args, channel_id):
    session = get_session()
    paging = page_args(args)
    version, rows = services.stock_feed(session, current_principal(), channel_id,
                                        since_version=args["since_version"], **paging)
    result = page(rows, paging["limit"])
    result["items"] = feed_views(session, result["items"])
    return {"version": version, **result}


@blp.post("/channels/<int:channel_id>/reconcile")
@blp.response(202, ReconcileSchema)
def reconcile(channel_id):
    session = get_session()
    channel = services.request_reconcile(session, current_principal(), channel_id)
    return {"channel": channel.id, "requested_at": channel.reconcile_requested_at}
