-- Times are `timestamp` columns holding UTC, not `timestamptz`: Spin's PostgreSQL API
-- cannot carry a `timestamptz` (see migrations/users/V3__utc_timestamps.sql and
-- docs/spin-compatibility.md, "Time values and Postgres"). `AT TIME ZONE 'UTC'` converts
-- each existing value whatever the session's TimeZone, so no instant moves.

-- The current time as a UTC `timestamp`, whatever the session's TimeZone (`now()` would be
-- turned into a `timestamp` in that zone). Inlined by the planner.
CREATE FUNCTION utc_now() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT now() AT TIME ZONE 'UTC' $$;

ALTER TABLE items
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at SET DEFAULT utc_now();

ALTER TABLE reservations
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at SET DEFAULT utc_now();

-- These functions set `updated_at = now()`. Run in UTC, that assignment stores the UTC
-- wall-clock time whatever the caller's TimeZone, without restating their bodies
-- (release_reservation writes times only through reservation_set).
ALTER FUNCTION reserve_stock(TEXT, JSONB) SET TimeZone = 'UTC';
ALTER FUNCTION adjust_reservation(TEXT, JSONB) SET TimeZone = 'UTC';
ALTER FUNCTION reservation_set(TEXT, JSONB) SET TimeZone = 'UTC';
