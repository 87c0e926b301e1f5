import { ruleCases } from '../helpers/rule-cases';

ruleCases('renaming-column', {
  valid: [
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE VIEW v AS SELECT 1 AS a;\nALTER VIEW v RENAME COLUMN a TO b;',
      why: 'view created earlier in the same file',
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME nick TO handle;',
      why: 'column added earlier in the same file',
    },
    {
      sql: 'ALTER TYPE address RENAME ATTRIBUTE zip TO postcode;',
      why: 'a composite type attribute is not a table column',
    },
    'ALTER TABLE users RENAME CONSTRAINT c1 TO c2;',
    {
      sql: '-- pgshift-ignore renaming-column: app is stopped during migrations\nALTER TABLE users RENAME mail TO email;',
      why: 'suppressed with a reason',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE users RENAME COLUMN mail TO email;',
      count: 1,
      message: /^RENAME COLUMN users\.mail TO email breaks every running app version that still uses mail$/,
      flagged: 'mail',
    },
    {
      sql: 'ALTER TABLE ONLY app.users RENAME "Mail" TO mail;',
      flagged: '"Mail"',
      why: 'quoted name, no COLUMN keyword',
    },
    {
      sql: 'ALTER MATERIALIZED VIEW totals RENAME sum TO total;',
      why: 'materialized view columns are read by clients too',
    },
    {
      sql: 'CREATE TABLE s.t (a int);\nALTER TABLE other.t RENAME a TO b;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'ALTER TABLE t RENAME a TO b;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE users RENAME mail TO email; END $$;',
      flagged: 'mail',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE t RENAME COLUMN straße TO street;',
      flagged: 'straße',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
