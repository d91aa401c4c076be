"""wms_post_movement(): a ledger movement in one round trip on PostgreSQL

The function does what wms.ledger.services.post_movement does statement by
statement on SQLite, with the same guards, lock order and errors: look up
the locations and the SKUs' owners, insert the movement and its postings,
take (guarded) or add each balance in the canonical key order the lines
arrive in, consume reservations in id order, then take (guarded) or add
each stock level in (warehouse, SKU) order. A failed guard raises with
SQLSTATE QW001 (insufficient stock), QW002 (not found) or QW003 (invalid
state) and the same message; the caller maps it to its DomainError.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Which warehouse-level bucket stock in a location of this kind and condition
# counts in (wms.ledger.rules.bucket_for; a test checks they agree).
BUCKET_SQL = """
    CASE WHEN kind IN ('inbound', 'customer', 'adjustment') THEN NULL
         WHEN kind = 'in_transit' THEN 'in_transit'
         WHEN condition <> 'good' OR kind = 'quarantine' THEN 'unsellable'
         WHEN kind = 'storage' THEN 'sellable'
         WHEN kind = 'dock' THEN 'receiving'
         ELSE 'picked' END
"""

FUNCTION = r"""
CREATE OR REPLACE FUNCTION wms_bucket(kind text, condition text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT """ + BUCKET_SQL + r""" $$;

CREATE OR REPLACE FUNCTION wms_post_movement(
    p_warehouse_id bigint, p_kind text, p_reference text, p_reason text, p_note text,
    p_actor_token_id bigint, p_idempotency_key_id bigint, p_created_at timestamptz,
    p_locations bigint[], p_skus bigint[], p_lots text[], p_conditions text[], p_qtys bigint[],
    p_reservations bigint[], p_reserved_qtys bigint[]
) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
    v_movement_id bigint;
    v_missing bigint;
    v_postings jsonb;
    v_locations jsonb;
    v_owners jsonb;
    v_reserved jsonb := '[]'::jsonb;
    v_decreases text[];
    r record;
    q record;
BEGIN
    -- The lines arrive netted, in canonical key order (location, SKU, lot, condition).
    SELECT min(u.loc) INTO v_missing FROM unnest(p_locations) AS u(loc)
     WHERE NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = u.loc);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'location % not found', v_missing USING ERRCODE = 'QW002';
    END IF;
    SELECT min(u.sku) INTO v_missing FROM unnest(p_skus) AS u(sku)
     WHERE NOT EXISTS (SELECT 1 FROM skus s WHERE s.id = u.sku);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'SKU % not found', v_missing USING ERRCODE = 'QW002';
    END IF;

    INSERT INTO movements (warehouse_id, kind, reference, reason, note, actor_token_id, idempotency_key_id,
                           created_at)
    VALUES (p_warehouse_id, p_kind, p_reference, p_reason, p_note, p_actor_token_id, p_idempotency_key_id,
            p_created_at)
    RETURNING id INTO v_movement_id;

    WITH inserted AS (
        INSERT INTO postings (movement_id, warehouse_id, location_id, is_virtual, owner_id, sku_id, lot, condition,
                              qty)
        SELECT v_movement_id, l.warehouse_id, u.loc, l.is_virtual, s.seller_id, u.sku, u.lot, u.cond, u.qty
          FROM unnest(p_locations, p_skus, p_lots, p_conditions, p_qtys) WITH ORDINALITY AS u(loc, sku, lot, cond, qty, ord)
          JOIN locations l ON l.id = u.loc
          JOIN skus s ON s.id = u.sku
         ORDER BY u.ord
        RETURNING id, location_id, sku_id, lot, condition
    )
    SELECT jsonb_agg(jsonb_build_array(id, location_id, sku_id, lot, condition) ORDER BY id) INTO v_postings
      FROM inserted;

    FOR r IN
        SELECT u.loc, u.sku, u.lot, u.cond, u.qty, l.warehouse_id AS wh, l.is_virtual, l.kind, l.code,
               s.seller_id AS owner
          FROM unnest(p_locations, p_skus, p_lots, p_conditions, p_qtys) WITH ORDINALITY AS u(loc, sku, lot, cond, qty, ord)
          JOIN locations l ON l.id = u.loc
          JOIN skus s ON s.id = u.sku
         ORDER BY u.ord
    LOOP
        IF r.qty < 0 AND NOT r.is_virtual THEN
            -- Guarded: take only what is there; no row means it is not.
            UPDATE balances SET qty = qty + r.qty
             WHERE location_id = r.loc AND owner_id = r.owner AND sku_id = r.sku AND lot = r.lot
               AND condition = r.cond AND qty + r.qty >= 0;
            IF NOT FOUND THEN
                RAISE EXCEPTION '%', 'location ' || r.code || ' holds less than ' || (-r.qty) || ' of SKU ' || r.sku
                    || CASE WHEN r.lot <> '' THEN ' lot ' || r.lot ELSE '' END
                    || CASE WHEN r.cond <> 'good' THEN ' (' || r.cond || ')' ELSE '' END
                    USING ERRCODE = 'QW001';
            END IF;
        ELSE
            INSERT INTO balances (warehouse_id, location_id, is_virtual, owner_id, sku_id, lot, condition, qty)
            VALUES (r.wh, r.loc, r.is_virtual, r.owner, r.sku, r.lot, r.cond, r.qty)
            ON CONFLICT (location_id, owner_id, sku_id, lot, condition)
            DO UPDATE SET qty = balances.qty + excluded.qty;
        END IF;
    END LOOP;

    -- Reservations the movement fulfils, in id order: reserved units leave with the sellable ones.
    FOR r IN
        SELECT u.id, u.qty FROM unnest(p_reservations, p_reserved_qtys) AS u(id, qty) ORDER BY u.id, u.qty
    LOOP
        UPDATE reservations SET consumed_qty = consumed_qty + r.qty
         WHERE id = r.id AND status = 'open' AND consumed_qty + released_qty + r.qty <= qty
        RETURNING warehouse_id, sku_id, owner_id, qty, consumed_qty, released_qty INTO q;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'reservation % does not hold % more units', r.id, r.qty USING ERRCODE = 'QW003';
        END IF;
        IF q.consumed_qty + q.released_qty = q.qty THEN
            UPDATE reservations SET status = 'consumed', closed_at = p_created_at WHERE id = r.id;
        END IF;
        v_reserved := v_reserved || jsonb_build_array(jsonb_build_array(q.warehouse_id, q.sku_id, q.owner_id, r.qty));
    END LOOP;

    -- Stock levels per (warehouse, SKU), in that order.
    FOR r IN
        WITH changes AS (
            SELECT l.warehouse_id AS wh, u.sku, s.seller_id AS owner, wms_bucket(l.kind, u.cond) AS bucket, u.qty
              FROM unnest(p_locations, p_skus, p_conditions, p_qtys) AS u(loc, sku, cond, qty)
              JOIN locations l ON l.id = u.loc
              JOIN skus s ON s.id = u.sku
            UNION ALL
            SELECT (e->>0)::bigint, (e->>1)::bigint, (e->>2)::bigint, 'reserved', -(e->>3)::bigint
              FROM jsonb_array_elements(v_reserved) AS e
        )
        SELECT wh, sku, min(owner) AS owner,
               coalesce(sum(qty) FILTER (WHERE bucket = 'sellable'), 0) AS sellable,
               coalesce(sum(qty) FILTER (WHERE bucket = 'reserved'), 0) AS reserved,
               coalesce(sum(qty) FILTER (WHERE bucket = 'receiving'), 0) AS receiving,
               coalesce(sum(qty) FILTER (WHERE bucket = 'unsellable'), 0) AS unsellable,
               coalesce(sum(qty) FILTER (WHERE bucket = 'picked'), 0) AS picked,
               coalesce(sum(qty) FILTER (WHERE bucket = 'in_transit'), 0) AS in_transit
          FROM changes WHERE bucket IS NOT NULL
         GROUP BY wh, sku
         ORDER BY wh, sku
    LOOP
        CONTINUE WHEN r.sellable = 0 AND r.reserved = 0 AND r.receiving = 0 AND r.unsellable = 0
                      AND r.picked = 0 AND r.in_transit = 0;
        IF r.sellable < 0 OR r.reserved < 0 OR r.receiving < 0 OR r.unsellable < 0 OR r.picked < 0
           OR r.in_transit < 0 THEN
            -- Guarded: no bucket below zero, and stock promised to orders cannot be
            -- taken by anything else (a pick takes its own reserved units with it).
            UPDATE stock_levels
               SET sellable = sellable + r.sellable, reserved = reserved + r.reserved,
                   receiving = receiving + r.receiving, unsellable = unsellable + r.unsellable,
                   picked = picked + r.picked, in_transit = in_transit + r.in_transit
             WHERE warehouse_id = r.wh AND sku_id = r.sku
               AND (r.sellable >= 0 OR (sellable + r.sellable >= 0
                                        AND sellable + r.sellable >= reserved + r.reserved))
               AND (r.reserved >= 0 OR reserved + r.reserved >= 0)
               AND (r.receiving >= 0 OR receiving + r.receiving >= 0)
               AND (r.unsellable >= 0 OR unsellable + r.unsellable >= 0)
               AND (r.picked >= 0 OR picked + r.picked >= 0)
               AND (r.in_transit >= 0 OR in_transit + r.in_transit >= 0);
            IF NOT FOUND THEN
                v_decreases := array_remove(ARRAY[
                    CASE WHEN r.sellable < 0 THEN 'sellable' END, CASE WHEN r.reserved < 0 THEN 'reserved' END,
                    CASE WHEN r.receiving < 0 THEN 'receiving' END,
                    CASE WHEN r.unsellable < 0 THEN 'unsellable' END, CASE WHEN r.picked < 0 THEN 'picked' END,
                    CASE WHEN r.in_transit < 0 THEN 'in_transit' END], NULL);
                RAISE EXCEPTION 'SKU % has too little unreserved % stock', r.sku, array_to_string(v_decreases, ', ')
                    USING ERRCODE = 'QW001';
            END IF;
        ELSE
            INSERT INTO stock_levels (warehouse_id, owner_id, sku_id, sellable, reserved, receiving, unsellable,
                                      picked, in_transit, expected)
            VALUES (r.wh, r.owner, r.sku, r.sellable, r.reserved, r.receiving, r.unsellable, r.picked,
                    r.in_transit, 0)
            ON CONFLICT (warehouse_id, sku_id) DO UPDATE
               SET sellable = stock_levels.sellable + excluded.sellable,
                   reserved = stock_levels.reserved + excluded.reserved,
                   receiving = stock_levels.receiving + excluded.receiving,
                   unsellable = stock_levels.unsellable + excluded.unsellable,
                   picked = stock_levels.picked + excluded.picked,
                   in_transit = stock_levels.in_transit + excluded.in_transit;
        END IF;
    END LOOP;

    SELECT jsonb_object_agg(l.id, jsonb_build_array(l.warehouse_id, l.is_virtual, l.kind, l.code))
      INTO v_locations FROM locations l WHERE l.id = ANY (p_locations);
    SELECT jsonb_object_agg(s.id, s.seller_id) INTO v_owners FROM skus s WHERE s.id = ANY (p_skus);
    RETURN jsonb_build_object('movement_id', v_movement_id, 'postings', v_postings, 'locations', v_locations,
                              'owners', v_owners, 'reserved', v_reserved);
END
$fn$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS wms_post_movement(bigint, text, text, text, text, bigint, bigint, timestamptz, "
            "bigint[], bigint[], text[], text[], bigint[], bigint[], bigint[])"
        )
        op.execute("DROP FUNCTION IF EXISTS wms_bucket(text, text)")
