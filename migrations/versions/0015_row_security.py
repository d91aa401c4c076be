"""row-level security on the tables that carry an owner (PostgreSQL only)

A second wall behind the services' scoped queries (wms/row_security.py):
the role quayside_scoped, that requests of sellers, channels and operators
switch to per transaction, sees only the rows of its seller (app.seller_id)
or of its warehouses (app.warehouse_ids). Every other role is unaffected
(the policy "unscoped"). On SQLite this migration does nothing.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ROLE = "quayside_scoped"
SCOPE = "current_setting('app.scope', true)"
SELLER = "NULLIF(current_setting('app.seller_id', true), '')::bigint"
WAREHOUSES = "string_to_array(NULLIF(current_setting('app.warehouse_ids', true), ''), ',')::bigint[]"

# table: the column naming its seller
SELLER_TABLES = {
    "sellers": "id", "skus": "seller_id", "barcodes": "seller_id", "asns": "seller_id", "asn_lines": "seller_id",
    "orders": "seller_id", "order_lines": "owner_id", "channels": "seller_id", "listings": "seller_id",
    "stock_levels": "owner_id", "balances": "owner_id", "postings": "owner_id", "reservations": "owner_id",
    "tasks": "owner_id", "count_lines": "owner_id", "transfer_lines": "owner_id",
    "slotting_seller_rules": "seller_id", "tokens": "seller_id", "users": "seller_id",
}
# table: when an operator's row of it is in one of its warehouses
WAREHOUSE_TABLES = {
    "asns": "warehouse_id = ANY({w})",
    # An order waiting for stock has no warehouse yet; once it has one, only that warehouse's operators see it.
    "orders": "warehouse_id IS NULL OR warehouse_id = ANY({w})",
    "stock_levels": "warehouse_id = ANY({w})", "balances": "warehouse_id = ANY({w})",
    "postings": "warehouse_id = ANY({w})", "movements": "warehouse_id = ANY({w})",
    "reservations": "warehouse_id = ANY({w})", "tasks": "warehouse_id = ANY({w})",
    "counts": "warehouse_id = ANY({w})", "waves": "warehouse_id = ANY({w})", "pick_lists": "warehouse_id = ANY({w})",
    "slotting_plans": "warehouse_id = ANY({w})",
    "transfers": "from_warehouse_id = ANY({w}) OR to_warehouse_id = ANY({w})",
}
# A transfer has no seller of its own: a seller sees one whose every line is
# its own (wms.inventory.transfers). The lines are read past the wall, or a
# seller who cannot see the foreign lines would find "no foreign line".
TRANSFER_FOR_SELLER = """
CREATE OR REPLACE FUNCTION wms_transfer_is_sellers(p_transfer_id bigint, p_seller_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM transfer_lines
                        WHERE transfer_id = p_transfer_id AND owner_id IS DISTINCT FROM p_seller_id)
$$"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    # The role is the cluster's (several databases may share it): create it once.
    op.execute(f"""
        DO $$ BEGIN
            CREATE ROLE {ROLE} NOLOGIN NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""")
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ROLE}")
    # The ledger's posting function is the ledger's own: the service checked the
    # caller, and a transfer posts into the other warehouse's transit location.
    op.execute("""
        DO $$ DECLARE f regprocedure;
        BEGIN
            FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname = 'wms_post_movement' LOOP
                EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = public, pg_temp', f);
            END LOOP;
        END $$""")
    op.execute(TRANSFER_FOR_SELLER)
    op.execute(f"CREATE POLICY seller_wall ON transfers AS RESTRICTIVE TO {ROLE} "
               f"USING ({SCOPE} <> 'seller' OR wms_transfer_is_sellers(id, {SELLER})) "
               f"WITH CHECK (true)")
    for table in sorted(set(SELLER_TABLES) | set(WAREHOUSE_TABLES)):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        # Every role but the scoped one sees every row, as before.
        op.execute(f"CREATE POLICY unscoped ON {table} TO PUBLIC USING (current_user <> '{ROLE}') "
                   f"WITH CHECK (current_user <> '{ROLE}')")
        # The scoped role sees rows only with a scope set...
        op.execute(f"CREATE POLICY scoped ON {table} TO {ROLE} USING ({SCOPE} IN ('seller', 'operator')) "
                   f"WITH CHECK ({SCOPE} IN ('seller', 'operator'))")
        # ...and only its seller's, or its warehouses' (restrictive: AND-ed).
        if table in SELLER_TABLES:
            check = f"{SCOPE} <> 'seller' OR {SELLER_TABLES[table]} = {SELLER}"
            op.execute(f"CREATE POLICY seller_wall ON {table} AS RESTRICTIVE TO {ROLE} USING ({check}) "
                       f"WITH CHECK ({check})")
        if table in WAREHOUSE_TABLES:
            check = f"{SCOPE} <> 'operator' OR {WAREHOUSE_TABLES[table].format(w=WAREHOUSES)}"
            op.execute(f"CREATE POLICY warehouse_wall ON {table} AS RESTRICTIVE TO {ROLE} USING ({check}) "
                       f"WITH CHECK ({check})")


def downgrade() -> None:
    if not _postgres():
        return
    op.execute("DROP POLICY IF EXISTS seller_wall ON transfers")
    op.execute("DROP FUNCTION IF EXISTS wms_transfer_is_sellers(bigint, bigint)")
    op.execute("""
        DO $$ DECLARE f regprocedure;
        BEGIN
            FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname = 'wms_post_movement' LOOP
                EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER RESET search_path', f);
            END LOOP;
        END $$""")
    for table in sorted(set(SELLER_TABLES) | set(WAREHOUSE_TABLES)):
        for policy in ("unscoped", "scoped", "seller_wall", "warehouse_wall"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
