-- pgshift:no-transaction
ALTER TABLE orders ADD COLUMN IF NOT EXISTS shipped_at timestamptz;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_shipped_at_idx ON orders (shipped_at);
