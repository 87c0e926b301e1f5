ALTER TABLE orders VALIDATE CONSTRAINT orders_status_check;
