"""Slotting against committed data with real threads: a plan applied twice at
once makes its move tasks once; the background runner solves a plan in its
own thread and session."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from slotting.models import SlottingPlan
from slotting.services import apply_plan, create_plan, run_plan, start_background
from tests.factories import make_world, put_stock
from tests.fulfillment.test_concurrency import run_together
from wms.auth.principal import Principal
from wms.db import make_sessionmaker
from wms.errors import InvalidState
from wms.inventory.models import Task

pytestmark = pytest.mark.concurrency
ADMIN = Principal.system("tests")


@pytest.fixture
def committed_plan(committed_db):
    _url, engine = committed_db
    maker = make_sessionmaker(engine)
    with maker() as s:
        world = make_world(s)
        put_stock(s, world.wh1, "A03-08-2", world.skus_a[1], 5)
        plan = create_plan(s, ADMIN, "WH1", {"time_limit_s": 5})
        run_plan(s, plan.id)
        plan_id = plan.id
        s.commit()
    yield maker, plan_id


def test_a_plan_applied_twice_at_once_makes_its_tasks_once(committed_plan):
    maker, plan_id = committed_plan

    def apply():
        with maker() as s:
            apply_plan(s, ADMIN, plan_id)

    errors = run_together([apply, apply])
    assert len(errors) == 1 and isinstance(errors[0], InvalidState), errors
    with maker() as s:
        plan = s.get(SlottingPlan, plan_id)
        assert plan.status == "applied"
        tasks = s.scalar(select(func.count()).select_from(Task).where(Task.source_type == "slotting",
                                                                      Task.source_id == plan_id))
        assert tasks == sum(len(m.task_ids or []) for m in plan.moves) > 0


def test_the_background_runner_solves_in_its_own_thread(committed_db):
    _url, engine = committed_db
    maker = make_sessionmaker(engine)
    with maker() as s:
        make_world(s)
        plan_id = create_plan(s, ADMIN, "WH1", {"time_limit_s": 5}).id
        s.commit()
    thread = start_background(maker, plan_id)
    thread.join(timeout=120)
    assert not thread.is_alive()
    with maker() as s:
        plan = s.get(SlottingPlan, plan_id)
        assert plan.status == "done" and plan.progress == 1.0 and plan.cost_after is not None
