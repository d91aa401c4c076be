"""Slotting services: the demand model, plans solved in the background with
progress and cancellation, applying a plan as move tasks, and the homes that
putaway follows.

Demand (picks per SKU per day and orders for co-occurrence) comes from the
ledger's pick movements of the last `horizon_days` (one pick movement per
picked line, referenced by its order), plus order history imported into
`slotting_order_history`; a seller's forecast (`slotting_sku_profiles`)
overrides a SKU's measured demand, and a SKU with neither gets the median of
the SKUs that have history.
"""
from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from slotting.models import (
    SlottingHome,
    SlottingMove,
    SlottingOrderHistory,
    SlottingPlan,
    SlottingSellerRule,
    SlottingSkuProfile,
)
from slotting.solver import Cancelled, Plan, Problem, Rules, SkuIn, SlotIn, solve
from wms.auth.lookup import get_visible
from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.catalog.services import get_sku
from wms.db import transaction, utcnow
from wms.errors import InvalidState, ValidationFailed
from wms.facility.models import Layout, Location
from wms.facility.services import get_warehouse, layout_params, station
from wms.inventory.hooks import committed
from wms.inventory.models import Task
from wms.ledger.models import Balance, Movement, Posting, StockLevel

TRAIN_ORDERS = 4000  # most recent orders the affinity search learns from
EVAL_ORDERS = 300  # most recent orders whose tours give walk_per_order_m


# --- demand ---------------------------------------------------------------------------------


def order_history(session: Session, warehouse_id: int, horizon_days: int) -> list[tuple[str, list[int]]]:
    """(reference, SKU ids) of each order picked (or imported) within the
    horizon, oldest first."""
    since = utcnow() - timedelta(days=horizon_days)
    lines: dict[str, dict[int, None]] = defaultdict(dict)
    first: dict[str, object] = {}
    imported = session.execute(
        select(SlottingOrderHistory.reference, SlottingOrderHistory.sku_id, SlottingOrderHistory.ordered_at)
        .where(SlottingOrderHistory.warehouse_id == warehouse_id, SlottingOrderHistory.ordered_at >= since)
        .order_by(SlottingOrderHistory.ordered_at, SlottingOrderHistory.id)
    )
    for ref, sku_id, at in imported:
        key = f"history:{ref}"
        lines[key][sku_id] = None
        first.setdefault(key, at)
    picked = session.execute(
        select(Movement.reference, Posting.sku_id, Movement.created_at)
        .join(Posting, Posting.movement_id == Movement.id)
        .where(Movement.warehouse_id == warehouse_id, Movement.kind == "pick", Movement.created_at >= since,
               Posting.qty < 0)
        .order_by(Movement.created_at, Movement.id)
    )
    for ref, sku_id, at in picked:
        key = ref or "?"
        lines[key][sku_id] = None
        first.setdefault(key, at)
    return [(ref, list(skus)) for ref, skus in sorted(lines.items(), key=lambda kv: (first[kv[0]], kv[0]))]


def demand(session: Session, warehouse_id: int, horizon_days: int,
           orders: list[tuple[str, list[int]]] | None = None) -> dict[int, float]:
    """Picks per day of each SKU seen in the horizon (order lines / days)."""
    if orders is None:
        orders = order_history(session, warehouse_id, horizon_days)
    counts: dict[int, int] = defaultdict(int)
    for _ref, skus in orders:
        for sku_id in skus:
            counts[sku_id] += 1
    return {sku_id: n / horizon_days for sku_id, n in counts.items()}


def import_order_history(session: Session, actor: Principal, warehouse_code: str, lines: list[dict]) -> int:
    """Record order lines from before the warehouse ran on Quayside (each
    {reference, sku_id, qty, ordered_at}) for the demand model; admin only.
    Returns how many lines were recorded."""
    actor.require("admin")
    with transaction(session):
        warehouse = get_warehouse(session, actor, warehouse_code)
        rows = [{"warehouse_id": warehouse.id, "reference": str(ln["reference"])[:64], "sku_id": int(ln["sku_id"]),
                 "qty": int(ln["qty"]), "ordered_at": ln["ordered_at"]} for ln in lines]
        known = set(session.scalars(select(Sku.id).where(Sku.id.in_({r["sku_id"] for r in rows})))) if rows else set()
        unknown = sorted({r["sku_id"] for r in rows} - known)
        if unknown:
            raise ValidationFailed(sku_id=f"unknown SKU ids: {unknown[:10]}")
        if any(r["qty"] <= 0 for r in rows):
            raise ValidationFailed(qty="must be a positive integer")
        if rows:
            session.execute(insert(SlottingOrderHistory), rows)
        return len(rows)


