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
    n int := cardinality(p_locations);
    v_movement_id bigint;
    v_missing_location bigint;
    v_missing_sku bigint;
    v_postings jsonb;
    -- per line: its location's warehouse, virtual flag, kind and code, its SKU's owner
    v_wh bigint[];
    v_virtual boolean[];
    v_kind text[];
    v_code text[];
    v_owner bigint[];
    -- per consumed reservation: warehouse, SKU, owner, units
    v_res_wh bigint[] := '{}';
    v_res_sku bigint[] := '{}';
    v_res_owner bigint[] := '{}';
    v_res_qty bigint[] := '{}';
    v_decreases text[];
    i int;
    r record;
    q record;
BEGIN
    -- The lines arrive netted, in canonical key order (location, SKU, lot, condition).
    SELECT array_agg(l.warehouse_id ORDER BY u.ord), array_agg(l.is_virtual ORDER BY u.ord),
           array_agg(l.kind ORDER BY u.ord), array_agg(l.code ORDER BY u.ord), array_agg(s.seller_id ORDER BY u.ord),
           min(u.loc) FILTER (WHERE l.id IS NULL), min(u.sku) FILTER (WHERE s.id IS NULL)
      INTO v_wh, v_virtual, v_kind, v_code, v_owner, v_missing_location, v_missing_sku
      FROM unnest(p_locations, p_skus) WITH ORDINALITY AS u(loc, sku, ord)
      LEFT JOIN locations l ON l.id = u.loc
      LEFT JOIN skus s ON s.id = u.sku;
    IF v_missing_location IS NOT NULL THEN
        RAISE EXCEPTION 'location % not found', v_missing_location USING ERRCODE = 'QW002';
    END IF;
    IF v_missing_sku IS NOT NULL THEN
        RAISE EXCEPTION 'SKU % not found', v_missing_sku USING ERRCODE = 'QW002';
    END IF;

    INSERT INTO movements (warehouse_id, kind, reference, reason, note, actor_token_id, idempotency_key_id,
                           created_at)
    VALUES (p_warehouse_id, p_kind, p_reference, p_reason, p_note, p_actor_token_id, p_idempotency_key_id,
            p_created_at)
    RETURNING id INTO v_movement_id;

    WITH inserted AS (
        INSERT INTO postings (movement_id, warehouse_id, location_id, is_virtual, owner_id, sku_id, lot, condition,
                              qty)
        SELECT v_movement_id, u.wh, u.loc, u.virt, u.owner, u.sku, u.lot, u.cond, u.qty
          FROM unnest(v_wh, p_locations, v_virtual, v_owner, p_skus, p_lots, p_conditions, p_qtys)
               WITH ORDINALITY AS u(wh, loc, virt, owner, sku, lot, cond, qty, ord)
         ORDER BY u.ord
        RETURNING id, location_id, sku_id, lot, condition
    )
    SELECT jsonb_agg(jsonb_build_array(id, location_id, sku_id, lot, condition)) INTO v_postings FROM inserted;

    FOR i IN 1 .. n LOOP
        IF p_qtys[i] < 0 AND NOT v_virtual[i] THEN
            -- Guarded: take only what is there; no row means it is not.
            UPDATE balances SET qty = qty + p_qtys[i]
             WHERE location_id = p_locations[i] AND owner_id = v_owner[i] AND sku_id = p_skus[i]
               AND lot = p_lots[i] AND condition = p_conditions[i] AND qty + p_qtys[i] >= 0;
            IF NOT FOUND THEN
                RAISE EXCEPTION '%', 'location ' || v_code[i] || ' holds less than ' || (-p_qtys[i]) || ' of SKU '
                    || p_skus[i]
                    || CASE WHEN p_lots[i] <> '' THEN ' lot ' || p_lots[i] ELSE '' END
                    || CASE WHEN p_conditions[i] <> 'good' THEN ' (' || p_conditions[i] || ')' ELSE '' END
                    USING ERRCODE = 'QW001';
            END IF;
        ELSE
            INSERT INTO balances (warehouse_id, location_id, is_virtual, owner_id, sku_id, lot, condition, qty)
            VALUES (v_wh[i], p_locations[i], v_virtual[i], v_owner[i], p_skus[i], p_lots[i], p_conditions[i],
                    p_qtys[i])
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
        v_res_wh := v_res_wh || q.warehouse_id::bigint;
        v_res_sku := v_res_sku || q.sku_id::bigint;
        v_res_owner := v_res_owner || q.owner_id::bigint;
        v_res_qty := v_res_qty || r.qty;
    END LOOP;

    -- Stock levels per (warehouse, SKU), in that order.
    FOR r IN
        SELECT c.wh, c.sku, min(c.owner) AS owner,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'sellable'), 0) AS sellable,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'reserved'), 0) AS reserved,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'receiving'), 0) AS receiving,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'unsellable'), 0) AS unsellable,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'picked'), 0) AS picked,
               coalesce(sum(c.qty) FILTER (WHERE c.bucket = 'in_transit'), 0) AS in_transit
          FROM (SELECT u.wh, u.sku, u.owner, wms_bucket(u.kind, u.cond) AS bucket, u.qty
                  FROM unnest(v_wh, p_skus, v_owner, v_kind, p_conditions, p_qtys) AS u(wh, sku, owner, kind, cond, qty)
                UNION ALL
                SELECT u.wh, u.sku, u.owner, 'reserved', -u.qty
                  FROM unnest(v_res_wh, v_res_sku, v_res_owner, v_res_qty) AS u(wh, sku, owner, qty)) AS c
         WHERE c.bucket IS NOT NULL
         GROUP BY c.wh, c.sku
         ORDER BY c.wh, c.sku
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

    RETURN jsonb_build_object(
        'movement_id', v_movement_id, 'postings', v_postings, 'warehouses', to_jsonb(v_wh),
        'virtual', to_jsonb(v_virtual), 'kinds', to_jsonb(v_kind), 'codes', to_jsonb(v_code),
        'owners', to_jsonb(v_owner),
        'reserved', jsonb_build_object('warehouses', to_jsonb(v_res_wh), 'skus', to_jsonb(v_res_sku),
                                       'qtys', to_jsonb(v_res_qty)));
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
