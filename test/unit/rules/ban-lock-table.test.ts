import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-lock-table', {
  valid: [
    { sql: 'LOCK TABLE orders IN ACCESS SHARE MODE;', why: 'ACCESS SHARE blocks neither reads nor writes' },
    { sql: 'LOCK TABLE orders IN ROW EXCLUSIVE MODE;', why: 'ROW EXCLUSIVE blocks neither reads nor writes' },
    {
      sql: 'LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;',
      why: 'blocks only schema changes and VACUUM',
    },
    { sql: 'CREATE TABLE t (a int);\nLOCK TABLE t;', why: 'table created earlier in the same file' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ LOCK TABLE t $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: 'LOCK TABLE orders;',
      count: 1,
      message:
        /^LOCK TABLE orders takes ACCESS EXCLUSIVE until the transaction ends: reads and writes of orders wait/,
      flagged: 'orders',
    },
    {
      sql: 'LOCK orders, app.items IN SHARE MODE;',
      message: /takes SHARE until the transaction ends: writes of these tables wait/,
    },
    { sql: 'LOCK TABLE orders IN EXCLUSIVE MODE NOWAIT;', message: /EXCLUSIVE/ },
    {
      sql: 'CREATE TABLE t (a int);\nLOCK TABLE t, orders;',
      flagged: 'orders',
      message: /^LOCK TABLE orders takes/,
      why: 'only the existing tables',
    },
    {
      sql: '-- pgshift:no-transaction\nLOCK TABLE orders IN ACCESS SHARE MODE;',
      message: /can only be used in transaction blocks/,
      why: 'outside a transaction LOCK fails, in any mode',
    },
    {
      sql: 'DO $$ BEGIN LOCK TABLE orders; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block is linted',
    },
    { sql: 'SELECT 1;\nLOCK TABLE "tablé";', flagged: '"tablé"', why: 'non-ASCII identifiers: byte ranges' },
  ],
});
