"""receiving guards

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:58:38.473361
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('short_dated', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('over_receipt_tolerance_pct', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('min_shelf_life_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_sellers_receiving_rules'), 'over_receipt_tolerance_pct >= 0 AND min_shelf_life_days >= 0')



def downgrade() -> None:
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sellers_receiving_rules'), type_='check')
        batch_op.drop_column('min_shelf_life_days')
        batch_op.drop_column('over_receipt_tolerance_pct')

    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_column('short_dated')
        batch_op.drop_column('reason')

