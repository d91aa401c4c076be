"""short pick reasons

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_reason', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.drop_column('short_reason')
