import { ruleCases } from '../helpers/rule-cases';

ruleCases('renaming-table', {
  valid: [
    {
      sql: 'ALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;',
      why: 'view trick in the runner transaction',
    },
    {
      sql: '-- pgshift:no-transaction\nBEGIN;\nALTER TABLE app.customers RENAME TO clients;\nCREATE OR REPLACE VIEW app.customers AS SELECT * FROM app.clients;\nCOMMIT;',
      why: 'view trick in an explicit transaction',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE VIEW v AS SELECT 1;\nALTER VIEW v RENAME TO w;',
      why: 'view created earlier in the same file',
    },
    'ALTER INDEX orders_pkey RENAME TO orders_pk;',
    'ALTER SEQUENCE s RENAME TO t;',
    'ALTER TABLE t RENAME COLUMN a TO b;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE customers RENAME TO clients;',
      count: 1,
      message:
        /^ALTER TABLE customers RENAME TO clients breaks every running app version that still queries customers$/,
      flagged: 'customers',
      output: 'ALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;',
    },
    {
      sql: 'ALTER TABLE IF EXISTS app."Order" RENAME TO "user"',
      flagged: 'app."Order"',
      output:
        'ALTER TABLE IF EXISTS app."Order" RENAME TO "user";\nCREATE VIEW app."Order" AS SELECT * FROM app."user";',
      why: 'quoted names in the suggested view, missing semicolon',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE customers RENAME TO clients;\nSELECT 1;',
      output:
        '-- pgshift:no-transaction\nBEGIN;\nALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;\nCOMMIT;\nSELECT 1;',
      why: 'outside a transaction the suggestion wraps rename and view in one',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;',
      count: 1,
      message: /run in separate transactions: queries on customers fail between the two$/,
      why: 'the view comes in a separate transaction',
    },
    {
      sql: 'ALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;',
      options: { transactionMode: 'none' },
      count: 1,
      why: 'the runner does not wrap the file',
    },
    {
      sql: 'ALTER TABLE customers SET SCHEMA archive;',
      message: /^ALTER TABLE customers SET SCHEMA archive breaks every running app version/,
      output:
        'ALTER TABLE customers SET SCHEMA archive;\nCREATE VIEW customers AS SELECT * FROM archive.customers;',
      why: 'moving a table to another schema',
    },
    {
      sql: 'ALTER MATERIALIZED VIEW totals RENAME TO daily_totals;',
      message: /^ALTER MATERIALIZED VIEW totals/,
    },
    {
      sql: 'CREATE TABLE s.t (a int);\nALTER TABLE other.t RENAME TO u;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE customers RENAME TO clients; END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    { sql: 'SELECT 1;\nALTER TABLE kunden RENAME TO clients;', flagged: 'kunden' },
    {
      sql: 'SELECT 1;\nALTER TABLE künden RENAME TO clients;',
      flagged: 'künden',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
