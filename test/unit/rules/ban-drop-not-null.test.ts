import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-drop-not-null', {
  valid: [
    {
      sql: 'CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;',
      why: 'table created earlier in the same file',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN c text NOT NULL DEFAULT '';\nALTER TABLE orders ALTER c DROP NOT NULL;",
      why: 'column added earlier in the same file',
    },
    'ALTER TABLE orders ALTER COLUMN a SET NOT NULL;',
    'ALTER TABLE orders ALTER COLUMN a DROP DEFAULT;',
    {
      sql: 'ALTER FOREIGN TABLE remote ALTER COLUMN a DROP NOT NULL;',
      why: 'a foreign table only describes remote data',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;',
      count: 1,
      message: /^DROP NOT NULL on orders\.shipped_at lets NULLs in/,
      flagged: 'shipped_at',
    },
    {
      sql: 'ALTER TABLE app.orders ALTER a SET DEFAULT 0, ALTER "B" DROP NOT NULL, ALTER COLUMN c DROP NOT NULL;',
      count: 2,
      flagged: '"B"',
      why: 'several commands; the flagged column is the one losing NOT NULL',
    },
    {
      sql: 'CREATE TABLE s.t (a int NOT NULL);\nALTER TABLE other.t ALTER a DROP NOT NULL;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'ALTER TABLE t ALTER a DROP NOT NULL;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not change the contract',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE t ALTER a DROP NOT NULL; END $$;',
      flagged: 'a',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE t ALTER COLUMN größe DROP NOT NULL;',
      flagged: 'größe',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
