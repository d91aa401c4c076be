"""undo scans

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:56.665200
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversal_movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_receipts_reversal_movement_id_movements'), 'movements', ['reversal_movement_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_receipts_reversal_movement_id_movements'), type_='foreignkey')
        batch_op.drop_column('reversal_movement_id')
        batch_op.drop_column('reversed_at')


