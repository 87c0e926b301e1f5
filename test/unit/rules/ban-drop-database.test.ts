import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-drop-database', {
  valid: [
    'DROP SCHEMA legacy;',
    {
      sql: "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP DATABASE x'; END $$;",
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE keep (id int);\nDROP DATABASE legacy_reports;',
      count: 1,
      message:
        /^DROP DATABASE legacy_reports deletes the whole database with every table and row in it, and fails here because it cannot run inside a transaction block$/,
      flagged: 'legacy_reports',
      why: 'with another statement the file runs in a transaction',
    },
    {
      sql: 'DROP DATABASE legacy_reports;',
      count: 1,
      message: /^DROP DATABASE legacy_reports deletes the whole database with every table and row in it$/,
      why: 'alone in its file it runs outside a transaction by itself (and deletes everything)',
    },
    {
      sql: '-- pgshift:no-transaction\nDROP DATABASE IF EXISTS "Legacy" WITH (FORCE);',
      message: /^DROP DATABASE Legacy deletes the whole database with every table and row in it$/,
      flagged: '"Legacy"',
      why: 'outside a transaction it runs (and deletes everything)',
    },
    {
      sql: 'DROP DATABASE x;',
      options: { transactionMode: 'none' },
      message: /row in it$/,
      why: 'runner does not wrap',
    },
    { sql: 'SELECT 1;\nDROP DATABASE café;', flagged: 'café', why: 'non-ASCII identifiers: byte ranges' },
  ],
});
