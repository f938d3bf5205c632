-- Order-event webhooks (issue 8): a transactional outbox and its deliveries.
--
-- Every row written to order_events also writes, through the trigger below and so in the
-- same transaction as the order change itself, one outbox row holding the exact JSON body
-- that will be POSTed: an event is never lost, and never sent for a change that did not
-- commit. The `webhooks` component (components/webhooks) fans each outbox row out to one
-- delivery per URL of the `webhook_urls` variable, sends them, and records every attempt.

-- The outbox: one row per order event, in commit order per order id.
CREATE TABLE webhook_outbox (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The event id receivers deduplicate by.
    event_id      UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    order_event_id BIGINT NOT NULL REFERENCES order_events (id),
    order_id      TEXT NOT NULL,
    event         TEXT NOT NULL
                  CONSTRAINT webhook_outbox_event_known
                  CHECK (event IN ('order.created', 'order.status_changed', 'order.updated', 'order.deleted')),
    -- {"id", "event", "data", "timestamp"} exactly as sent (and signed), byte for byte the
    -- same on every attempt and for every URL.
    payload       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Set once the deliverer has created this event's deliveries.
    fanned_out_at TIMESTAMPTZ
);

CREATE INDEX webhook_outbox_unfanned_idx ON webhook_outbox (seq) WHERE fanned_out_at IS NULL;

-- One row per (event, URL): created by the deliverer from the `webhook_urls` it is given
-- when it first sees the event.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq       BIGINT NOT NULL REFERENCES webhook_outbox (seq),
    order_id        TEXT NOT NULL,
    url             TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CONSTRAINT webhook_deliveries_status_known
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts since the delivery was created or last retried by an admin.
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Held by the invocation sending it, so no two send it at once.
    lease_token     TEXT,
    lease_until     TIMESTAMPTZ,
    last_status_code INT,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ,
    CONSTRAINT webhook_deliveries_once UNIQUE (event_seq, url)
);

-- The head of each (order, URL) queue: only the oldest pending delivery may be sent.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (order_id, url, event_seq)
    WHERE status = 'pending';
-- The admin list, by status, oldest first.
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, id);

-- Every attempt: HTTP status (NULL when no answer came) or the error, and when.
CREATE TABLE webhook_attempts (
    delivery_id  BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    -- 1, 2, ... over the delivery's whole life (an admin retry keeps counting).
    attempt      INT NOT NULL,
    status_code  INT,
    error        TEXT,
    attempted_at TIMESTAMPTZ NOT NULL,
    duration_ms  INT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- At most one invocation at a time keeps polling for due retries (the others make one pass
-- and leave); a lease, because Spin's PostgreSQL API has no session to hold a lock in.
CREATE TABLE webhook_runner (
    id          INT PRIMARY KEY CONSTRAINT webhook_runner_single CHECK (id = 1),
    token       TEXT,
    lease_until TIMESTAMPTZ
);
INSERT INTO webhook_runner (id) VALUES (1);

-- RFC 3339 UTC to the second, as the API formats timestamps.
CREATE FUNCTION webhook_time(t TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The order as the API returns it: money as text with two places, RFC 3339 UTC times,
-- fields in the API's order.
CREATE FUNCTION webhook_order_json(o orders) RETURNS JSON
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id,
        'user_id', o.user_id,
        'total', o.total::numeric(15, 2)::text,
        'status', o.status,
        'items', coalesce(
            (SELECT json_agg(json_build_object(
                        'sku', i.value ->> 'sku',
                        'quantity', (i.value ->> 'quantity')::bigint,
                        'price', (i.value ->> 'price')::numeric(12, 2)::text)
                    ORDER BY i.ordinality)
               FROM jsonb_array_elements(o.items) WITH ORDINALITY AS i (value, ordinality)),
            '[]'::json),
        'created_at', webhook_time(o.created_at),
        'updated_at', webhook_time(o.updated_at))
$$;

-- Runs at the end of the statement that wrote the event, so it sees the order as that
-- statement left it (AFTER triggers see every change of their statement, CTE branches
-- included), and commits or rolls back with it.
CREATE FUNCTION webhook_outbox_from_event() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    event_id UUID := gen_random_uuid();
    event_name TEXT := 'order.' || NEW.event_type;
    data JSON;
BEGIN
    SELECT webhook_order_json(o) INTO data FROM orders o WHERE o.id = NEW.order_id;
    INSERT INTO webhook_outbox (event_id, order_event_id, order_id, event, payload, created_at)
    VALUES (
        event_id, NEW.id, NEW.order_id, event_name,
        json_build_object(
            'id', event_id,
            'event', event_name,
            'data', data,
            'timestamp', webhook_time(NEW.created_at))::text,
        NEW.created_at);
    RETURN NULL;
END
$$;

CREATE TRIGGER order_events_webhook_outbox
    AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_from_event();
