"""fulfillment

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:44:45.339432
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('distance_mm', sa.Integer(), nullable=False),
    sa.Column('single_order_distance_mm', sa.Integer(), nullable=False),
    sa.Column('fcfs_distance_mm', sa.Integer(), nullable=False),
    sa.Column('baseline_distance_mm', sa.Integer(), nullable=False),
    sa.Column('planning_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_waves_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waves'))
    )
    with op.batch_alter_table('waves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waves_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('warehouse_id', sa.Integer(), nullable=True),
    sa.Column('requested_warehouse_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ship_to_name', sa.String(length=200), nullable=False),
    sa.Column('ship_to_line1', sa.String(length=200), nullable=False),
    sa.Column('ship_to_city', sa.String(length=100), nullable=False),
    sa.Column('ship_to_postal_code', sa.String(length=20), nullable=False),
    sa.Column('ship_to_country', sa.String(length=2), nullable=False),
    sa.Column('carrier', sa.String(length=50), nullable=True),
    sa.Column('service_level', sa.String(length=50), nullable=True),
    sa.Column('ship_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('wave_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('backordered', 'allocated', 'picking', 'picked', 'packed', 'shipped', 'cancelled')", name=op.f('ck_orders_status')),
    sa.ForeignKeyConstraint(['requested_warehouse_id'], ['warehouses.id'], name=op.f('fk_orders_requested_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_orders_seller_id_sellers')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_orders_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_orders_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('seller_id', 'reference', name=op.f('uq_orders_seller_id_reference'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index('ix_orders_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_orders_warehouse_id_status', ['warehouse_id', 'status'], unique=False)

    op.create_table('pick_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('distance_mm', sa.Integer(), nullable=False),
    sa.Column('s_shape_mm', sa.Integer(), nullable=False),
    sa.Column('largest_gap_mm', sa.Integer(), nullable=False),
    sa.Column('route_method', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_pick_lists_warehouse_id_warehouses')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_pick_lists_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_lists'))
    )
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_lists_wave_id'), ['wave_id'], unique=False)

    op.create_table('cartons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('length_mm', sa.Integer(), nullable=False),
    sa.Column('width_mm', sa.Integer(), nullable=False),
    sa.Column('height_mm', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.CheckConstraint('length_mm > 0 AND width_mm > 0 AND height_mm > 0 AND weight_g > 0', name=op.f('ck_cartons_dimensions')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_cartons_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cartons'))
    )
    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cartons_order_id'), ['order_id'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_token_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_token_id'], ['tokens.id'], name=op.f('fk_order_events_actor_token_id_tokens')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_order_id'), ['order_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('allocated_qty', sa.Integer(), nullable=False),
    sa.Column('picked_qty', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('picked_qty <= allocated_qty AND allocated_qty <= qty', name=op.f('ck_order_lines_within_qty')),
    sa.CheckConstraint('qty > 0 AND allocated_qty >= 0 AND picked_qty >= 0', name=op.f('ck_order_lines_quantities')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_order_lines_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_order_lines_sku_id_owner_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_order_lines_sku_id_order_id', ['sku_id', 'order_id'], unique=False)

    op.create_table('carton_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carton_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_carton_lines_positive')),
    sa.ForeignKeyConstraint(['carton_id'], ['cartons.id'], name=op.f('fk_carton_lines_carton_id_cartons')),
    sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], name=op.f('fk_carton_lines_sku_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carton_lines'))
    )
    with op.batch_alter_table('carton_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carton_lines_carton_id'), ['carton_id'], unique=False)

    op.create_table('picks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pick_list_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('picked_qty', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('picked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'picked', 'short')", name=op.f('ck_picks_status')),
    sa.CheckConstraint('qty > 0 AND picked_qty >= 0 AND picked_qty <= qty', name=op.f('ck_picks_quantities')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_picks_location_id_locations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_picks_order_id_orders')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_picks_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['pick_list_id'], ['pick_lists.id'], name=op.f('fk_picks_pick_list_id_pick_lists')),
    sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], name=op.f('fk_picks_sku_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_picks')),
    sa.UniqueConstraint('pick_list_id', 'seq', name=op.f('uq_picks_pick_list_id_seq'))
    )
    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_picks_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_picks_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_picks_pick_list_id'), ['pick_list_id'], unique=False)

    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consumed_qty', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('released_qty', sa.Integer(), server_default='0', nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        # On SQLite the guarded updates alone keep this (adding a CHECK there
        # means rebuilding a table other tables reference).
        op.create_check_constraint(
            "within_qty", "reservations", "consumed_qty >= 0 AND released_qty >= 0 AND consumed_qty + released_qty <= qty"
        )



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("within_qty", "reservations", type_="check")
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_column('released_qty')
        batch_op.drop_column('consumed_qty')

    with op.batch_alter_table('picks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_picks_pick_list_id'))
        batch_op.drop_index(batch_op.f('ix_picks_order_id'))
        batch_op.drop_index(batch_op.f('ix_picks_location_id'))

    op.drop_table('picks')
    with op.batch_alter_table('carton_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carton_lines_carton_id'))

    op.drop_table('carton_lines')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_sku_id_order_id')
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_order_id'))

    op.drop_table('order_events')
    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cartons_order_id'))

    op.drop_table('cartons')
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pick_lists_wave_id'))

    op.drop_table('pick_lists')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_warehouse_id_status')
        batch_op.drop_index('ix_orders_status_id')
        batch_op.drop_index(batch_op.f('ix_orders_seller_id'))

    op.drop_table('orders')
    with op.batch_alter_table('waves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waves_warehouse_id'))

    op.drop_table('waves')
