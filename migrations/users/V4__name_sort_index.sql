-- Lists sort by name (`sort=name` / `sort=-name`, the id breaking ties); the trigram
-- index serves only the substring search. Scanned backwards, this one serves both orders.
CREATE INDEX users_name_idx ON users (name, id);
