import { ruleCases } from '../helpers/rule-cases';

ruleCases('multiple-alter-table', {
  valid: [
    'ALTER TABLE orders ALTER COLUMN quantity TYPE bigint, ALTER COLUMN customer_id SET NOT NULL;',
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;',
      why: 'only one of them reads the table',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\nALTER TABLE users ALTER COLUMN b SET NOT NULL;',
      why: 'different tables',
    },
    {
      sql: 'CREATE TABLE orders (a int, b int);\nALTER TABLE orders ALTER COLUMN a SET NOT NULL;\nALTER TABLE orders ALTER COLUMN b SET NOT NULL;',
      why: 'a table created in the same file is empty',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a TYPE bigint, ADD COLUMN total bigint;\nUPDATE orders SET total = 0;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;',
      why: 'SET NOT NULL depends on the backfill between them: cannot be merged',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a TYPE bigint;\nCREATE INDEX orders_a ON orders (a);\nALTER TABLE orders ALTER COLUMN b SET NOT NULL;',
      why: 'a statement between them references the table',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\nALTER TABLE orders ALTER COLUMN b SET NOT NULL;',
      options: { transactionMode: 'none' },
      why: 'not in the same transaction',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT a_nn CHECK (a IS NOT NULL);\nALTER TABLE orders ALTER COLUMN a SET NOT NULL;',
      why: 'PostgreSQL 12+: the validated CHECK lets SET NOT NULL skip its scan',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT fk1 FOREIGN KEY (a) REFERENCES a (id);\nALTER TABLE orders ADD CONSTRAINT fk2 FOREIGN KEY (b) REFERENCES b (id);',
      why: 'foreign keys are validated one query each, merged or not',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT c1 CHECK (a > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c1;\nALTER TABLE orders ADD CONSTRAINT c2 CHECK (b > 0) NOT VALID;',
      why: 'NOT VALID constraints and VALIDATE are the intended separate steps',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a TYPE text;\nALTER TABLE orders ALTER COLUMN b TYPE varchar(200);',
      why: 'usual binary-compatible widenings',
    },
    {
      sql: "SET timezone = 'UTC';\nALTER TABLE orders ALTER COLUMN a TYPE timestamptz;\nALTER TABLE orders ALTER COLUMN b TYPE timestamptz USING b;",
      why: 'PostgreSQL 12+: timestamp → timestamptz under UTC only changes the catalog',
    },
  ],
  invalid: [
    {
      sql: "SET TIME ZONE 'Europe/Paris';\nALTER TABLE orders ALTER COLUMN a TYPE timestamptz;\nALTER TABLE orders ALTER COLUMN b TYPE timestamptz;",
      count: 1,
      why: 'timestamp → timestamptz rewrites when the session time zone is not UTC',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a TYPE timestamptz;\nALTER TABLE orders ALTER COLUMN b TYPE timestamptz;',
      options: { postgresVersion: 11 },
      count: 1,
      why: 'before PostgreSQL 12 timestamp → timestamptz always rewrites',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;',
      count: 1,
      message:
        /^second ALTER TABLE on orders in this transaction that reads the whole table \(SET NOT NULL on customer_id scans it; line 1: ALTER COLUMN quantity TYPE int8 rewrites it\): one ALTER TABLE with both changes reads orders once$/,
      flagged: 'orders',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT c1 CHECK (a > 0);\nSET lock_timeout = 1000;\nALTER TABLE orders DROP COLUMN legacy;\nALTER TABLE orders ADD CONSTRAINT c2 CHECK (b > 0);\nALTER TABLE orders ADD COLUMN t timestamptz DEFAULT clock_timestamp();',
      count: 2,
      message: /line (1|4): ADD CONSTRAINT c(1|2) CHECK scans it/,
      why: 'unrelated and cheap statements in between do not stop it; every later pass is reported',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\nALTER TABLE orders ADD COLUMN b bigint DEFAULT 0;\nALTER TABLE orders ALTER COLUMN c SET NOT NULL;',
      options: { postgresVersion: 10 },
      count: 2,
      why: 'before PostgreSQL 11 any non-null default rewrites',
    },
    {
      sql: 'BEGIN;\nALTER TABLE "Commandes" ALTER COLUMN "Qté" TYPE bigint;\nALTER TABLE "Commandes" ALTER COLUMN "Client" SET NOT NULL;\nCOMMIT;',
      flagged: '"Commandes"',
      why: 'explicit transaction; non-ASCII identifiers: byte ranges',
    },
  ],
});
