-- Risky on a busy table: a plain CREATE INDEX blocks every write to orders while it builds.
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
