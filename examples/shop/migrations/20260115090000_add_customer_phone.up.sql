-- Risky: a NOT NULL column without a default fails on a table that has rows,
-- and a FK added in one step scans both tables under lock.
ALTER TABLE customers ADD COLUMN phone text NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
