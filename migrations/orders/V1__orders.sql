-- Orders and their timeline.
--
-- Spin's PostgreSQL API has no transaction handle and the host pools connections, so every
-- change is one statement (a CTE) that writes the order row and its event together. The
-- webhook outbox (issue 8) joins the same way: an AFTER INSERT trigger on order_events, or
-- one more CTE branch, puts the outgoing message in the same transaction as the event.

CREATE TABLE orders (
    id          TEXT PRIMARY KEY
                CONSTRAINT orders_id_format CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    user_id     BIGINT NOT NULL,
    status      TEXT NOT NULL
                CONSTRAINT orders_status_known
                CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
    -- Up to 100 lines × 10,000 units × 1,000,000 per unit: wider than the NUMERIC(12,2) of
    -- a single price, so the largest valid order still fits.
    total       NUMERIC(15, 2) NOT NULL CONSTRAINT orders_total_non_negative CHECK (total >= 0),
    -- [{sku, quantity, price}]: always read and written as a whole with the order.
    items       JSONB NOT NULL CONSTRAINT orders_items_array CHECK (jsonb_typeof(items) = 'array'),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A deleted order keeps its row (so its id is never reused and its timeline keeps its
    -- subject) but disappears from every list, count and lookup.
    deleted_at  TIMESTAMPTZ,
    -- A change that calls the inventory (cancel, reactivate, new items, delete) holds a
    -- short lease on the order, so two such changes never interleave their stock moves.
    lease_token TEXT,
    lease_until TIMESTAMPTZ
);

-- Lists: own orders newest first, all orders newest first, by status, by date range.
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX orders_total_idx ON orders (total) WHERE deleted_at IS NULL;
CREATE INDEX orders_updated_idx ON orders (updated_at DESC) WHERE deleted_at IS NULL;

CREATE TABLE order_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    event_type  TEXT NOT NULL
                CONSTRAINT order_events_type_known
                CHECK (event_type IN ('created', 'status_changed', 'updated', 'deleted')),
    description TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    -- Who made the change.
    user_id     BIGINT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The timeline of one order, oldest first.
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- Idempotency-Key records: the first request with a key claims it for the order id it
-- will create; a repeat with the same body finds that order, another body is refused.
CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    order_id     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
