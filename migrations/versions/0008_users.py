"""users

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:37:00.096681
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
    sa.UniqueConstraint('key', name=op.f('uq_login_throttles_key'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('badge', sa.String(length=64), nullable=True),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'seller' OR seller_id IS NOT NULL", name=op.f('ck_users_seller_scope')),
    sa.CheckConstraint("role IN ('admin', 'operator', 'seller')", name=op.f('ck_users_role')),
    sa.CheckConstraint('password_hash IS NOT NULL OR (badge IS NOT NULL AND pin_hash IS NOT NULL)', name=op.f('ck_users_can_log_in')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_users_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('badge', name=op.f('uq_users_badge')),
    sa.UniqueConstraint('login', name=op.f('uq_users_login'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_seller_id'), ['seller_id'], unique=False)

    op.create_table('user_warehouses',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_warehouses_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_user_warehouses_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('user_id', 'warehouse_id', name=op.f('pk_user_warehouses'))
    )
    with op.batch_alter_table('counts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_counts_approved_by_user_id_users'), 'users', ['approved_by_user_id'], ['id'])

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('token_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_keys_user_id_key'), ['user_id', 'key'])
        batch_op.create_check_constraint(op.f('ck_idempotency_keys_one_owner'),
                                         '(token_id IS NULL) <> (user_id IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_idempotency_keys_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE')

    op.create_table('movement_users',
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['movement_id'], ['movements.id'], name=op.f('fk_movement_users_movement_id_movements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_movement_users_user_id_users')),
    sa.PrimaryKeyConstraint('movement_id', name=op.f('pk_movement_users'))
    )
    with op.batch_alter_table('movement_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movement_users_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_order_events_actor_user_id_users'), 'users', ['actor_user_id'], ['id'])

    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_receipts_actor_user_id_users'), 'users', ['actor_user_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_receipts_actor_user_id_users'), type_='foreignkey')
        batch_op.drop_column('actor_user_id')

    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_events_actor_user_id_users'), type_='foreignkey')
        batch_op.drop_column('actor_user_id')

    op.drop_table('movement_users')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_idempotency_keys_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_user_id_key'), type_='unique')
        batch_op.drop_constraint(op.f('ck_idempotency_keys_one_owner'), type_='check')
        batch_op.alter_column('token_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('user_id')

    with op.batch_alter_table('counts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_counts_approved_by_user_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_by_user_id')

    op.drop_table('user_warehouses')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_seller_id'))

    op.drop_table('users')
    op.drop_table('login_throttles')
