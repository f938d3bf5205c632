-- Items and their stock.

-- `q` searches SKUs by substring (ILIKE '%q%'), which only a trigram index can serve.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE items (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku        TEXT NOT NULL
               CONSTRAINT items_sku_key UNIQUE
               CONSTRAINT items_sku_format CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
    name       TEXT CONSTRAINT items_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    -- The last line of defence for "stock never goes below zero", whatever the code does.
    qty        BIGINT NOT NULL CONSTRAINT items_qty_non_negative CHECK (qty >= 0),
    price      NUMERIC(12, 2) CONSTRAINT items_price_non_negative CHECK (price >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Lists are newest first (id breaks ties between rows created in one statement).
CREATE INDEX items_created_at_idx ON items (created_at DESC, id DESC);
-- The low-stock filter and analytics select by quantity.
CREATE INDEX items_qty_idx ON items (qty);
CREATE INDEX items_sku_trgm_idx ON items USING gin (sku gin_trgm_ops);
