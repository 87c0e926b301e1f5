import { ruleCases } from '../helpers/rule-cases';

ruleCases('adding-required-field', {
  valid: [
    "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
    'ALTER TABLE orders ADD COLUMN note text;',
    {
      sql: 'ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL;',
      why: 'identity fills existing rows',
    },
    { sql: 'ALTER TABLE orders ADD COLUMN seq bigserial NOT NULL;', why: 'serial comes with a default' },
    {
      sql: 'ALTER TABLE orders ADD COLUMN double_total int NOT NULL GENERATED ALWAYS AS (total * 2) STORED;',
      why: 'generated columns are computed',
    },
    {
      sql: 'CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN status text NOT NULL;',
      why: 'table created earlier in the same file is empty',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ADD COLUMN s text NOT NULL $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN status text NOT NULL;',
      count: 1,
      message:
        /ADD COLUMN status is NOT NULL without a DEFAULT: it fails if orders has any row \("column contains null values"\)/,
      flagged: 'status',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT NULL;',
      why: 'DEFAULT NULL is no default',
    },
    { sql: 'ALTER TABLE orders ADD COLUMN code int PRIMARY KEY;', why: 'PRIMARY KEY implies NOT NULL' },
    {
      sql: 'ALTER TABLE orders ADD COLUMN a int NOT NULL, ADD COLUMN b int NOT NULL DEFAULT 0, ADD COLUMN c int NOT NULL;',
      count: 2,
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD COLUMN status text NOT NULL;',
      why: 'fails with or without a transaction',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN status text NOT NULL;',
      options: { postgresVersion: 10 },
      why: 'any version',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN status text NOT NULL; END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ADD COLUMN "ü ü" text NOT NULL;',
      flagged: '"ü ü"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
