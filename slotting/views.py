"""What the API shows of a slotting plan (codes, not ids; one query per kind)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from slotting.models import SlottingPlan
from wms.catalog.models import Sku
from wms.db import codes_of
from wms.facility.models import Location, Warehouse


def plan_view(session: Session, plan: SlottingPlan) -> dict:
    moves = plan.moves
    skus = codes_of(session, Sku, {m.sku_id for m in moves})
    locations = codes_of(session, Location, {m.from_location_id for m in moves} | {m.to_location_id for m in moves})
    figures = plan.figures or {}
    return {
        "id": plan.id, "warehouse": codes_of(session, Warehouse, [plan.warehouse_id])[plan.warehouse_id],
        "status": plan.status, "progress": plan.progress, "stage": plan.stage, "max_moves": plan.max_moves,
        "time_limit_s": plan.time_limit_s, "seed": plan.seed, "horizon_days": plan.horizon_days,
        "cost_before": plan.cost_before, "cost_after": plan.cost_after, "lower_bound": plan.lower_bound,
        "improvement_pct": plan.improvement_pct, "baselines": figures.get("baselines"),
        "walk_per_order_m": figures.get("walk_per_order_m"), "stats": figures.get("stats"),
        "unplaced": figures.get("unplaced"), "error": plan.error, "created_at": plan.created_at,
        "finished_at": plan.finished_at, "applied_at": plan.applied_at,
        "moves": [{"seq": m.seq, "sku": skus[m.sku_id], "from_location": locations[m.from_location_id],
                   "to_location": locations[m.to_location_id], "qty": m.qty, "reason": m.reason,
                   "status": m.status, "note": m.note, "task_ids": m.task_ids} for m in moves],
    }
