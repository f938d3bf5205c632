-- Times are `timestamp` columns holding UTC, not `timestamptz`: Spin's PostgreSQL API
-- cannot carry a `timestamptz` (see migrations/users/V3__utc_timestamps.sql and
-- docs/spin-compatibility.md, "Time values and Postgres"). `AT TIME ZONE 'UTC'` converts
-- each existing value whatever the session's TimeZone, so no instant moves; the indexes on
-- these columns are rebuilt in the same order.

-- The current time as a UTC `timestamp`, whatever the session's TimeZone (`now()` would be
-- turned into a `timestamp` in that zone). Inlined by the planner.
CREATE FUNCTION utc_now() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT now() AT TIME ZONE 'UTC' $$;

ALTER TABLE orders
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at SET DEFAULT utc_now(),
    ALTER COLUMN deleted_at TYPE timestamp USING deleted_at AT TIME ZONE 'UTC',
    ALTER COLUMN lease_until TYPE timestamp USING lease_until AT TIME ZONE 'UTC';

ALTER TABLE order_events
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now();

ALTER TABLE idempotency_keys
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now();

ALTER TABLE order_intents
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN claimed_until TYPE timestamp USING claimed_until AT TIME ZONE 'UTC';

ALTER TABLE webhook_outbox
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN fanned_out_at TYPE timestamp USING fanned_out_at AT TIME ZONE 'UTC';

ALTER TABLE webhook_deliveries
    ALTER COLUMN next_attempt_at TYPE timestamp USING next_attempt_at AT TIME ZONE 'UTC',
    ALTER COLUMN next_attempt_at SET DEFAULT utc_now(),
    ALTER COLUMN lease_until TYPE timestamp USING lease_until AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at SET DEFAULT utc_now(),
    ALTER COLUMN delivered_at TYPE timestamp USING delivered_at AT TIME ZONE 'UTC';

ALTER TABLE webhook_attempts
    ALTER COLUMN attempted_at TYPE timestamp USING attempted_at AT TIME ZONE 'UTC';

ALTER TABLE webhook_runner
    ALTER COLUMN lease_until TYPE timestamp USING lease_until AT TIME ZONE 'UTC';

-- RFC 3339 UTC to the second, as the API formats timestamps, now of a UTC `timestamp`.
-- The `timestamptz` version goes: given a `timestamp`, it would have been called through
-- a cast in the session's TimeZone.
DROP FUNCTION webhook_time(TIMESTAMPTZ);
CREATE FUNCTION webhook_time(t timestamp) RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The outbox trigger formats its times with `to_char(t AT TIME ZONE 'UTC', ...)`: of a
-- UTC `timestamp` that is the instant, which `to_char` prints in the TimeZone in force.
-- Run in UTC, the payload stays byte for byte what it was, whatever the writer's TimeZone.
ALTER FUNCTION webhook_outbox_from_event() SET TimeZone = 'UTC';
