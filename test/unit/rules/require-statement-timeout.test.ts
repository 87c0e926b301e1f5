import { ruleCases } from '../helpers/rule-cases';

ruleCases('require-statement-timeout', {
  valid: [
    { sql: 'ALTER TABLE orders ADD COLUMN note text;', why: 'metadata only: no long work' },
    {
      sql: "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
      why: 'a constant default does not rewrite on PostgreSQL 11+',
    },
    { sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;', why: 'NOT VALID: no scan' },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN name TYPE text;',
      why: 'widening to text is usually binary-compatible (no rewrite)',
    },
    {
      sql: "SET statement_timeout = '10min';\nALTER TABLE orders ALTER COLUMN total TYPE bigint;",
      why: 'statement_timeout set earlier',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;',
      options: { runnerSetsStatementTimeout: true },
      why: 'the runner sets it',
    },
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nALTER TABLE t ALTER COLUMN a TYPE bigint;',
      why: 'table created in the same file',
    },
    {
      sql: '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY i ON orders (a);',
      why: 'CONCURRENTLY does not block writes',
    },
    { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv;', why: 'concurrent refresh does not block reads' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ VACUUM FULL t $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ALTER COLUMN total TYPE bigint;',
      count: 1,
      message:
        /^ALTER TABLE rewrites orders while holding ACCESS EXCLUSIVE on orders, and no statement_timeout bounds it: if it runs longer than planned, reads and writes of orders wait/,
      flagged: 'orders',
      output: "SET statement_timeout = '15min';\nALTER TABLE orders ALTER COLUMN total TYPE bigint;",
    },
    {
      sql: 'CREATE INDEX i ON orders (a);\nCREATE INDEX j ON orders (b);',
      count: 1,
      message: /^CREATE INDEX builds an index on orders while holding SHARE on orders.*writes of orders wait/,
      why: 'once per file',
    },
    { sql: 'ALTER TABLE orders ADD COLUMN id2 bigserial;', message: /rewrites orders/ },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN code TYPE text USING code::text;',
      message: /rewrites orders/,
      why: 'USING forces a rewrite',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT clock_timestamp();',
      message: /rewrites orders/,
      why: 'volatile default',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN s text DEFAULT 'x';",
      options: { postgresVersion: 10 },
      why: 'before PostgreSQL 11 every default rewrites',
    },
    { sql: 'ALTER TABLE orders ALTER COLUMN total SET NOT NULL;', message: /scans all of orders/ },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users;',
      message: /SHARE ROW EXCLUSIVE on orders.*writes of orders/,
    },
    { sql: 'ALTER TABLE orders ADD PRIMARY KEY (id);', message: /builds an index on orders/ },
    { sql: '-- pgshift:no-transaction\nVACUUM FULL orders;', message: /rewrites orders/ },
    { sql: 'CLUSTER orders USING orders_pkey;', message: /rewrites orders/ },
    { sql: 'REFRESH MATERIALIZED VIEW mv;', message: /recomputes mv/ },
    {
      sql: 'REINDEX TABLE orders;',
      message: /rebuilds every index of orders while holding ACCESS EXCLUSIVE on the indexes of orders/,
    },
    {
      sql: 'SET statement_timeout = 0;\nALTER TABLE orders ALTER COLUMN total TYPE bigint;',
      message: /statement_timeout is turned off \(line 1\)/,
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ALTER COLUMN a TYPE bigint; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block is linted',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE "tablé" ALTER COLUMN a TYPE bigint;',
      flagged: '"tablé"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
