"""Routes: /warehouses/{code}/slotting-plans, /slotting-plans/{id}[/apply|/cancel]."""
from flask import current_app
from flask_smorest import Blueprint

from slotting import services
from slotting.schemas import CreatePlanSchema, PlanSchema, SkuProfileSchema
from slotting.views import plan_view
from wms.db import write_scope
from wms.http import current_principal, get_session

blp = Blueprint("slotting", __name__, description="Slotting: storage location assignment with OR-Tools")


def _solve(session, plan_id: int) -> None:
    """Solve inline (tests, WMS_SLOTTING_INLINE) or in a background thread
    once the plan is committed."""
    if current_app.config.get("SLOTTING_INLINE", current_app.config.get("TESTING", False)):
        services.run_plan(session, plan_id)
        return
    sessionmaker = current_app.extensions["wms"]["sessionmaker"]
    scope = write_scope(session)
    if scope.deferred:
        scope.after_commit.append(lambda _s: services.start_background(sessionmaker, plan_id))
    else:
        services.start_background(sessionmaker, plan_id)


@blp.post("/warehouses/<code>/slotting-plans")
@blp.arguments(CreatePlanSchema)
@blp.response(201, PlanSchema)
def create_plan(data, code):
    """Plan where every SKU should live; solved in the background (status
    `running` with `progress` until `done`)."""
    session = get_session()
    plan = services.create_plan(session, current_principal(), code, data)
    _solve(session, plan.id)
    return plan_view(session, services.get_plan(session, current_principal(), plan.id))


@blp.get("/slotting-plans/<int:plan_id>")
@blp.response(200, PlanSchema)
def get_plan(plan_id):
    session = get_session()
    return plan_view(session, services.get_plan(session, current_principal(), plan_id))


@blp.post("/slotting-plans/<int:plan_id>/apply")
@blp.response(200, PlanSchema)
def apply_plan(plan_id):
    """Create a move task for each move (skipped, with the reason, when the
    source no longer holds free stock)."""
    session = get_session()
    return plan_view(session, services.apply_plan(session, current_principal(), plan_id))


@blp.post("/slotting-plans/<int:plan_id>/cancel")
@blp.response(200, PlanSchema)
def cancel_plan(plan_id):
    session = get_session()
    return plan_view(session, services.cancel_plan(session, current_principal(), plan_id))


@blp.get("/skus/<int:sku_id>/slotting")
@blp.response(200, SkuProfileSchema)
def get_sku_profile(sku_id):
    return services.sku_profile(get_session(), current_principal(), sku_id)


@blp.patch("/skus/<int:sku_id>/slotting")
@blp.arguments(SkuProfileSchema)
@blp.response(200, SkuProfileSchema)
def patch_sku_profile(data, sku_id):
    """A seller's demand forecast and the SKU's hazmat class (hazmat classes
    are stored in aisles of their own)."""
    return services.set_sku_profile(get_session(), current_principal(), sku_id, data)