def sku_profile(session: Session, actor: Principal, sku_id: int) -> dict:
    """What slotting knows of a SKU: the seller's forecast and its hazmat class."""
    actor.require("admin", "seller", "channel")
    sku = get_sku(session, actor, sku_id)
    profile = session.get(SlottingSkuProfile, sku.id)
    return {"sku": sku.code, "forecast_picks_per_day": profile.forecast_picks_per_day if profile else None,
            "hazmat_class": profile.hazmat_class if profile else None}


def set_sku_profile(session: Session, actor: Principal, sku_id: int, data: dict) -> dict:
    """The seller (or an admin) sets a SKU's forecast (picks per day, which
    overrides the measured demand; null: measure it) and hazmat class (null:
    none). Fields left out keep their value."""
    actor.require("admin", "seller")
    with transaction(session):
        sku = get_sku(session, actor, sku_id)
        profile = session.get(SlottingSkuProfile, sku.id) or SlottingSkuProfile(sku_id=sku.id)
        for name in ("forecast_picks_per_day", "hazmat_class"):
            if name in data:
                setattr(profile, name, data[name])
        session.add(profile)
        session.flush()
    return sku_profile(session, actor, sku_id)


# --- the instance -------------------------------------------------------------------------------


def build_problem(session: Session, warehouse_id: int, *, horizon_days: int = 60, max_moves: int | None = None,
                  time_limit_s: float = 60.0, seed: int = 0) -> Problem:
    layout = session.scalar(select(Layout).where(Layout.warehouse_id == warehouse_id))
    params = layout_params(layout) if layout is not None else None
    locations = session.execute(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.kind == "storage",
                               Location.active.is_(True), Location.x_mm.is_not(None)).order_by(Location.id)
    ).scalars().all()
    slots = [SlotIn(loc.id, loc.x_mm, loc.y_mm, loc.level or 1, loc.block or 1, loc.aisle or 1,
                    loc.max_volume_mm3, loc.max_weight_g, loc.code) for loc in locations]
    try:
        depot_loc = station(session, warehouse_id, "pack")
    except InvalidState:
        depot_loc = station(session, warehouse_id, "dock")
    depot = (depot_loc.x_mm or 0, depot_loc.y_mm or 0)
    orders = order_history(session, warehouse_id, horizon_days)
    measured = demand(session, warehouse_id, horizon_days, orders)

    storage_ids = {s.location_id for s in slots}
    current: dict[int, list[tuple[int, int]]] = defaultdict(list)
    on_hand: dict[int, int] = defaultdict(int)
    for loc_id, sku_id, qty in session.execute(
        select(Balance.location_id, Balance.sku_id, func.sum(Balance.qty))
        .where(Balance.warehouse_id == warehouse_id, Balance.is_virtual.is_(False), Balance.qty > 0)
        .group_by(Balance.location_id, Balance.sku_id)
    ):
        on_hand[sku_id] += int(qty)
        if loc_id in storage_ids:
            current[sku_id].append((int(qty), loc_id))
    expected = dict(session.execute(
        select(StockLevel.sku_id, StockLevel.expected + StockLevel.in_transit)
        .where(StockLevel.warehouse_id == warehouse_id)
    ).all())
    sku_ids = set(on_hand) | {s for s, q in expected.items() if q} | set(measured)
    profiles = {p.sku_id: p for p in session.scalars(
        select(SlottingSkuProfile).where(SlottingSkuProfile.sku_id.in_(sorted(sku_ids))))} if sku_ids else {}
    segregated = frozenset(session.scalars(
        select(SlottingSellerRule.seller_id).where(SlottingSellerRule.segregate.is_(True))))
    default = statistics.median(measured.values()) if measured else 0.0
    skus = []
    for sku in session.scalars(select(Sku).where(Sku.id.in_(sorted(sku_ids))).order_by(Sku.id)) if sku_ids else []:
        profile = profiles.get(sku.id)
        picks = measured.get(sku.id, default)
        if profile is not None and profile.forecast_picks_per_day is not None:
            picks = profile.forecast_picks_per_day
        skus.append(SkuIn(sku.id, picks, sku.volume_mm3, sku.weight_g,
                          on_hand.get(sku.id, 0) + int(expected.get(sku.id) or 0), sku.seller_id,
                          profile.hazmat_class if profile is not None else None, sku.code))
    recent = [skus for _ref, skus in orders]
    return Problem(
        skus=skus, slots=slots, depot=depot, layout=params,
        orders=recent[-TRAIN_ORDERS:], eval_orders=recent[-EVAL_ORDERS:],
        current={sku_id: [loc for _q, loc in sorted(held, key=lambda t: (-t[0], t[1]))]
                 for sku_id, held in current.items()},
        rules=Rules(segregated_owners=segregated), max_moves=max_moves, time_limit_s=time_limit_s, seed=seed,
    )


