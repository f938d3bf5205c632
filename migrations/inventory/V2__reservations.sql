-- Stock held for orders.
--
-- Spin's PostgreSQL API has no transaction handle and the host pools connections, so each
-- reservation operation is one call of a function below: a function runs inside the
-- single statement that calls it, and so is all or nothing.
--
-- Deadlocks are avoided by taking locks in one order everywhere: the reservation row
-- first, then the item rows sorted by SKU in byte order (COLLATE "C"; the CSV import
-- upserts in the same order).

CREATE TABLE reservations (
    order_id   TEXT PRIMARY KEY
               CONSTRAINT reservations_order_id_format CHECK (order_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- What each order holds. Referencing items by id keeps a reservation valid when a SKU is
-- renamed, and the default ON DELETE NO ACTION refuses to delete an item that holds stock.
CREATE TABLE reservation_lines (
    order_id TEXT NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
    item_id  BIGINT NOT NULL REFERENCES items (id),
    quantity BIGINT NOT NULL CONSTRAINT reservation_lines_quantity_positive CHECK (quantity > 0),
    PRIMARY KEY (order_id, item_id)
);
-- Deleting an item looks up the lines that reference it.
CREATE INDEX reservation_lines_item_id_idx ON reservation_lines (item_id);

-- The items an order holds, as [{sku, quantity}] sorted by SKU.
CREATE FUNCTION reservation_items(p_order_id TEXT) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        jsonb_agg(jsonb_build_object('sku', i.sku, 'quantity', l.quantity) ORDER BY i.sku COLLATE "C"),
        '[]'::jsonb)
      FROM reservation_lines l
      JOIN items i ON i.id = l.item_id
     WHERE l.order_id = p_order_id
$$;

-- Per item the order wants or holds: what it wants now, what it holds, and the stock left.
CREATE FUNCTION reservation_changes(p_order_id TEXT, p_wanted JSONB)
RETURNS TABLE (item_id BIGINT, sku TEXT, wanted BIGINT, held BIGINT, qty BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT i.id, i.sku, COALESCE(w.quantity, 0), COALESCE(l.quantity, 0), i.qty
      FROM (SELECT i.id AS item_id, w.quantity
              FROM jsonb_to_recordset(p_wanted) AS w(sku TEXT, quantity BIGINT)
              JOIN items i ON i.sku = w.sku) w
      FULL JOIN (SELECT l.item_id, l.quantity
                   FROM reservation_lines l
                  WHERE l.order_id = p_order_id) l USING (item_id)
      JOIN items i ON i.id = item_id
$$;

-- Makes the stock held by `p_order_id` exactly `p_wanted` ([{sku, quantity}], distinct
-- SKUs, quantities > 0), taking or giving back only the differences. The caller holds the
-- reservation row. A refusal is raised, which undoes everything this call did:
--   'unknown_sku'        DETAIL {"skus": [...]}
--   'insufficient_stock' DETAIL {"shortages": [{sku, requested, available}]}
-- where `available` counts what the order already holds of that SKU.
CREATE FUNCTION reservation_apply(p_order_id TEXT, p_wanted JSONB) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    v_unknown   JSONB;
    v_shortages JSONB;
    v_changes   BIGINT;
    v_applied   BIGINT;
BEGIN
    PERFORM 1
       FROM items
      WHERE sku IN (SELECT w.sku FROM jsonb_to_recordset(p_wanted) AS w(sku TEXT))
         OR id IN (SELECT l.item_id FROM reservation_lines l WHERE l.order_id = p_order_id)
      ORDER BY sku COLLATE "C"
        FOR UPDATE;
    -- From here on every item involved is locked: its quantity cannot move underneath us.

    SELECT jsonb_agg(w.sku ORDER BY w.sku COLLATE "C")
      INTO v_unknown
      FROM jsonb_to_recordset(p_wanted) AS w(sku TEXT)
     WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.sku = w.sku);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown_sku' USING DETAIL = jsonb_build_object('skus', v_unknown);
    END IF;

    SELECT jsonb_agg(jsonb_build_object('sku', c.sku, 'requested', c.wanted,
                                        'available', c.qty + c.held)
                     ORDER BY c.sku COLLATE "C")
      INTO v_shortages
      FROM reservation_changes(p_order_id, p_wanted) c
     WHERE c.wanted - c.held > c.qty;
    IF v_shortages IS NOT NULL THEN
        RAISE EXCEPTION 'insufficient_stock'
            USING DETAIL = jsonb_build_object('shortages', v_shortages);
    END IF;

    -- Conditional on enough stock although that was just checked, so that both this
    -- condition and CHECK (qty >= 0) would have to fail for stock to go negative.
    WITH changes AS (
        SELECT * FROM reservation_changes(p_order_id, p_wanted) c WHERE c.wanted <> c.held
    ), updated AS (
        UPDATE items i
           SET qty = i.qty - (c.wanted - c.held), updated_at = now()
          FROM changes c
         WHERE i.id = c.item_id AND i.qty >= c.wanted - c.held
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM updated)
      INTO v_changes, v_applied;
    IF v_applied <> v_changes THEN
        RAISE EXCEPTION 'stock of order % changed while it was being reserved', p_order_id;
    END IF;

    DELETE FROM reservation_lines WHERE order_id = p_order_id;
    INSERT INTO reservation_lines (order_id, item_id, quantity)
    SELECT p_order_id, i.id, w.quantity
      FROM jsonb_to_recordset(p_wanted) AS w(sku TEXT, quantity BIGINT)
      JOIN items i ON i.sku = w.sku;
END
$$;

-- Runs `reservation_apply`, turning its refusals into results:
-- {"outcome": "unknown_sku", "skus": [...]} or {"outcome": "insufficient_stock", ...}.
-- The EXCEPTION clause makes the block a subtransaction, so a refusal leaves nothing.
-- Returns NULL when the change was applied.
CREATE FUNCTION reservation_try_apply(p_order_id TEXT, p_wanted JSONB) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_message TEXT;
    v_detail  TEXT;
BEGIN
    PERFORM reservation_apply(p_order_id, p_wanted);
    RETURN NULL;
EXCEPTION WHEN raise_exception THEN
    GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
    IF v_message NOT IN ('unknown_sku', 'insufficient_stock') THEN
        RAISE;
    END IF;
    RETURN jsonb_build_object('outcome', v_message) || v_detail::jsonb;
END
$$;

-- POST /inventory/reservations: takes `p_items` for a new order. An order that already
-- holds a reservation gets it back unchanged ("existing"), so a retry never takes twice;
-- a concurrent second call for the same order waits on the first one's row.
CREATE FUNCTION reserve_stock(p_order_id TEXT, p_items JSONB) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_refusal JSONB;
BEGIN
    INSERT INTO reservations (order_id) VALUES (p_order_id) ON CONFLICT (order_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'existing', 'items', reservation_items(p_order_id));
    END IF;
    v_refusal := reservation_try_apply(p_order_id, p_items);
    IF v_refusal IS NOT NULL THEN
        -- Nothing was taken; the reservation row goes too, so a later call can try again.
        DELETE FROM reservations WHERE order_id = p_order_id;
        RETURN v_refusal;
    END IF;
    RETURN jsonb_build_object('outcome', 'created', 'items', reservation_items(p_order_id));
END
$$;

-- PUT /inventory/reservations/{order_id}: makes a held reservation exactly `p_items`.
CREATE FUNCTION adjust_reservation(p_order_id TEXT, p_items JSONB) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_refusal JSONB;
BEGIN
    PERFORM 1 FROM reservations WHERE order_id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'not_held');
    END IF;
    v_refusal := reservation_try_apply(p_order_id, p_items);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    UPDATE reservations SET updated_at = now() WHERE order_id = p_order_id;
    RETURN jsonb_build_object('outcome', 'adjusted', 'items', reservation_items(p_order_id));
END
$$;

-- DELETE /inventory/reservations/{order_id}: gives back everything the order holds, once.
-- A second concurrent call waits on the row lock, then finds the row gone.
CREATE FUNCTION release_reservation(p_order_id TEXT) RETURNS JSONB
LANGUAGE plpgsql AS $$
DECLARE
    v_items JSONB;
BEGIN
    PERFORM 1 FROM reservations WHERE order_id = p_order_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'not_held');
    END IF;
    v_items := reservation_items(p_order_id);
    PERFORM reservation_apply(p_order_id, '[]'::jsonb);
    DELETE FROM reservations WHERE order_id = p_order_id;
    RETURN jsonb_build_object('outcome', 'released', 'items', v_items);
END
$$;
