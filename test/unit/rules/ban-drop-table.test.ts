import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-drop-table', {
  valid: [
    { sql: 'CREATE TABLE t (a int);\nDROP TABLE t;', why: 'table created earlier in the same file' },
    {
      sql: 'CREATE TABLE s.t (a int);\nDROP TABLE IF EXISTS s.t;',
      why: 'IF EXISTS of a table created in the file',
    },
    {
      sql: 'CREATE TABLE t AS SELECT 1 AS a;\nDROP TABLE t;',
      why: 'CREATE TABLE AS counts as created in the file',
    },
    'DROP VIEW v;',
    'DROP INDEX CONCURRENTLY IF EXISTS i;',
    {
      sql: '-- pgshift-ignore ban-drop-table: unused since 2024\nDROP TABLE audit_log;',
      why: 'suppressed with a reason',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE t $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'DROP TABLE audit_log;',
      count: 1,
      message:
        /^DROP TABLE audit_log deletes the table with all its rows and breaks every running app version/,
      flagged: 'audit_log',
    },
    {
      sql: 'CREATE TABLE t (a int);\nDROP TABLE t, app."Old";',
      count: 1,
      flagged: 'app."Old"',
      why: 'only the existing table of a list',
    },
    { sql: 'DROP TABLE IF EXISTS a, b CASCADE;', count: 2, why: 'one finding per table' },
    { sql: 'CREATE TABLE s.t (a int);\nDROP TABLE other.t;', why: 'same name in another schema is not new' },
    {
      sql: 'DROP TABLE t;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN DROP TABLE audit_log; END $$;',
      flagged: 'audit_log',
      why: 'SQL inside a DO block runs at migration time',
    },
    { sql: 'SELECT 1;\nDROP TABLE données;', flagged: 'données', why: 'non-ASCII identifiers: byte ranges' },
  ],
});
