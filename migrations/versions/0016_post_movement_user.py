"""wms_post_movement() takes the person who made the movement

The user (a logged-in person) was recorded in movement_users by a statement
of its own after the function; now the function writes that row too, so a
movement made by a person is still one round trip. The function otherwise
stays as in migration 0007 (guards, lock order, errors) and stays the
ledger's own (SECURITY DEFINER, as migration 0015 made it).

Revision ID: 0016
Revises: 0015
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_ARGS = ("bigint, text, text, text, text, bigint, bigint, timestamptz, bigint[], bigint[], text[], text[], "
            "bigint[], bigint[], bigint[]")
NEW_ARGS = OLD_ARGS + ", bigint"
SECURITY = "SECURITY DEFINER SET search_path = public, pg_temp"


def _function_0007() -> str:
    spec = importlib.util.spec_from_file_location(
        "wms_migration_0007", Path(__file__).with_name("0007_post_movement_function.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FUNCTION


def _with_user(function: str) -> str:
    """0007's function with a last parameter, p_user_id, written to movement_users."""
    params = "    p_reservations bigint[], p_reserved_qtys bigint[]\n) RETURNS jsonb"
    insert = "    RETURNING id INTO v_movement_id;\n"
    assert function.count(params) == 1 and function.count(insert) == 1
    return (function
            .replace(params, "    p_reservations bigint[], p_reserved_qtys bigint[], p_user_id bigint\n) RETURNS jsonb")
            .replace(insert, insert + "    IF p_user_id IS NOT NULL THEN\n"
                                      "        INSERT INTO movement_users (movement_id, user_id)"
                                      " VALUES (v_movement_id, p_user_id);\n"
                                      "    END IF;\n"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS wms_post_movement({OLD_ARGS})")
    op.execute(_with_user(_function_0007()))
    op.execute(f"ALTER FUNCTION wms_post_movement({NEW_ARGS}) {SECURITY}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS wms_post_movement({NEW_ARGS})")
    op.execute(_function_0007())
    op.execute(f"ALTER FUNCTION wms_post_movement({OLD_ARGS}) {SECURITY}")
