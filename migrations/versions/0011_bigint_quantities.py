"""quantities that accumulate are BIGINT (balances, stock levels, received totals)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00

On PostgreSQL the columns become BIGINT. On SQLite nothing changes: its
INTEGER already holds 64 bits (the models declare
BigInteger().with_variant(Integer, "sqlite")).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = {
    'balances': ['qty'],
    'stock_levels': ['sellable', 'reserved', 'receiving', 'unsellable', 'picked', 'in_transit', 'expected'],
    'asn_lines': ['received_qty', 'damaged_qty'],
    'count_lines': ['system_qty'],
    'listings': ['desired_qty'],
}


def _alter(type_) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=type_, existing_nullable=False)


def upgrade() -> None:
    _alter(sa.BigInteger())


def downgrade() -> None:
    _alter(sa.Integer())
