-- Order intents: the durable record of a create saga in flight (reliability issue: stock
-- left reserved with no order after a crash or a PostgreSQL outage mid-saga).
--
-- The create saga writes its intent (one statement) before it asks the inventory for a
-- reservation; the statement that inserts the order and its `created` event deletes the
-- intent (same CTE), and so does a compensation that gave the stock back. An intent that
-- outlives the saga by far (see `flows::reconcile::STALE_AFTER_SECONDS`) means the saga
-- died between the reservation and the insert: reconciliation claims it, releases the
-- reservation (idempotent in the inventory) and deletes it.
--
-- Once claimed, an intent can no longer become an order: the insert requires the intent
-- to exist and be unclaimed, so a saga that wakes up late (after the reservation was
-- released) fails and compensates instead of recording an order without its stock.
CREATE TABLE order_intents (
    order_id      TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Set by the reconciliation run that took the intent; another run may take it over
    -- after `claimed_until` (the first one died before finishing).
    claim_token   TEXT,
    claimed_until TIMESTAMPTZ
);

-- The stale intents, oldest first: the reconciliation's (and the create's cheap check's)
-- only access path.
CREATE INDEX order_intents_created_idx ON order_intents (created_at);
