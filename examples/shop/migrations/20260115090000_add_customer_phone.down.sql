ALTER TABLE orders DROP CONSTRAINT orders_customer_fk;
ALTER TABLE customers DROP COLUMN phone;
