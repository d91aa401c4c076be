"""channels: sales channels, the warehouses they sell from, listings with their sync state

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:06.880001
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('credentials', sa.LargeBinary(), nullable=True),
    sa.Column('buffer', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('max_qty', sa.Integer(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('throttled_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reconcile_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('amazon', 'ebay', 'aliexpress', 'wish', 'etsy', 'shopify', 'walmart', 'woocommerce', 'webhook')", name=op.f('ck_channels_kind')),
    sa.CheckConstraint("status IN ('active', 'paused')", name=op.f('ck_channels_status')),
    sa.CheckConstraint('buffer >= 0 AND percent BETWEEN 0 AND 100 AND (max_qty IS NULL OR max_qty >= 0)', name=op.f('ck_channels_rules')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_channels_version')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_channels_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels')),
    sa.UniqueConstraint('seller_id', 'name', name=op.f('uq_channels_seller_id_name'))
    )
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channels_seller_id'), ['seller_id'], unique=False)

    op.create_table('channel_warehouses',
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_warehouses_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_channel_warehouses_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('channel_id', 'warehouse_id', name=op.f('pk_channel_warehouses'))
    )
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('location_ref', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('desired_qty', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pushed_version', sa.BigInteger(), nullable=False),
    sa.Column('pushed_qty', sa.Integer(), nullable=True),
    sa.Column('last_pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pushes', sa.Integer(), nullable=False),
    sa.Column('remote_qty', sa.Integer(), nullable=True),
    sa.Column('remote_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drift', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('active', 'dead')", name=op.f('ck_listings_state')),
    sa.CheckConstraint('desired_qty >= 0 AND attempts >= 0', name=op.f('ck_listings_nonnegative')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_listings_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sku_id', 'seller_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_listings_sku_id_seller_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('channel_id', 'external_id', 'location_ref', name=op.f('uq_listings_channel_id_external_id_location_ref')),
    sa.UniqueConstraint('channel_id', 'sku_id', 'location_ref', name=op.f('uq_listings_channel_id_sku_id_location_ref'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_channel_id_version', ['channel_id', 'version'], unique=False)
        batch_op.create_index('ix_listings_next_attempt_at', ['next_attempt_at'], unique=False)
        batch_op.create_index('ix_listings_sku_id', ['sku_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_sku_id')
        batch_op.drop_index('ix_listings_next_attempt_at')
        batch_op.drop_index('ix_listings_channel_id_version')

    op.drop_table('listings')
    op.drop_table('channel_warehouses')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channels_seller_id'))

    op.drop_table('channels')
