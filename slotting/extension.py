"""How slotting plugs into the core (read by wms.extensions)."""
from __future__ import annotations

import click

from wms.extensions import Extension


@click.group("slotting")
def slotting_command() -> None:
    """Slotting plans."""


def figures_table(plan) -> str:
    """The figures of a finished plan as a text table."""
    figures = plan.figures or {}
    walk = figures.get("walk_per_order_m") or {}
    costs = {"before": plan.cost_before, "after": plan.cost_after, **(figures.get("baselines") or {})}
    rows = [f"{'placement':<14}{'travel-weighted m/day':>24}{'walk per order m':>20}"]
    for name in ("before", "after", "random", "abc", "coi", "within_aisle"):
        cost, w = costs.get(name), walk.get(name)
        rows.append(f"{name:<14}{'' if cost is None else f'{cost:,.1f}':>24}{'' if w is None else f'{w:,.2f}':>20}")
    rows.append(f"{'lower bound':<14}{plan.lower_bound:>24,.1f}")
    best = min((walk[k] for k in ("random", "abc", "coi", "within_aisle") if walk.get(k)), default=None)
    if best and walk.get("after"):
        less = 100 * (1 - walk["after"] / best)
        rows.append(f"improvement {plan.improvement_pct:.1f}% in the objective; walking {less:.1f}% less than the "
                    f"best baseline")
    stats = figures.get("stats") or {}
    rows.append(f"{len(plan.moves)} moves; {len(figures.get('unplaced') or [])} SKUs unplaced; solved in "
                f"{stats.get('seconds', '?')} s")
    return "\n".join(rows)


@slotting_command.command("plan")
@click.argument("warehouse")
@click.option("--max-moves", type=click.IntRange(min=0), default=None, help="at most this many bins moved")
@click.option("--time-limit", type=click.FloatRange(min=0.1, max=3600), default=60.0, help="seconds")
@click.option("--seed", type=click.IntRange(min=0), default=0)
@click.option("--horizon-days", type=click.IntRange(min=1, max=730), default=60)
def plan_command(warehouse, max_moves, time_limit, seed, horizon_days) -> None:
    """Solve a slotting plan for WAREHOUSE now and print its figures."""
    from slotting import services
    from wms.auth.principal import Principal
    from wms.cli import open_session
    from wms.errors import DomainError

    engine, session = open_session()
    try:
        actor = Principal.system("cli")
        try:
            plan = services.create_plan(session, actor, warehouse, {
                "max_moves": max_moves, "time_limit_s": time_limit, "seed": seed, "horizon_days": horizon_days})
        except DomainError as exc:
            raise click.ClickException(exc.detail) from None
        plan = services.run_plan(session, plan.id)
        if plan.status != "done":
            raise click.ClickException(f"plan {plan.id} {plan.status}: {plan.error or ''}")
        click.echo(f"slotting plan {plan.id} for {warehouse}")
        click.echo(figures_table(plan))
    finally:
        session.close()
        engine.dispose()


@slotting_command.command("run-queued")
def run_queued_command() -> None:
    """Solve queued plans, and plans left running by a process that died."""
    from slotting import services
    from wms.cli import open_session

    engine, session = open_session()
    try:
        ids = services.run_queued(session)
    finally:
        session.close()
        engine.dispose()
    click.echo(f"{len(ids)} plan(s) solved")


def _subscribe() -> None:
    from wms.inventory.hooks import putaway_homes

    putaway_homes.connect(_homes)


def _homes(session, *, warehouse_id, sku_id):
    """Putaway asks: the SKU's homes in the current slotting plan."""
    from slotting.services import home_locations

    return home_locations(session, warehouse_id, sku_id)


def register() -> Extension:
    from slotting.api import blp
    from slotting.demo import demo_slotting
    from slotting.layout_measure import layout_measures

    return Extension(
        name="slotting",
        api_blueprints=[blp],
        cli_commands=[slotting_command],
        model_modules=["slotting.models"],
        subscribe=_subscribe,
        demo=demo_slotting,
        page_sections={"layout_measures": layout_measures},
    )
