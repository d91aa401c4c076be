"""short pick reasons

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_reason', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.drop_column('short_reason')
