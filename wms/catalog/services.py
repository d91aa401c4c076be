"""Sellers and their SKUs: creating, changing, finding, resolving references."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from wms import cache
from wms.auth.principal import Principal
from wms.catalog.models import Barcode, Seller, Sku
from wms.db import INT32_MAX, after_commit, transaction
from wms.errors import Conflict, NotFound, UnknownBarcode, ValidationFailed
from wms.messages import M_

SKU_FIELDS = (
    "name", "length_mm", "width_mm", "height_mm", "weight_g", "lot_tracked", "expiry_tracked",
    "hs_code", "origin_country", "customs_value_cents", "customs_currency", "customs_description",
)


SELLER_FIELDS = ("name", "over_receipt_tolerance_pct", "min_shelf_life_days")


def create_seller(session: Session, actor: Principal, *, code: str, name: str, **rules) -> Seller:
    actor.require("admin")
    with transaction(session):
        if session.scalar(select(Seller.id).where(Seller.code == code)) is not None:
            raise Conflict(M_('seller %(code)s already exists', code=code), {"code": M_('already exists')})
        seller = Seller(code=code, name=name, **{k: v for k, v in rules.items() if k in SELLER_FIELDS})
        session.add(seller)
        session.flush()
        return seller


def update_seller(session: Session, actor: Principal, code: str, changes: dict) -> Seller:
    """Change a seller's name or receiving rules (admin)."""
    actor.require("admin")
    with transaction(session):
        seller = session.scalar(select(Seller).where(Seller.code == code).with_for_update())
        if seller is None:
            raise NotFound(M_('seller %(code)s not found', code=code))
        for name in SELLER_FIELDS:
            if name in changes:
                setattr(seller, name, changes[name])
        session.flush()
        return seller


def list_sellers(session: Session, actor: Principal, *, after_id: int = 0, limit: int = 50) -> list[Seller]:
    actor.require("admin", "operator", "seller", "channel")
    stmt = select(Seller).where(Seller.id > after_id, actor.seller_filter(Seller.id))
    return list(session.scalars(stmt.order_by(Seller.id).limit(limit + 1)))


def get_seller_by_code(session: Session, actor: Principal, code: str, *, field: str = "seller") -> Seller:
    seller = session.scalar(select(Seller).where(Seller.code == code))
    if seller is None or not actor.can_see_seller(seller.id):
        raise ValidationFailed(errors={field: M_('unknown seller %(code)s', code=f'{code!r}')})
    return seller


def owning_seller(session: Session, actor: Principal, seller_code: str | None, *, what: str,
                  seller_roles: tuple[str, ...] = ("seller",)) -> int:
    """The seller a new SKU, ASN or order belongs to: a seller-scoped token's
    own (naming another is refused), or the `seller` an admin names."""
    if actor.role in seller_roles:
        if seller_code is not None:
            own = session.scalar(select(Seller.code).where(Seller.id == actor.seller_id))
            if seller_code != own:
                raise ValidationFailed(seller=M_('a %(role)s token creates %(what)s for its own seller only',
                                                 role=actor.role, what=what))
        return actor.seller_id
    actor.require("admin", *seller_roles)
    if not seller_code:
        raise ValidationFailed(seller=M_('required for an admin token'))
    return get_seller_by_code(session, actor, seller_code).id


def _check_barcodes_free(session: Session, seller_id: int, barcodes: list[str], sku_id: int | None = None) -> None:
    if len(set(barcodes)) != len(barcodes):
        raise ValidationFailed(barcodes=M_('contains duplicates'))
    if not barcodes:
        return
    stmt = select(Barcode.code).where(Barcode.seller_id == seller_id, Barcode.code.in_(barcodes))
    if sku_id is not None:
        stmt = stmt.where(Barcode.sku_id != sku_id)
    taken = sorted(session.scalars(stmt))
    if taken:
        raise Conflict(M_('barcode %(value)s belongs to another SKU of this seller',
                          value=taken[0]), {"barcodes": M_('already in use')})


def create_sku(session: Session, actor: Principal, data: dict) -> Sku:
    data = dict(data)
    seller_code = data.pop("seller", None)
    barcodes = data.pop("barcodes", []) or []
    with transaction(session):
        seller_id = owning_seller(session, actor, seller_code, what="SKUs")
        code = data.pop("code")
        if session.scalar(select(Sku.id).where(Sku.seller_id == seller_id, Sku.code == code)) is not None:
            raise Conflict(M_('SKU %(code)s already exists for this seller', code=code), {"code": M_('already exists')})
        _check_barcodes_free(session, seller_id, barcodes)
        sku = Sku(seller_id=seller_id, code=code, **{k: v for k, v in data.items() if k in SKU_FIELDS})
        session.add(sku)
        session.flush()
        session.add_all([Barcode(sku_id=sku.id, seller_id=seller_id, code=b) for b in barcodes])
        session.flush()
        session.refresh(sku)
        return sku


def update_sku(session: Session, actor: Principal, sku_id: int, changes: dict) -> Sku:
    actor.require("admin", "seller")
    with transaction(session):
        sku = get_sku(session, actor, sku_id)
        barcodes = changes.get("barcodes")
        for field, value in changes.items():
            if field in SKU_FIELDS:
                setattr(sku, field, value)
        if barcodes is not None:
            _forget_barcodes(session, sku.seller_id)
            _check_barcodes_free(session, sku.seller_id, barcodes, sku.id)
            keep = {b.code: b for b in sku.barcodes}
            for b in list(sku.barcodes):
                if b.code not in barcodes:
                    sku.barcodes.remove(b)
            session.flush()
            for code in barcodes:
                if code not in keep:
                    sku.barcodes.append(Barcode(seller_id=sku.seller_id, code=code))
        session.flush()
        session.refresh(sku)
        return sku


