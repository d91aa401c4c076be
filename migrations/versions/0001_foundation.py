"""foundation: catalog, facility, tokens, ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:26:04.986800
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sellers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellers')),
    sa.UniqueConstraint('code', name=op.f('uq_sellers_code'))
    )
    op.create_table('warehouses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouses')),
    sa.UniqueConstraint('code', name=op.f('uq_warehouses_code'))
    )
    op.create_table('layouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('blocks', sa.Integer(), nullable=False),
    sa.Column('aisles', sa.Integer(), nullable=False),
    sa.Column('bays_per_aisle', sa.Integer(), nullable=False),
    sa.Column('levels', sa.Integer(), nullable=False),
    sa.Column('bay_width_mm', sa.Integer(), nullable=False),
    sa.Column('bay_depth_mm', sa.Integer(), nullable=False),
    sa.Column('level_height_mm', sa.Integer(), nullable=False),
    sa.Column('aisle_width_mm', sa.Integer(), nullable=False),
    sa.Column('cross_aisle_width_mm', sa.Integer(), nullable=False),
    sa.Column('max_weight_g', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('blocks >= 1 AND aisles >= 1 AND bays_per_aisle >= 1 AND levels >= 1', name=op.f('ck_layouts_positive')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_layouts_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_layouts')),
    sa.UniqueConstraint('warehouse_id', name=op.f('uq_layouts_warehouse_id'))
    )
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('is_virtual', sa.Boolean(), nullable=False),
    sa.Column('block', sa.Integer(), nullable=True),
    sa.Column('aisle', sa.Integer(), nullable=True),
    sa.Column('bay', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('x_mm', sa.Integer(), nullable=True),
    sa.Column('y_mm', sa.Integer(), nullable=True),
    sa.Column('max_volume_mm3', sa.BigInteger(), nullable=True),
    sa.Column('max_weight_g', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("is_virtual = (kind IN ('inbound', 'customer', 'adjustment', 'in_transit'))", name=op.f('ck_locations_virtual_kind')),
    sa.CheckConstraint("kind IN ('storage', 'dock', 'pack', 'ship', 'quarantine', 'inbound', 'customer', 'adjustment', 'in_transit')", name=op.f('ck_locations_kind')),
    sa.CheckConstraint('max_volume_mm3 IS NULL OR max_volume_mm3 > 0', name=op.f('ck_locations_volume')),
    sa.CheckConstraint('max_weight_g IS NULL OR max_weight_g > 0', name=op.f('ck_locations_weight')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_locations_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('id', 'warehouse_id', 'is_virtual', name=op.f('uq_locations_id_warehouse_id_is_virtual')),
    sa.UniqueConstraint('warehouse_id', 'code', name=op.f('uq_locations_warehouse_id_code'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('skus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('length_mm', sa.Integer(), nullable=False),
    sa.Column('width_mm', sa.Integer(), nullable=False),
    sa.Column('height_mm', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.Column('lot_tracked', sa.Boolean(), nullable=False),
    sa.Column('expiry_tracked', sa.Boolean(), nullable=False),
    sa.Column('hs_code', sa.String(length=16), nullable=True),
    sa.Column('origin_country', sa.String(length=2), nullable=True),
    sa.Column('customs_value_cents', sa.Integer(), nullable=True),
    sa.Column('customs_currency', sa.String(length=3), nullable=True),
    sa.Column('customs_description', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length_mm >= 0 AND width_mm >= 0 AND height_mm >= 0', name=op.f('ck_skus_dimensions')),
    sa.CheckConstraint('weight_g >= 0', name=op.f('ck_skus_weight')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_skus_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skus')),
    sa.UniqueConstraint('id', 'seller_id', name=op.f('uq_skus_id_seller_id')),
    sa.UniqueConstraint('seller_id', 'code', name=op.f('uq_skus_seller_id_code'))
    )
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skus_seller_id'), ['seller_id'], unique=False)

    op.create_table('tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'operator', 'seller', 'channel')", name=op.f('ck_tokens_role')),
    sa.CheckConstraint("role NOT IN ('seller', 'channel') OR seller_id IS NOT NULL", name=op.f('ck_tokens_seller_scope')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_tokens_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tokens_token_hash'))
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_seller_id'), ['seller_id'], unique=False)

    op.create_table('balances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('is_virtual', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.String(length=8), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint("condition IN ('good', 'damaged')", name=op.f('ck_balances_condition')),
    sa.CheckConstraint('is_virtual OR qty >= 0', name=op.f('ck_balances_nonnegative')),
    sa.ForeignKeyConstraint(['location_id', 'warehouse_id', 'is_virtual'], ['locations.id', 'locations.warehouse_id', 'locations.is_virtual'], name=op.f('fk_balances_location_id_warehouse_id_is_virtual_locations')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_balances_sku_id_owner_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_balances')),
    sa.UniqueConstraint('location_id', 'owner_id', 'sku_id', 'lot', 'condition', name=op.f('uq_balances_location_id_owner_id_sku_id_lot_condition'))
    )
    with op.batch_alter_table('balances', schema=None) as batch_op:
        batch_op.create_index('ix_balances_warehouse_id_sku_id', ['warehouse_id', 'sku_id'], unique=False)

    op.create_table('barcodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['sku_id', 'seller_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_barcodes_sku_id_seller_id_skus'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_barcodes')),
    sa.UniqueConstraint('seller_id', 'code', name=op.f('uq_barcodes_seller_id_code'))
    )
    with op.batch_alter_table('barcodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barcodes_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_barcodes_sku_id'), ['sku_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('response_content_type', sa.String(length=100), nullable=True),
    sa.Column('response_location', sa.String(length=500), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('in_flight', 'completed')", name=op.f('ck_idempotency_keys_status')),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_idempotency_keys_token_id_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotency_keys_token_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)

    op.create_table('reservations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'released', 'consumed')", name=op.f('ck_reservations_status')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_reservations_positive')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_reservations_sku_id_owner_id_skus')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_reservations_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_warehouse_id_sku_id_status', ['warehouse_id', 'sku_id', 'status'], unique=False)

    op.create_table('stock_levels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('sellable', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('receiving', sa.Integer(), nullable=False),
    sa.Column('unsellable', sa.Integer(), nullable=False),
    sa.Column('picked', sa.Integer(), nullable=False),
    sa.Column('in_transit', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.CheckConstraint('reserved <= sellable', name=op.f('ck_stock_levels_reserved_within_sellable')),
    sa.CheckConstraint('sellable >= 0 AND reserved >= 0 AND receiving >= 0 AND unsellable >= 0 AND picked >= 0 AND in_transit >= 0 AND expected >= 0', name=op.f('ck_stock_levels_nonnegative')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_stock_levels_sku_id_owner_id_skus')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_levels_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_levels')),
    sa.UniqueConstraint('warehouse_id', 'sku_id', name=op.f('uq_stock_levels_warehouse_id_sku_id'))
    )
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.create_index('ix_stock_levels_owner_id_id', ['owner_id', 'id'], unique=False)

    op.create_table('token_warehouses',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_token_warehouses_token_id_tokens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_token_warehouses_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('token_id', 'warehouse_id', name=op.f('pk_token_warehouses'))
    )
    op.create_table('movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_token_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('receipt', 'putaway', 'move', 'pick', 'pack', 'ship', 'adjustment', 'count', 'transfer_out', 'transfer_in', 'return')", name=op.f('ck_movements_kind')),
    sa.ForeignKeyConstraint(['actor_token_id'], ['tokens.id'], name=op.f('fk_movements_actor_token_id_tokens')),
    sa.ForeignKeyConstraint(['idempotency_key_id'], ['idempotency_keys.id'], name=op.f('fk_movements_idempotency_key_id_idempotency_keys')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_movements_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movements'))
    )
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movements_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_idempotency_key_id'), ['idempotency_key_id'], unique=False)
        batch_op.create_index('ix_movements_warehouse_id_id', ['warehouse_id', 'id'], unique=False)

    op.create_table('postings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('is_virtual', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.String(length=8), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint("condition IN ('good', 'damaged')", name=op.f('ck_postings_condition')),
    sa.CheckConstraint('qty <> 0', name=op.f('ck_postings_nonzero')),
    sa.ForeignKeyConstraint(['location_id', 'warehouse_id', 'is_virtual'], ['locations.id', 'locations.warehouse_id', 'locations.is_virtual'], name=op.f('fk_postings_location_id_warehouse_id_is_virtual_locations')),
    sa.ForeignKeyConstraint(['movement_id'], ['movements.id'], name=op.f('fk_postings_movement_id_movements')),
    sa.ForeignKeyConstraint(['sku_id', 'owner_id'], ['skus.id', 'skus.seller_id'], name=op.f('fk_postings_sku_id_owner_id_skus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postings'))
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index('ix_postings_location_key', ['location_id', 'owner_id', 'sku_id', 'lot', 'condition'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_movement_id'), ['movement_id'], unique=False)
        batch_op.create_index('ix_postings_owner_id_movement_id', ['owner_id', 'movement_id'], unique=False)
        batch_op.create_index('ix_postings_sku_id_movement_id', ['sku_id', 'movement_id'], unique=False)
    _create_append_only_guards()


APPEND_ONLY = ("movements", "postings")


def _create_append_only_guards() -> None:
    """Invariant 1: the ledger's rows are never updated or deleted; a mistake
    is corrected by a new movement. `wms check` verifies these guards exist."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION wms_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger table % is append-only', TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION wms_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION wms_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only'); END"
                )


