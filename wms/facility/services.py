"""Warehouses, layouts and locations: creating them and reading them."""

from __future__ import annotations

from dataclasses import asdict
from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wms import cache
from wms.auth.principal import Principal
from wms.db import after_commit, transaction
from wms.errors import Conflict, InvalidState, NotFound, ValidationFailed
from wms.facility.models import LOCATION_KINDS, PHYSICAL_KINDS, Layout, Location, Warehouse
from wms.facility.rules import Geometry, LayoutParams, Stations, generate_layout, travel_distance_mm
from wms.messages import M_

# Every warehouse has one of each; stock enters and leaves through them.
VIRTUAL_LOCATIONS = {
    "inbound": "@INBOUND",
    "customer": "@CUSTOMER",
    "adjustment": "@ADJUSTMENT",
    "in_transit": "@IN_TRANSIT",
}


def create_warehouse(
    session: Session, actor: Principal, *, code: str, name: str, country: str, timezone: str
) -> Warehouse:
    actor.require("admin")
    with transaction(session):
        if session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is not None:
            raise Conflict(M_('warehouse %(code)s already exists', code=code), {"code": M_('already exists')})
        warehouse = Warehouse(code=code, name=name, country=country.upper(), timezone=timezone)
        session.add(warehouse)
        session.flush()
        session.execute(
            insert(Location),
            [
                {"warehouse_id": warehouse.id, "code": loc_code, "kind": kind, "is_virtual": True, "active": True}
                for kind, loc_code in VIRTUAL_LOCATIONS.items()
            ],
        )
        return warehouse


def get_warehouse(session: Session, actor: Principal, code: str) -> Warehouse:
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None or not actor.can_see_warehouse(warehouse.id):
        raise NotFound(M_('warehouse %(code)s not found', code=code))
    return warehouse


def resolve_warehouse(session: Session, actor: Principal, code: str, *, field: str = "warehouse") -> Warehouse:
    """A warehouse named in a request body: an unknown one, or one outside the
    caller's scope, is a 422 on the field (like SKU and location references)."""
    try:
        return get_warehouse(session, actor, code)
    except NotFound:
        raise ValidationFailed(errors={field: M_('unknown warehouse %(code)s', code=f'{code!r}')}) from None


def list_warehouses(session: Session, actor: Principal, *, after_id: int = 0, limit: int = 50) -> list[Warehouse]:
    stmt = (
        select(Warehouse)
        .where(Warehouse.id > after_id, actor.warehouse_filter(Warehouse.id))
        .order_by(Warehouse.id)
        .limit(limit + 1)
    )
    return list(session.scalars(stmt))


def create_layout(session: Session, actor: Principal, warehouse_code: str, params: LayoutParams,
                  stations: Stations | None = None) -> Layout:
    """Generate the storage locations of a rectangular layout, with a dock,
    a pack and a ship station and a quarantine area (where `stations` puts
    them on the front cross aisle) and any drop points on the back cross
    aisle. Once per warehouse."""
    actor.require("admin")
    stations = stations or Stations()
    wrong = stations.problems(params)
    if wrong:
        raise ValidationFailed(errors={k if k.startswith("drop") else f"stations.{k}": v for k, v in wrong.items()})
    with transaction(session):
        warehouse = get_warehouse(session, actor, warehouse_code)
        if warehouse.layout is not None:
            raise Conflict(M_('warehouse %(warehouse_code)s already has a layout', warehouse_code=warehouse_code))
        specs = generate_layout(params, stations)
        existing = set(
            session.scalars(
                select(Location.code).where(
                    Location.warehouse_id == warehouse.id, Location.code.in_([s.code for s in specs])
                )
            )
        )
        if existing:
            raise Conflict(M_('locations already exist: %(value)s', value=', '.join(sorted(existing)[:5])))
        layout = Layout(warehouse_id=warehouse.id, **asdict(params))
        session.add(layout)
        session.execute(
            insert(Location),
            [{"warehouse_id": warehouse.id, "is_virtual": False, "active": True, **asdict(s)} for s in specs],
        )
        session.flush()
        _locations_changed(session, warehouse.id)
        return layout


def add_locations(session: Session, actor: Principal, warehouse_code: str, locations: list[dict]) -> list[Location]:
    actor.require("admin")
    with transaction(session):
        warehouse = get_warehouse(session, actor, warehouse_code)
        codes = [loc["code"] for loc in locations]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValidationFailed(locations=M_('duplicate codes in request: %(value)s',
                                                value=', '.join(sorted(dupes))))
        for i, loc in enumerate(locations):
            if loc["kind"] not in PHYSICAL_KINDS:
                raise ValidationFailed(errors={f"locations.{i}.kind": M_('must be one of %(value)s',
                                                                         value=', '.join(PHYSICAL_KINDS))})
        existing = set(
            session.scalars(
                select(Location.code).where(Location.warehouse_id == warehouse.id, Location.code.in_(codes))
            )
        )
        if existing:
            raise Conflict(
                M_('locations already exist: %(value)s',
                   value=', '.join(sorted(existing)[:5])), {"locations": M_('already exist')}
            )
        rows = [Location(warehouse_id=warehouse.id, is_virtual=False, active=True, **loc) for loc in locations]
        session.add_all(rows)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent request added the same code
            raise Conflict(M_('locations already exist')) from exc
        _locations_changed(session, warehouse.id)
        return rows


