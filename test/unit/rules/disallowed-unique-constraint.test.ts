import { ruleCases } from '../helpers/rule-cases';

ruleCases('disallowed-unique-constraint', {
  valid: [
    'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key;',
    {
      sql: '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code);',
      why: 'the concurrent index itself',
    },
    {
      sql: 'CREATE TABLE orders (id bigint, code text);\nALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);',
      why: 'table created earlier in the same file is empty',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total > 0);',
      why: 'not a UNIQUE constraint',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ADD UNIQUE (code) $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);',
      count: 1,
      message:
        /ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE builds its index under an ACCESS EXCLUSIVE lock: reads and writes on orders wait until the index is built/,
      flagged: 'CONSTRAINT orders_code_key UNIQUE (code)',
      output:
        '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_code_key ON orders (code);\nALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key;',
    },
    {
      sql: 'ALTER TABLE shop.orders ADD UNIQUE NULLS NOT DISTINCT (shop_id, "Code");',
      message: /orders_shop_id_Code_key UNIQUE/,
      output:
        '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "orders_shop_id_Code_key" ON shop.orders (shop_id, "Code") NULLS NOT DISTINCT;\nALTER TABLE shop.orders ADD CONSTRAINT "orders_shop_id_Code_key" UNIQUE USING INDEX "orders_shop_id_Code_key";',
      why: 'unnamed constraint: PostgreSQL default name, quoted identifiers',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE "order" ADD CONSTRAINT order_user_key UNIQUE ("user");',
      output:
        '-- pgshift:no-transaction\nSELECT 1;\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS order_user_key ON "order" ("user");\nALTER TABLE "order" ADD CONSTRAINT order_user_key UNIQUE USING INDEX order_user_key;',
      why: 'reserved words stay quoted in the rewrite',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN code text UNIQUE;',
      count: 1,
      message: /ADD COLUMN code ... UNIQUE builds a unique index over every row of orders/,
      flagged: 'UNIQUE',
      why: 'a UNIQUE column added to an existing table indexes every row',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code) DEFERRABLE;',
      why: 'deferrable: flagged, no rewrite offered',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD UNIQUE (code);',
      why: 'outside a transaction the lock is the same',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD UNIQUE (code); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ADD CONSTRAINT ü UNIQUE (ç);',
      flagged: 'CONSTRAINT ü UNIQUE (ç)',
      output:
        '-- pgshift:no-transaction\nSELECT 1;\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "ü" ON "é" ("ç");\nALTER TABLE "é" ADD CONSTRAINT "ü" UNIQUE USING INDEX "ü";',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
