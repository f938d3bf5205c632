-- Times are `timestamp` columns holding UTC, not `timestamptz`.
--
-- Spin's PostgreSQL API cannot carry a `timestamptz` either way: it reads such a column as
-- a zone-less date-time, which the driver refuses for `timestamptz`, and binds a date-time
-- parameter the same zone-less way (docs/spin-compatibility.md, "Time values and
-- Postgres"). A `timestamp` crosses both ways, so every stored time becomes one, holding
-- the UTC wall-clock time of the same instant: `AT TIME ZONE 'UTC'` converts each existing
-- value whatever the session's TimeZone, so no instant moves.
--
-- `now()` is a `timestamptz`, and PostgreSQL turns it into a `timestamp` (or a `timestamp`
-- into a `timestamptz` for a comparison) in the session's TimeZone. `utc_now()` is the
-- current time as a UTC `timestamp` whatever that setting: defaults and every statement
-- use it, never `now()`. (A one-expression SQL function: the planner inlines it.)
CREATE FUNCTION utc_now() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT now() AT TIME ZONE 'UTC' $$;

ALTER TABLE users
    ALTER COLUMN created_at TYPE timestamp USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at SET DEFAULT utc_now(),
    ALTER COLUMN updated_at TYPE timestamp USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at SET DEFAULT utc_now();
