-- Changes interrupted mid-saga (cancel, reactivate, new items, delete): such a change
-- leases the order, moves the stock, then writes the order and ends the lease in one
-- statement. If the component dies in between, the lease runs out but stays set
-- (`lease_token` not NULL): the durable mark that the inventory may not match the order.
-- The next change of the order makes its stock move absolute; reconciliation
-- (`POST /orders/maintenance/reconcile`) finds the ones nobody changes by this index.
-- Nearly every row has lease_token NULL, so the index stays tiny.
CREATE INDEX orders_interrupted_lease_idx ON orders (lease_until) WHERE lease_token IS NOT NULL;
