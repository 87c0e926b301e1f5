import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-drop-column', {
  valid: [
    {
      sql: 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders DROP COLUMN note;',
      why: 'column added earlier in the same file',
    },
    {
      sql: 'ALTER TABLE s.orders ADD COLUMN note text;\nALTER TABLE orders DROP note;',
      why: 'added to the qualified table, dropped unqualified',
    },
    { sql: 'ALTER TYPE address DROP ATTRIBUTE zip;', why: 'a composite type attribute holds no table data' },
    {
      sql: '-- pgshift-ignore ban-drop-column: no release uses it\nALTER TABLE orders DROP COLUMN total;',
      why: 'suppressed with a reason',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t DROP COLUMN a; END $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders DROP COLUMN total;',
      count: 1,
      message: /^DROP COLUMN total deletes the data of orders\.total and breaks every running app version/,
      flagged: 'total',
    },
    {
      sql: 'ALTER TABLE IF EXISTS app.orders DROP COLUMN IF EXISTS "Total", DROP note CASCADE;',
      count: 2,
      flagged: '"Total"',
      why: 'several columns, quoted names, IF EXISTS',
    },
    { sql: 'ALTER TABLE orders DROP COLUMN NOTE;', flagged: 'NOTE', why: 'bare identifiers are case-folded' },
    {
      sql: 'ALTER TABLE orders DROP COLUMN a;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'CREATE TABLE s.t (a int);\nALTER TABLE other.t DROP COLUMN a;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders DROP COLUMN total; END $$;',
      flagged: 'total',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é DROP COLUMN ü;',
      flagged: 'ü',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
