"""sort while picking: a tote per order on a pick list, the tote of each pick

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pick_list_totes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pick_list_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('tote', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_pick_list_totes_order_id_orders')),
    sa.ForeignKeyConstraint(['pick_list_id'], ['pick_lists.id'], name=op.f('fk_pick_list_totes_pick_list_id_pick_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_list_totes')),
    sa.UniqueConstraint('pick_list_id', 'order_id', name=op.f('uq_pick_list_totes_pick_list_id_order_id')),
    sa.UniqueConstraint('pick_list_id', 'tote', name=op.f('uq_pick_list_totes_pick_list_id_tote'))
    )
    with op.batch_alter_table('pick_list_totes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_list_totes_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pick_list_totes_pick_list_id'), ['pick_list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pick_list_totes_tote'), ['tote'], unique=False)

    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tote', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.drop_column('tote')
    with op.batch_alter_table('pick_list_totes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pick_list_totes_tote'))
        batch_op.drop_index(batch_op.f('ix_pick_list_totes_pick_list_id'))
        batch_op.drop_index(batch_op.f('ix_pick_list_totes_order_id'))
    op.drop_table('pick_list_totes')
