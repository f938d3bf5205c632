-- 5,000 SKUs (BENCH-00001 .. BENCH-05000, price (n % 500 + 1).99) with 1,000,000 units
-- each, less what the 100,000 seeded orders hold: the same order lines as
-- seed-orders.sql, as reservations of every order that is not cancelled.
INSERT INTO items (sku, name, qty, price, created_at, updated_at)
SELECT 'BENCH-' || lpad(g::text, 5, '0'),
       'Bench item ' || g,
       1000000,
       (g % 500 + 1) + 0.99,
       now() - (5000 - g) * interval '1 minute',
       now() - (5000 - g) * interval '1 minute'
  FROM generate_series(1, 5000) AS g;

CREATE TEMP TABLE bench_lines AS
SELECT 'bench-' || lpad(g::text, 6, '0') AS order_id,
       ((g * 7 + k * 1031) % 5000) + 1 AS n,
       1 + (g + k) % 3 AS quantity
  FROM generate_series(1, 100000) AS g, generate_series(1, 3) AS k
 WHERE k <= 1 + g % 3
   AND g % 5 <> 4; -- status index 5 (cancelled) holds no stock

INSERT INTO reservations (order_id)
SELECT DISTINCT order_id FROM bench_lines;

INSERT INTO reservation_lines (order_id, item_id, quantity)
SELECT l.order_id, i.id, l.quantity
  FROM bench_lines l
  JOIN items i ON i.sku = 'BENCH-' || lpad(l.n::text, 5, '0');

UPDATE items i
   SET qty = i.qty - h.held
  FROM (SELECT item_id, sum(quantity) AS held FROM reservation_lines GROUP BY item_id) h
 WHERE i.id = h.item_id;
