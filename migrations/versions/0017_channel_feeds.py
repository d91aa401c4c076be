"""channel feeds: bulk feeds handed to a marketplace that processes them later (Walmart)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 14:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('poll_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('give_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f('ck_channel_feeds_status')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_feeds_channel_id_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_feeds'))
    )
    with op.batch_alter_table('channel_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_feeds_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index('ix_channel_feeds_status_poll_at', ['status', 'poll_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('channel_feeds', schema=None) as batch_op:
        batch_op.drop_index('ix_channel_feeds_status_poll_at')
        batch_op.drop_index(batch_op.f('ix_channel_feeds_channel_id'))
    op.drop_table('channel_feeds')