def list_locations(
    session: Session,
    actor: Principal,
    warehouse_code: str,
    *,
    kind: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[Location]:
    warehouse = get_warehouse(session, actor, warehouse_code)
    stmt = select(Location).where(Location.warehouse_id == warehouse.id, Location.id > after_id)
    if not kind:
        stmt = stmt.where(Location.is_virtual.is_(False))  # the @-locations are the ledger's, not shelves
    if kind:
        if kind not in LOCATION_KINDS:
            raise ValidationFailed(kind=M_('must be one of %(value)s', value=', '.join(LOCATION_KINDS)))
        stmt = stmt.where(Location.kind == kind)
    return list(session.scalars(stmt.order_by(Location.id).limit(limit + 1)))


def get_location(session: Session, warehouse_id: int, code: str, *, field: str = "location") -> Location:
    location = session.scalar(select(Location).where(Location.warehouse_id == warehouse_id, Location.code == code))
    if location is None and code != code.upper():
        # Bin labels are upper case; a scanner or a keyboard in lower case still finds them.
        location = session.scalar(select(Location).where(Location.warehouse_id == warehouse_id,
                                                         Location.code == code.upper()))
    if location is None or location.is_virtual:
        raise ValidationFailed(errors={field: M_('unknown location %(code)s', code=f'{code!r}')})
    if not location.active:
        raise ValidationFailed(errors={field: M_('location %(code)s is inactive', code=code)})
    return location


def ensure_location(
    session: Session, warehouse_id: int, code: str, kind: str, *, near: Location | None = None
) -> Location:
    """A station that services create when first needed (the pick carts)."""
    location = session.scalar(select(Location).where(Location.warehouse_id == warehouse_id, Location.code == code))
    if location is None:
        location = Location(
            warehouse_id=warehouse_id,
            code=code,
            kind=kind,
            is_virtual=False,
            active=True,
            x_mm=near.x_mm if near else None,
            y_mm=near.y_mm if near else None,
        )
        session.add(location)
        session.flush()
        _locations_changed(session, warehouse_id)
    return location


def virtual_location(session: Session, warehouse_id: int, kind: str) -> Location:
    return session.scalars(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code == VIRTUAL_LOCATIONS[kind])
    ).one()


def station(session: Session, warehouse_id: int, kind: str) -> Location:
    """The warehouse's dock or quarantine location (the first, if several)."""
    loc = session.scalar(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == kind, Location.active.is_(True))
        .order_by(Location.id)
        .limit(1)
    )
    if loc is None:
        raise InvalidState(M_('the warehouse has no active %(kind)s location', kind=kind))
    return loc


def station_places(session: Session, warehouse_id: int) -> dict[str, int | None]:
    """x of the first active dock, pack, ship and quarantine location."""
    rows = session.execute(
        select(Location.kind, Location.x_mm)
        .where(Location.warehouse_id == warehouse_id, Location.active.is_(True),
               Location.kind.in_(("dock", "pack", "ship", "quarantine")))
        .order_by(Location.id)
    ).all()
    places: dict[str, int | None] = {}
    for kind, x in rows:
        places.setdefault(f"{kind}_x_mm", x)
    return places


def geometry(session: Session, warehouse_id: int) -> Geometry:
    layout = session.scalar(select(Layout).where(Layout.warehouse_id == warehouse_id))
    if layout is None:
        return Geometry()
    return Geometry.of(layout_params(layout))


def layout_params(layout: Layout) -> LayoutParams:
    return LayoutParams(**{f: getattr(layout, f) for f in LayoutParams.__dataclass_fields__})


def distance_m(session: Session, a: Location, b: Location) -> float:
    """Walking distance between two locations of one warehouse, in metres."""
    if a.warehouse_id != b.warehouse_id:
        raise ValueError(M_('locations are in different warehouses'))
    if None in (a.x_mm, a.y_mm, b.x_mm, b.y_mm):
        raise ValidationFailed(location=M_('location has no coordinates'))
    return travel_distance_mm(geometry(session, a.warehouse_id), (a.x_mm, a.y_mm), (b.x_mm, b.y_mm)) / 1000


def count_locations(session: Session, warehouse_id: int) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count())
        .select_from(Location)
        .where(Location.warehouse_id == warehouse_id, Location.is_virtual.is_(False))
    )


