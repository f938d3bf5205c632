-- Reservations that touch only the rows they need.
--
-- The planner gives `jsonb_to_recordset` a fixed estimate of 100 rows, so every join of
-- the wanted lines against `items` in V2 became a hash join over a sequential scan of the
-- whole table: eight scans of every item per reservation. Here each query finds its items
-- through `sku = ANY (...)` / `id = ANY (...)` on the unique indexes first, so a
-- reservation costs a few index probes whatever the size of the catalogue. Behaviour,
-- locking order and refusals are unchanged.
--
-- The trigram index on `sku` also answers `sku = ...`, and the planner took it over the
-- unique B-tree for those lookups at several milliseconds each. The search index is now on
-- `lower(sku)`, which is what the list's case-insensitive filter queries
-- (`lower(sku) LIKE lower(pattern)`; SKUs are ASCII), so equality goes to the B-tree.
DROP INDEX items_sku_trgm_idx;
CREATE INDEX items_sku_lower_trgm_idx ON items USING gin (lower(sku) gin_trgm_ops);

-- The SKUs of [{sku, ...}].
CREATE FUNCTION reservation_wanted_skus(p_wanted JSONB) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY(SELECT w.sku FROM jsonb_to_recordset(p_wanted) AS w(sku TEXT))
$$;

-- The item ids an order holds.
CREATE FUNCTION reservation_held_ids(p_order_id TEXT) RETURNS BIGINT[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT l.item_id FROM reservation_lines l WHERE l.order_id = p_order_id)
$$;

CREATE OR REPLACE FUNCTION reservation_changes(p_order_id TEXT, p_wanted JSONB)
RETURNS TABLE (item_id BIGINT, sku TEXT, wanted BIGINT, held BIGINT, qty BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT i.id, i.sku, COALESCE(w.quantity, 0), COALESCE(l.quantity, 0), i.qty
      FROM items i
      LEFT JOIN jsonb_to_recordset(p_wanted) AS w(sku TEXT, quantity BIGINT) ON w.sku = i.sku
      LEFT JOIN reservation_lines l ON l.order_id = p_order_id AND l.item_id = i.id
     WHERE i.sku = ANY (reservation_wanted_skus(p_wanted))
        OR i.id = ANY (reservation_held_ids(p_order_id))
$$;

-- Makes the stock held by `p_order_id` exactly `p_wanted` ([{sku, quantity}], distinct
-- SKUs, quantities > 0), taking or giving back only the differences. The caller holds the
-- reservation row. Returns NULL when applied, or the refusal, decided before anything is
-- written (so, unlike V2's raise-and-catch, no subtransaction is needed):
--   {"outcome": "unknown_sku", "skus": [...]}
--   {"outcome": "insufficient_stock", "shortages": [{sku, requested, available}]}
-- where `available` counts what the order already holds of that SKU.
--
-- Generic plans: every query here finds its rows through the indexes whatever the
-- parameters, so planning once per connection instead of on every call saves more than
-- half of the function's time.
CREATE FUNCTION reservation_set(p_order_id TEXT, p_wanted JSONB) RETURNS JSONB
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_skus      TEXT[] := reservation_wanted_skus(p_wanted);
    v_unknown   JSONB;
    v_shortages JSONB;
    v_change    RECORD;
BEGIN
    PERFORM 1
       FROM items
      WHERE sku = ANY (v_skus) OR id = ANY (reservation_held_ids(p_order_id))
      ORDER BY sku COLLATE "C"
        FOR UPDATE;
    -- From here on every item involved is locked: its quantity cannot move underneath us.

    SELECT jsonb_agg(s ORDER BY s COLLATE "C")
      INTO v_unknown
      FROM unnest(v_skus) AS s
     WHERE s <> ALL (ARRAY(SELECT i.sku FROM items i WHERE i.sku = ANY (v_skus)));
    IF v_unknown IS NOT NULL THEN
        RETURN jsonb_build_object('outcome', 'unknown_sku', 'skus', v_unknown);
    END IF;

    SELECT jsonb_agg(jsonb_build_object('sku', c.sku, 'requested', c.wanted,
                                        'available', c.qty + c.held)
                     ORDER BY c.sku COLLATE "C")
      INTO v_shortages
      FROM reservation_changes(p_order_id, p_wanted) c
     WHERE c.wanted - c.held > c.qty;
    IF v_shortages IS NOT NULL THEN
        RETURN jsonb_build_object('outcome', 'insufficient_stock', 'shortages', v_shortages);
    END IF;

    -- One indexed update per changed item. Conditional on enough stock although that was
    -- just checked, so that both this condition and CHECK (qty >= 0) would have to fail
    -- for stock to go negative; the raise aborts the whole statement.
    FOR v_change IN
        SELECT * FROM reservation_changes(p_order_id, p_wanted) c WHERE c.wanted <> c.held
    LOOP
        UPDATE items
           SET qty = qty - (v_change.wanted - v_change.held), updated_at = now()
         WHERE id = v_change.item_id AND qty >= v_change.wanted - v_change.held;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stock of order % changed while it was being reserved', p_order_id;
        END IF;
    END LOOP;

    DELETE FROM reservation_lines WHERE order_id = p_order_id;
    INSERT INTO reservation_lines (order_id, item_id, quantity)
    SELECT p_order_id, i.id, w.quantity
      FROM items i
      JOIN jsonb_to_recordset(p_wanted) AS w(sku TEXT, quantity BIGINT) ON w.sku = i.sku
     WHERE i.sku = ANY (v_skus);
    RETURN NULL;
END
$$;

-- The entry points keep V2's signatures and results (see V2 for what each one does).
CREATE OR REPLACE FUNCTION reserve_stock(p_order_id TEXT, p_items JSONB) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_refusal JSONB;
BEGIN
    INSERT INTO reservations (order_id) VALUES (p_order_id) ON CONFLICT (order_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'existing', 'items', reservation_items(p_order_id));
    END IF;
    v_refusal := reservation_set(p_order_id, p_items);
    IF v_refusal IS NOT NULL THEN
        -- Nothing was taken; the reservation row goes too, so a later call can try again.
        DELETE FROM reservations WHERE order_id = p_order_id;
        RETURN v_refusal;
    END IF;
    RETURN jsonb_build_object('outcome', 'created', 'items', reservation_items(p_order_id));
END
$$;

CREATE OR REPLACE FUNCTION adjust_reservation(p_order_id TEXT, p_items JSONB) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_refusal JSONB;
BEGIN
    PERFORM 1 FROM reservations WHERE order_id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'not_held');
    END IF;
    v_refusal := reservation_set(p_order_id, p_items);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    UPDATE reservations SET updated_at = now() WHERE order_id = p_order_id;
    RETURN jsonb_build_object('outcome', 'adjusted', 'items', reservation_items(p_order_id));
END
$$;

CREATE OR REPLACE FUNCTION release_reservation(p_order_id TEXT) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_items JSONB;
BEGIN
    PERFORM 1 FROM reservations WHERE order_id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'not_held');
    END IF;
    v_items := reservation_items(p_order_id);
    -- Giving everything back cannot be refused.
    PERFORM reservation_set(p_order_id, '[]'::jsonb);
    DELETE FROM reservations WHERE order_id = p_order_id;
    RETURN jsonb_build_object('outcome', 'released', 'items', v_items);
END
$$;

DROP FUNCTION reservation_try_apply(TEXT, JSONB);
DROP FUNCTION reservation_apply(TEXT, JSONB);