# --- plans ------------------------------------------------------------------------------------


def create_plan(session: Session, actor: Principal, warehouse_code: str, data: dict) -> SlottingPlan:
    actor.require("admin", "operator")
    with transaction(session):
        warehouse = get_warehouse(session, actor, warehouse_code)
        if not session.scalar(select(func.count()).select_from(Location).where(
                Location.warehouse_id == warehouse.id, Location.kind == "storage")):
            raise InvalidState(f"warehouse {warehouse.code} has no storage locations to slot")
        plan = SlottingPlan(warehouse_id=warehouse.id, status="queued", max_moves=data.get("max_moves"),
                            time_limit_s=data.get("time_limit_s") or 60.0, seed=data.get("seed") or 0,
                            horizon_days=data.get("horizon_days") or 60, progress=0.0)
        session.add(plan)
        session.flush()
        return plan


def get_plan(session: Session, actor: Principal, plan_id: int) -> SlottingPlan:
    return get_visible(session, actor, SlottingPlan, plan_id, roles=("admin", "operator"), what="slotting plan")


def cancel_plan(session: Session, actor: Principal, plan_id: int) -> SlottingPlan:
    with transaction(session):
        plan = get_plan(session, actor, plan_id)
        if plan.status not in ("queued", "running"):
            raise InvalidState(f"slotting plan {plan.id} is {plan.status}")
        plan.cancel_requested = True
        if plan.status == "queued":
            plan.status = "cancelled"
            plan.finished_at = utcnow()
        session.flush()
        return plan


def run_plan(session: Session, plan_id: int) -> SlottingPlan:
    """Solve a queued plan: progress is committed as it goes (at most once a
    second), a cancel request stops it, a failure is recorded on the plan."""
    with transaction(session):
        plan = session.get(SlottingPlan, plan_id)
        if plan is None or plan.status != "queued":
            return plan
        plan.status, plan.started_at, plan.stage = "running", utcnow(), "model"
    last = [0.0]

    def progress(fraction: float, stage: str) -> bool:
        now = time.monotonic()
        if now - last[0] < 1.0 and stage not in ("done",):
            return True
        last[0] = now
        with transaction(session):
            session.refresh(plan)
            if plan.cancel_requested:
                return False
            plan.progress, plan.stage = round(fraction, 3), stage
        return True

    try:
        problem = build_problem(session, plan.warehouse_id, horizon_days=plan.horizon_days,
                                max_moves=plan.max_moves, time_limit_s=plan.time_limit_s, seed=plan.seed)
        result = solve(problem, progress)
    except Cancelled:
        with transaction(session):
            plan.status, plan.finished_at = "cancelled", utcnow()
        return plan
    except Exception as exc:  # recorded on the plan for whoever polls it
        session.rollback()
        with transaction(session):
            plan = session.get(SlottingPlan, plan_id)
            plan.status, plan.error, plan.finished_at = "failed", f"{type(exc).__name__}: {exc}", utcnow()
        return plan
    _save(session, plan, result, problem)
    return plan


def _save(session: Session, plan: SlottingPlan, result: Plan, problem: Problem) -> None:
    codes = {s.sku_id: s.code for s in problem.skus}
    with transaction(session):
        session.refresh(plan)
        if plan.cancel_requested:
            plan.status, plan.finished_at = "cancelled", utcnow()
            return
        session.add_all(SlottingHome(plan_id=plan.id, sku_id=sku_id, location_id=loc, rank=rank)
                        for sku_id, locs in sorted(result.homes.items()) for rank, loc in enumerate(locs))
        session.add_all(SlottingMove(plan_id=plan.id, seq=k, sku_id=m.sku_id, from_location_id=m.from_location_id,
                                     to_location_id=m.to_location_id, reason=m.reason, status="planned")
                        for k, m in enumerate(result.moves, start=1))
        plan.cost_before, plan.cost_after = result.cost_before, result.cost_after
        plan.lower_bound, plan.improvement_pct = result.lower_bound, result.improvement_pct
        plan.figures = {
            "baselines": result.baselines, "walk_per_order_m": result.walk_per_order_m,
            "stats": {k: v for k, v in result.stats.items() if k != "group_zones"},
            "unplaced": [{"sku": codes.get(s, str(s)), "reason": why} for s, why in sorted(result.unplaced.items())],
        }
        plan.status, plan.progress, plan.stage, plan.finished_at = "done", 1.0, "done", utcnow()
        session.flush()
        session.expire(plan, ["moves"])