# --- locations as scans see them, per process -----------------------------------------------
# The application never changes a location once made (its code, kind,
# place and capacity), so a scan finds it without a query once it has been
# read; the entries expire after a minute all the same, so that a change
# made in SQL by hand is seen.

class LocationRef(NamedTuple):
    """A location's unchanging facts, as plain data."""

    id: int
    warehouse_id: int
    code: str
    kind: str
    is_virtual: bool
    active: bool
    x_mm: int | None
    y_mm: int | None
    max_volume_mm3: int | None
    max_weight_g: int | None


_REF_COLUMNS = (Location.id, Location.warehouse_id, Location.code, Location.kind, Location.is_virtual,
                Location.active, Location.x_mm, Location.y_mm, Location.max_volume_mm3, Location.max_weight_g)
_refs = cache.Cache("locations", ttl=60.0)


def _ref(session: Session, key: tuple, where) -> LocationRef | None:
    full_key = (cache.database_of(session), *key)
    found = _refs.get(full_key)
    if found is not cache.MISSING:
        return found
    row = session.execute(select(*_REF_COLUMNS).where(*where).order_by(Location.id).limit(1)).first()
    ref = LocationRef(*row) if row is not None else None
    if ref is not None:
        _refs.put(session, full_key, ref)
    return ref


def location_ref(session: Session, warehouse_id: int, code: str, *, field: str = "location") -> LocationRef:
    """get_location's answer (and errors) as a LocationRef."""
    ref = _ref(session, ("code", warehouse_id, code), (Location.warehouse_id == warehouse_id, Location.code == code))
    if ref is None and code != code.upper():
        ref = _ref(session, ("code", warehouse_id, code.upper()),
                   (Location.warehouse_id == warehouse_id, Location.code == code.upper()))
    if ref is None or ref.is_virtual:
        raise ValidationFailed(errors={field: M_('unknown location %(code)s', code=f'{code!r}')})
    if not ref.active:
        raise ValidationFailed(errors={field: M_('location %(code)s is inactive', code=code)})
    return ref


def location_ref_by_id(session: Session, location_id: int) -> LocationRef:
    ref = _ref(session, ("id", location_id), (Location.id == location_id,))
    if ref is None:
        raise NotFound(M_('location %(location_id)s not found', location_id=location_id))
    return ref


def virtual_location_ref(session: Session, warehouse_id: int, kind: str) -> LocationRef:
    ref = _ref(session, ("code", warehouse_id, VIRTUAL_LOCATIONS[kind]),
               (Location.warehouse_id == warehouse_id, Location.code == VIRTUAL_LOCATIONS[kind]))
    if ref is None:
        raise InvalidState(M_('the warehouse has no %(kind)s location', kind=kind))
    return ref


def station_ref(session: Session, warehouse_id: int, kind: str) -> LocationRef:
    """station()'s answer as a LocationRef."""
    ref = _ref(session, ("station", warehouse_id, kind),
               (Location.warehouse_id == warehouse_id, Location.kind == kind, Location.active.is_(True)))
    if ref is None:
        raise InvalidState(M_('the warehouse has no active %(kind)s location', kind=kind))
    return ref


# Storage bins of a warehouse with their distance from a station, per process.
# Locations added here (add_locations, create_layout, ensure_location) drop
# the warehouse's entries at once; another process sees them within a minute.
_bins = cache.Cache("storage-bins", ttl=60.0, maxsize=256)


def storage_bins_by_distance(session: Session, warehouse_id: int, origin) -> tuple[list[tuple], dict[int, tuple]]:
    """[(location id, distance in mm, max volume, max weight)] of the active
    storage bins, nearest the origin location first, and the same by id."""
    key = (cache.database_of(session), warehouse_id, origin.id, origin.x_mm, origin.y_mm)
    found = _bins.get(key)
    if found is not cache.MISSING:
        return found
    geo = geometry(session, warehouse_id)
    rows = session.execute(
        select(Location.id, Location.x_mm, Location.y_mm, Location.max_volume_mm3, Location.max_weight_g).where(
            Location.warehouse_id == warehouse_id, Location.kind == "storage", Location.active.is_(True)
        )
    ).all()
    start = (origin.x_mm or 0, origin.y_mm or 0)
    bins = sorted(
        ((loc_id, travel_distance_mm(geo, start, (x or 0, y or 0)), vol, wt) for loc_id, x, y, vol, wt in rows),
        key=lambda b: (b[1], b[0]),
    )
    found = (bins, {b[0]: b for b in bins})
    _bins.put(session, key, found)
    return found


def _locations_changed(session: Session, warehouse_id: int) -> None:
    """Forget the warehouse's bins now and again once the change commits
    (a scan running meanwhile may have read them before it)."""
    def forget(_session=None):
        db = cache.database_of(session)
        _bins.discard(lambda key, _value: key[0] == db and key[1] == warehouse_id)

    forget()
    after_commit(session, forget)