def get_sku(session: Session, actor: Principal, sku_id: int) -> Sku:
    sku = session.get(Sku, sku_id)
    if sku is None or not actor.can_see_seller(sku.seller_id):
        raise NotFound(M_('SKU not found'))
    return sku


def list_skus(
    session: Session, actor: Principal, *, code: str | None = None, barcode: str | None = None,
    seller: str | None = None, after_id: int = 0, limit: int = 50,
) -> list[Sku]:
    stmt = select(Sku).where(Sku.id > after_id, actor.seller_filter(Sku.seller_id))
    if code:
        stmt = stmt.where(Sku.code == code)
    if barcode:
        stmt = stmt.where(Sku.id.in_(select(Barcode.sku_id).where(Barcode.code == barcode)))
    if seller:
        stmt = stmt.join(Seller, Seller.id == Sku.seller_id).where(Seller.code == seller)
    return list(session.scalars(stmt.order_by(Sku.id).limit(limit + 1)))


def resolve_sku(
    session: Session, actor: Principal, ref: int | str, *, seller_code: str | None = None, field: str = "sku"
) -> Sku:
    """A SKU named in a request: by id, or by code (with the seller's code
    unless the token is a seller's). Unknown or foreign SKUs are a 422 on the
    field, never a hint that another seller's SKU exists."""
    sku: Sku | None
    numeric = isinstance(ref, str) and ref.isascii() and ref.isdigit() and len(ref) <= 10 and int(ref) <= INT32_MAX
    if isinstance(ref, int) or (numeric and seller_code is None and actor.role not in ("seller", "channel")):
        sku = session.get(Sku, int(ref))
    else:
        if actor.role in ("seller", "channel"):
            seller_id = actor.seller_id
        elif seller_code:
            seller_id = session.scalar(select(Seller.id).where(Seller.code == seller_code))
        else:
            # The seller goes beside the SKU: "seller" in a body, "lines.0.seller" in a line.
            seller_field = field.rpartition(".")[0] + ".seller" if "." in field else "seller"
            raise ValidationFailed(errors={seller_field: M_('required when the SKU is named by code')})
        sku = session.scalar(select(Sku).where(Sku.seller_id == seller_id, Sku.code == str(ref)))
        if sku is None and numeric:
            # A query string cannot tell an id from a code: a code wins, else
            # the id of one of this seller's SKUs.
            sku = session.scalar(select(Sku).where(Sku.seller_id == seller_id, Sku.id == int(ref)))
    if sku is None or not actor.can_see_seller(sku.seller_id):
        raise ValidationFailed(errors={field: M_('unknown SKU %(ref)s', ref=f'{ref!r}')})
    return sku


def resolve_barcode(session: Session, actor: Principal, barcode: str, *, seller_id: int | None = None) -> Sku:
    """The SKU a scanned barcode belongs to. Barcodes are unique per seller, so
    a scan that matches several sellers' SKUs needs the seller to be known."""
    # A scan needs the SKU, not its list of barcodes (loaded later if asked for).
    stmt = (select(Sku).join(Barcode, Barcode.sku_id == Sku.id).where(Barcode.code == barcode)
            .options(lazyload(Sku.barcodes)))
    if seller_id is not None:
        stmt = stmt.where(Barcode.seller_id == seller_id)
    stmt = stmt.where(actor.seller_filter(Sku.seller_id))
    matches = list(session.scalars(stmt.limit(2)))
    if not matches:
        raise UnknownBarcode(M_('barcode %(barcode)s is not known',
                                barcode=barcode), {"barcode": M_('unknown barcode')})
    if len(matches) > 1:
        raise ValidationFailed(errors={"barcode": M_("belongs to several sellers' SKUs; name the SKU instead")})
    return matches[0]


# A scanned barcode's SKU id per (seller, barcode), for a few seconds: a pick
# only checks that the item scanned is the one asked for. Changing a SKU's
# barcodes drops the seller's entries at once in this process (and again
# when it commits); other processes see the change within BARCODE_CACHE_SECONDS.
BARCODE_CACHE_SECONDS = 5.0
_barcodes = cache.Cache("barcodes", ttl=BARCODE_CACHE_SECONDS)


def _forget_barcodes(session: Session, seller_id: int) -> None:
    db = cache.database_of(session)

    def forget(_session=None):
        _barcodes.discard(lambda key, _value: key[0] == db and key[1] == seller_id)

    forget()
    after_commit(session, forget)


def barcode_sku_id(session: Session, barcode: str, *, seller_id: int) -> int | None:
    """The id of the seller's SKU with this barcode (None when it has none);
    one indexed query, or none while the answer is cached."""
    key = (cache.database_of(session), seller_id, barcode)
    found = _barcodes.get(key)
    if found is not cache.MISSING:
        return found
    sku_id = session.scalar(select(Barcode.sku_id).where(Barcode.seller_id == seller_id, Barcode.code == barcode))
    if sku_id is not None:
        _barcodes.put(session, key, sku_id)
    return sku_id