def start_background(sessionmaker: Callable[[], Session], plan_id: int) -> threading.Thread:
    """Solve the plan in a thread of its own with its own session."""
    def work() -> None:
        session = sessionmaker()
        try:
            run_plan(session, plan_id)
        finally:
            session.close()

    thread = threading.Thread(target=work, name=f"slotting-plan-{plan_id}", daemon=True)
    thread.start()
    return thread


def run_queued(session: Session, *, stale_after_s: float = 3600) -> list[int]:
    """Solve every queued plan, and re-run those left running by a process
    that died (started more than stale_after_s ago); returns their ids."""
    stale = utcnow() - timedelta(seconds=stale_after_s)
    with transaction(session):
        for plan in session.scalars(select(SlottingPlan).where(SlottingPlan.status == "running",
                                                               SlottingPlan.started_at < stale)):
            plan.status = "queued"
    ids = list(session.scalars(select(SlottingPlan.id).where(SlottingPlan.status == "queued")
                               .order_by(SlottingPlan.id)))
    session.commit()
    for plan_id in ids:
        run_plan(session, plan_id)
    return ids


# --- applying a plan ----------------------------------------------------------------------------


def apply_plan(session: Session, actor: Principal, plan_id: int) -> SlottingPlan:
    """Create a move task for each move whose source still holds the SKU's
    good stock (less what open picks will take from it); the others are
    skipped with the reason. Stock moves later, when an operator completes
    the task (through the ledger, like putaway)."""
    with transaction(session):
        plan = get_plan(session, actor, plan_id)
        locked = session.execute(
            select(SlottingPlan.status).where(SlottingPlan.id == plan.id).with_for_update()).scalar_one()
        if locked != "done":
            raise InvalidState(f"slotting plan {plan.id} is {locked}; only a finished plan can be applied")
        promised = committed(session, plan.warehouse_id)
        held: dict[tuple[int, int], list[tuple[str, int, int]]] = defaultdict(list)
        froms = {m.from_location_id for m in plan.moves}
        if froms:
            for loc_id, sku_id, owner_id, lot, qty in session.execute(
                select(Balance.location_id, Balance.sku_id, Balance.owner_id, Balance.lot, Balance.qty)
                .where(Balance.location_id.in_(sorted(froms)), Balance.condition == "good", Balance.qty > 0)
                .order_by(Balance.location_id, Balance.sku_id, Balance.lot)
            ):
                free = qty - promised.get((loc_id, sku_id, lot), 0)
                if free > 0:
                    held[(loc_id, sku_id)].append((lot, owner_id, free))
        open_moves = {(t.from_location_id, t.sku_id) for t in session.scalars(
            select(Task).where(Task.warehouse_id == plan.warehouse_id, Task.type == "move", Task.status == "open"))}
        for move in plan.moves:
            stock = held.pop((move.from_location_id, move.sku_id), [])
            if (move.from_location_id, move.sku_id) in open_moves:
                move.status, move.note = "skipped", "an open move task already takes this stock"
                continue
            if not stock:
                move.status, move.note = "skipped", "the source no longer holds free stock of this SKU"
                continue
            tasks = [Task(warehouse_id=plan.warehouse_id, type="move", owner_id=owner_id, sku_id=move.sku_id,
                          lot=lot, qty=qty, from_location_id=move.from_location_id,
                          suggested_location_id=move.to_location_id, source_type="slotting", source_id=plan.id)
                     for lot, owner_id, qty in stock]
            session.add_all(tasks)
            session.flush()
            move.qty = sum(t.qty for t in tasks)
            move.status, move.task_ids = "tasked", [t.id for t in tasks]
        plan.status, plan.applied_at = "applied", utcnow()
        session.flush()
        return plan


# --- putaway ----------------------------------------------------------------------------------


def _current_plan(warehouse_id: int):
    """The warehouse's current slotting, as a scalar subquery: its latest
    applied plan, else its latest finished one."""
    return (
        select(SlottingPlan.id)
        .where(SlottingPlan.warehouse_id == warehouse_id, SlottingPlan.status.in_(("applied", "done")))
        .order_by((SlottingPlan.status == "applied").desc(), SlottingPlan.finished_at.desc(),
                  SlottingPlan.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def current_plan_id(session: Session, warehouse_id: int) -> int | None:
    """The warehouse's current slotting: its latest applied plan, else its
    latest finished one."""
    return session.scalar(select(_current_plan(warehouse_id)))


def home_locations(session: Session, warehouse_id: int, sku_id: int) -> list[int]:
    """The SKU's home locations in the current slotting, pick face first:
    one statement (putaway asks on every scan)."""
    return list(session.scalars(select(SlottingHome.location_id).where(
        SlottingHome.plan_id == _current_plan(warehouse_id), SlottingHome.sku_id == sku_id)
        .order_by(SlottingHome.rank)))
