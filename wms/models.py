"""Imports every model so that Base.metadata knows all tables (Alembic, checks)."""
