-- Risky: changing the type rewrites the whole table under an ACCESS EXCLUSIVE lock.
ALTER TABLE orders ALTER COLUMN total_cents TYPE numeric(12, 0);
