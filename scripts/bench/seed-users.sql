-- 10,000 users for the benchmark, all with the demo admin's password hash (so any of them
-- can log in with password123), sign-ups spread over the last 180 days.
-- Ids: the admin is 1, bench users 2..10001 (bench<N>@example.com has id N + 1).
INSERT INTO users (name, email, password_hash, role, is_active, created_at, updated_at)
SELECT 'Bench User ' || g,
       'bench' || g || '@example.com',
       (SELECT password_hash FROM users WHERE email = 'admin@test.com'),
       'user',
       g % 50 <> 0,
       now() - (g % 180) * interval '1 day',
       now() - (g % 180) * interval '1 day'
  FROM generate_series(1, 10000) AS g;
-- Bench users that log in must be active; 1..49 are.
