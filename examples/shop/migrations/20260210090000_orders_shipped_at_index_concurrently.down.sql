-- pgshift:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS orders_shipped_at_idx;
ALTER TABLE orders DROP COLUMN IF EXISTS shipped_at;
