-- The outbox trigger builds its payload itself.
--
-- V2's trigger called webhook_order_json, a SQL function PostgreSQL cannot inline (it
-- holds a subquery and calls a STABLE to_char), so every order change parsed and planned
-- its body again: a third of the cost of inserting an order. The same expression written
-- in the trigger is planned once per connection. The payload is byte for byte V2's.
CREATE OR REPLACE FUNCTION webhook_outbox_from_event() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    event_id UUID := gen_random_uuid();
    event_name TEXT := 'order.' || NEW.event_type;
BEGIN
    -- order_events.order_id references orders, so the order is there.
    INSERT INTO webhook_outbox (event_id, order_event_id, order_id, event, payload, created_at)
    SELECT event_id, NEW.id, NEW.order_id, event_name,
           json_build_object(
               'id', event_id,
               'event', event_name,
               'data', json_build_object(
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
                   'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
               'timestamp', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text,
           NEW.created_at
      FROM orders o
     WHERE o.id = NEW.order_id;
    RETURN NULL;
END
$$;

DROP FUNCTION webhook_order_json(orders);