def _drop_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS wms_append_only()")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{event}")


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index('ix_postings_sku_id_movement_id')
        batch_op.drop_index('ix_postings_owner_id_movement_id')
        batch_op.drop_index(batch_op.f('ix_postings_movement_id'))
        batch_op.drop_index('ix_postings_location_key')

    op.drop_table('postings')
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.drop_index('ix_movements_warehouse_id_id')
        batch_op.drop_index(batch_op.f('ix_movements_idempotency_key_id'))
        batch_op.drop_index(batch_op.f('ix_movements_created_at'))

    op.drop_table('movements')
    op.drop_table('token_warehouses')
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_levels_owner_id_id')

    op.drop_table('stock_levels')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_warehouse_id_sku_id_status')

    op.drop_table('reservations')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('barcodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barcodes_sku_id'))
        batch_op.drop_index(batch_op.f('ix_barcodes_code'))

    op.drop_table('barcodes')
    with op.batch_alter_table('balances', schema=None) as batch_op:
        batch_op.drop_index('ix_balances_warehouse_id_sku_id')

    op.drop_table('balances')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_seller_id'))

    op.drop_table('tokens')
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skus_seller_id'))

    op.drop_table('skus')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_warehouse_id'))

    op.drop_table('locations')
    op.drop_table('layouts')
    op.drop_table('warehouses')
    op.drop_table('sellers')
    # ### end Alembic commands ###
