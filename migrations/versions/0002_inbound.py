"""inbound: asns, receipts, lots, tasks, transfers, counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:38:23.064294
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transport_mode', sa.String(length=16), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('container_number', sa.String(length=20), nullable=True),
    sa.Column('expected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('expected', 'receiving', 'closed', 'cancelled')", name=op.f('ck_asns_status')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_asns_seller_id_sellers')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_asns_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asns')),
    sa.UniqueConstraint('seller_id', 'reference', name=op.f('uq_asns_seller_id_reference'))
    )
    with op.batch_alter_table('asns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asns_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asns_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('asn_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asn_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('expected_qty', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=False),
    sa.Column('damaged_qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('damaged_qty <= received_qty', name=op.f('ck_asn_lines_damaged_within_received')),
    sa.CheckConstraint('expected_qty >= 0 AND received_qty >= 0 AND damaged_qty >= 0', name=op.f('ck_asn_lines_nonnegative')),
    sa.ForeignKeyConstraint(['asn_id'], ['asns.id'], name=op.f('fk_asn_lines_asn_id_asns')),
    sa.ForeignKeyConstraint(['sku_id', 'seller_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_asn_lines_sku_id_seller_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asn_lines')),
    sa.UniqueConstraint('asn_id', 'sku_id', 'lot', name=op.f('uq_asn_lines_asn_id_sku_id_lot'))
    )
    with op.batch_alter_table('asn_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asn_lines_asn_id'), ['asn_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asn_lines_sku_id'), ['sku_id'], unique=False)

    op.create_table('counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_token_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'pending_approval', 'done', 'cancelled')", name=op.f('ck_counts_status')),
    sa.ForeignKeyConstraint(['approved_by_token_id'], ['tokens.id'], name=op.f('fk_counts_approved_by_token_id_tokens')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_counts_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counts'))
    )
    with op.batch_alter_table('counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counts_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], name=op.f('fk_lots_sku_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('sku_id', 'lot', name=op.f('uq_lots_sku_id_lot'))
    )
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.String(length=8), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('qty_done', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=False),
    sa.Column('suggested_location_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=16), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_tasks_status')),
    sa.CheckConstraint("type IN ('putaway', 'move', 'count')", name=op.f('ck_tasks_type')),
    sa.CheckConstraint('qty > 0 AND qty_done >= 0 AND qty_done <= qty', name=op.f('ck_tasks_quantities')),
    sa.ForeignKeyConstraint(['from_location_id'], ['locations.id'], name=op.f('fk_tasks_from_location_id_locations')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_tasks_sku_id_owner_id_skus')),
    sa.ForeignKeyConstraint(['suggested_location_id'], ['locations.id'], name=op.f('fk_tasks_suggested_location_id_locations')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_tasks_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_warehouse_id_type_status', ['warehouse_id', 'type', 'status'], unique=False)

    op.create_table('count_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['counts.id'], name=op.f('fk_count_locations_count_id_counts')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_count_locations_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_locations'))
    )
    with op.batch_alter_table('count_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_locations_count_id'), ['count_id'], unique=False)

    op.create_table('count_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.String(length=8), nullable=False),
    sa.Column('system_qty', sa.Integer(), nullable=False),
    sa.Column('counted_qty', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("status IN ('posted', 'pending', 'rejected', 'no_variance')", name=op.f('ck_count_lines_status')),
    sa.CheckConstraint('counted_qty >= 0 AND system_qty >= 0', name=op.f('ck_count_lines_nonnegative')),
    sa.ForeignKeyConstraint(['count_id'], ['counts.id'], name=op.f('fk_count_lines_count_id_counts')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_count_lines_location_id_locations')),
    sa.ForeignKeyConstraint(['movement_id'], ['movements.id'], name=op.f('fk_count_lines_movement_id_movements')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_count_lines_sku_id_owner_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_lines'))
    )
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_lines_count_id'), ['count_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('asn_id', sa.Integer(), nullable=False),
    sa.Column('asn_line_id', sa.Integer(), nullable=False),
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=8), nullable=False),
    sa.Column('over', sa.Boolean(), nullable=False),
    sa.Column('unplanned', sa.Boolean(), nullable=False),
    sa.Column('actor_token_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("condition IN ('good', 'damaged')", name=op.f('ck_receipts_condition')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_receipts_positive')),
    sa.ForeignKeyConstraint(['actor_token_id'], ['tokens.id'], name=op.f('fk_receipts_actor_token_id_tokens')),
    sa.ForeignKeyConstraint(['asn_id'], ['asns.id'], name=op.f('fk_receipts_asn_id_asns')),
    sa.ForeignKeyConstraint(['asn_line_id'], ['asn_lines.id'], name=op.f('fk_receipts_asn_line_id_asn_lines')),
    sa.ForeignKeyConstraint(['movement_id'], ['movements.id'], name=op.f('fk_receipts_movement_id_movements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_asn_id'), ['asn_id'], unique=False)

    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_warehouse_id', sa.Integer(), nullable=False),
    sa.Column('to_warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('out_movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('in_movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('in_transit', 'received')", name=op.f('ck_transfers_status')),
    sa.CheckConstraint('from_warehouse_id <> to_warehouse_id', name=op.f('ck_transfers_distinct_warehouses')),
    sa.ForeignKeyConstraint(['from_warehouse_id'], ['warehouses.id'], name=op.f('fk_transfers_from_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['in_movement_id'], ['movements.id'], name=op.f('fk_transfers_in_movement_id_movements')),
    sa.ForeignKeyConstraint(['out_movement_id'], ['movements.id'], name=op.f('fk_transfers_out_movement_id_movements')),
    sa.ForeignKeyConstraint(['to_warehouse_id'], ['warehouses.id'], name=op.f('fk_transfers_to_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_from_warehouse_id'), ['from_warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_to_warehouse_id'), ['to_warehouse_id'], unique=False)

    op.create_table('transfer_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=True),
    sa.CheckConstraint('qty > 0 AND (received_qty IS NULL OR received_qty >= 0)', name=op.f('ck_transfer_lines_quantities')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_transfer_lines_sku_id_owner_id_skus')),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_transfer_lines_transfer_id_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_lines'))
    )
    with op.batch_alter_table('transfer_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_lines_transfer_id'), ['transfer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transfer_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_lines_transfer_id'))

    op.drop_table('transfer_lines')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfers_to_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_from_warehouse_id'))

    op.drop_table('transfers')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_asn_id'))

    op.drop_table('receipts')
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_lines_count_id'))

    op.drop_table('count_lines')
    with op.batch_alter_table('count_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_locations_count_id'))

    op.drop_table('count_locations')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_warehouse_id_type_status')

    op.drop_table('tasks')
    op.drop_table('lots')
    with op.batch_alter_table('counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counts_warehouse_id'))

    op.drop_table('counts')
    with op.batch_alter_table('asn_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asn_lines_sku_id'))
        batch_op.drop_index(batch_op.f('ix_asn_lines_asn_id'))

    op.drop_table('asn_lines')
    with op.batch_alter_table('asns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asns_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_asns_seller_id'))

    op.drop_table('asns')
