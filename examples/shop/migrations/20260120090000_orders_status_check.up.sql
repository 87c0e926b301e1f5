-- The safe way: add the constraint NOT VALID (brief lock), validate it in the next migration.
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')) NOT VALID;
