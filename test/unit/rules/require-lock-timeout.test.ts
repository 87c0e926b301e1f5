import { ruleCases } from '../helpers/rule-cases';

const own = { runnerSetsLockTimeout: false };

ruleCases('require-lock-timeout', {
  valid: [
    { sql: 'ALTER TABLE orders ADD COLUMN note text;', why: 'the runner sets lock_timeout (default)' },
    { sql: "SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;", options: own },
    {
      sql: "SET LOCAL lock_timeout TO '2s';\nALTER TABLE orders ADD COLUMN note text;",
      options: own,
      why: 'SET LOCAL in the same transaction',
    },
    {
      sql: "SELECT set_config('lock_timeout', '2s', false);\nDROP TABLE old_orders;",
      options: own,
      why: 'set_config() counts',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nCREATE INDEX t_a ON t (a);',
      options: own,
      why: 'tables created in the same file',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;\nALTER TABLE u ADD COLUMN b int;',
      options: own,
      why: 'renamed new table is still new',
    },
    {
      sql: 'UPDATE orders SET note = 1;\nCREATE INDEX CONCURRENTLY i ON orders (a);',
      options: { ...own, transactionMode: 'none' },
      why: 'locks that block neither reads nor writes',
    },
    {
      sql: 'ALTER TABLE orders VALIDATE CONSTRAINT c;',
      options: own,
      why: 'SHARE UPDATE EXCLUSIVE blocks neither reads nor writes',
    },
    { sql: 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE NOWAIT;', options: own, why: 'NOWAIT never queues' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE t $$;',
      options: own,
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;',
      options: own,
      count: 1,
      message:
        /^ALTER TABLE waits for ACCESS EXCLUSIVE on orders with no lock_timeout: while it waits behind a running query, every read and write of orders queues/,
      flagged: 'orders',
      output: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
    },
    {
      sql: 'SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN note text;',
      message: /with lock_timeout turned off \(line 1\)/,
      output: "SET lock_timeout = 0;\nSET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
      why: 'explicitly turned off, even though the runner sets it',
    },
    {
      sql: "SET lock_timeout = '0ms';\nTRUNCATE orders;",
      message: /TRUNCATE waits for ACCESS EXCLUSIVE on orders/,
      why: "'0ms' is off too",
    },
    {
      sql: 'CREATE INDEX i ON orders (a);\nDROP TABLE x;',
      options: own,
      count: 1,
      message: /^CREATE INDEX waits for SHARE on orders .*every write of orders/,
      why: 'SHARE blocks writes; reported once per file',
    },
    {
      sql: 'CREATE TRIGGER t BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();',
      options: own,
      message: /SHARE ROW EXCLUSIVE on orders/,
    },
    {
      sql: 'CREATE TABLE items (order_id bigint REFERENCES orders);',
      options: own,
      flagged: 'orders',
      message: /SHARE ROW EXCLUSIVE on orders/,
      why: 'a foreign key locks the referenced table',
    },
    {
      sql: 'CREATE TABLE e_2024 PARTITION OF events FOR VALUES IN (2024);',
      options: own,
      flagged: 'events',
      message: /ACCESS EXCLUSIVE on events/,
      why: 'PARTITION OF locks the parent',
    },
    { sql: 'DROP INDEX orders_idx;', options: own, message: /on the table of index orders_idx/ },
    {
      sql: "SET lock_timeout = '2s';\nRESET lock_timeout;\nDROP TABLE t;",
      options: own,
      why: 'RESET puts it back to the default',
    },
    {
      sql: "SET LOCAL lock_timeout = '2s';\nDROP TABLE t;",
      options: { ...own, transactionMode: 'none' },
      why: 'SET LOCAL outside a transaction does nothing',
    },
    {
      sql: 'SELECT 1;\n  DO $$ BEGIN ALTER TABLE orders ADD COLUMN a int; END $$;',
      options: own,
      flagged: 'orders',
      output:
        "SELECT 1;\n  SET lock_timeout = '5s';\n  DO $$ BEGIN ALTER TABLE orders ADD COLUMN a int; END $$;",
      why: 'DO block: the SET goes before the DO statement, indentation kept',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE "tablé" ADD COLUMN a int;',
      options: own,
      flagged: '"tablé"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
