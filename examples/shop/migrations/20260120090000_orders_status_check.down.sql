ALTER TABLE orders DROP CONSTRAINT orders_status_check;
