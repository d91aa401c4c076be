"""Routes: /warehouses, their layouts and locations."""
from flask_smorest import Blueprint

from wms.facility import services
from wms.facility.rules import LayoutParams, Stations
from wms.facility.schemas import (
    CreateLayoutSchema,
    CreateLocationsSchema,
    CreateWarehouseSchema,
    LayoutSchema,
    LocationQuerySchema,
    LocationSchema,
    LocationsSchema,
    WarehouseSchema,
)
from wms.http import PageArgsSchema, current_principal, get_session, list_page, roles
from wms.schemas import page_of

blp = Blueprint("warehouses", __name__, description="Warehouses, layouts and locations")


@blp.post("/warehouses")
@blp.arguments(CreateWarehouseSchema)
@blp.response(201, WarehouseSchema)
@roles("admin")
def create_warehouse(data):
    return services.create_warehouse(get_session(), current_principal(), **data)


@blp.get("/warehouses")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(WarehouseSchema))
def list_warehouses(args):
    return list_page(args, services.list_warehouses)


@blp.get("/warehouses/<code>")
@blp.response(200, WarehouseSchema)
def get_warehouse(code):
    return services.get_warehouse(get_session(), current_principal(), code)


@blp.post("/warehouses/<code>/layout")
@blp.arguments(CreateLayoutSchema)
@blp.response(201, LayoutSchema)
@roles("admin")
def create_layout(data, code):
    session = get_session()
    stations = Stations(**(data.pop("stations") or {}), drop_points_x_mm=tuple(data.pop("drop_points_x_mm")))
    params = LayoutParams(**data)
    layout = services.create_layout(session, current_principal(), code, params, stations)
    return {
        **data, "warehouse": code, "cross_aisles_y_mm": params.cross_aisle_ys(),
        "locations": services.count_locations(session, layout.warehouse_id),
        "stations": services.station_places(session, layout.warehouse_id),
        "drop_points_x_mm": list(stations.drop_points_x_mm),
    }


@blp.post("/warehouses/<code>/locations")
@blp.arguments(CreateLocationsSchema)
@blp.response(201, LocationsSchema)
@roles("admin")
def add_locations(data, code):
    return {"locations": services.add_locations(get_session(), current_principal(), code, data["locations"])}


@blp.get("/warehouses/<code>/locations")
@blp.arguments(LocationQuerySchema, location="query")
@blp.response(200, page_of(LocationSchema))
def list_locations(args, code):
    return list_page(args, services.list_locations, code)
