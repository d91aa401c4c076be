"""a person's language for their screens

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f('ck_users_language'), "language IS NULL OR language IN ('en', 'zh', 'es')")


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_language'), type_='check')
        batch_op.drop_column('language')
