-- 100,000 orders (bench-000001 ..) of the 10,000 bench users (ids 2..10001), 1-3 lines
-- each, created over the last 90 days, statuses in turn (every fifth cancelled), each with
-- its `created` event. seed-inventory.sql holds the matching reservations.
CREATE TEMP TABLE bench_lines AS
SELECT g, k,
       ((g * 7 + k * 1031) % 5000) + 1 AS n,
       1 + (g + k) % 3 AS quantity
  FROM generate_series(1, 100000) AS g, generate_series(1, 3) AS k
 WHERE k <= 1 + g % 3;

INSERT INTO orders (id, user_id, status, total, items, created_at, updated_at)
SELECT 'bench-' || lpad(g::text, 6, '0'),
       2 + g % 10000,
       (ARRAY['pending', 'processing', 'shipped', 'delivered', 'cancelled'])[1 + g % 5],
       sum(quantity * ((n % 500 + 1) + 0.99)),
       jsonb_agg(jsonb_build_object('sku', 'BENCH-' || lpad(n::text, 5, '0'),
                                    'quantity', quantity,
                                    'price', ((n % 500 + 1) + 0.99)::numeric(12, 2)::text)
                 ORDER BY k),
       now() - (g % 90) * interval '1 day' - (g % 1440) * interval '1 minute',
       now() - (g % 90) * interval '1 day' - (g % 1440) * interval '1 minute'
  FROM bench_lines
 GROUP BY g;

-- History, not news: the events' webhooks went out long ago, so the outbox trigger is
-- skipped (replica mode fires no ordinary trigger) and the deliverer starts with an empty
-- backlog instead of spending the first runs on 100,000 fan-outs.
SET session_replication_role = replica;
INSERT INTO order_events (order_id, event_type, description, new_value, user_id, created_at)
SELECT id, 'created',
       'order created with ' || jsonb_array_length(items) || ' item(s), total ' || total,
       status, user_id, created_at
  FROM orders
 ORDER BY created_at;
RESET session_replication_role;
