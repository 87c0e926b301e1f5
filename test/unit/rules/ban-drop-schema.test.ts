import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-drop-schema', {
  valid: [
    { sql: 'DROP SCHEMA reporting;', why: 'RESTRICT refuses to drop a non-empty schema' },
    'DROP SCHEMA IF EXISTS reporting RESTRICT;',
    {
      sql: 'CREATE SCHEMA scratch;\nDROP SCHEMA scratch CASCADE;',
      why: 'schema created earlier in the same file',
    },
    {
      sql: 'CREATE SCHEMA AUTHORIZATION bob;\nDROP SCHEMA bob CASCADE;',
      why: 'CREATE SCHEMA AUTHORIZATION names the schema after the role',
    },
    'DROP TABLE t CASCADE;',
  ],
  invalid: [
    {
      sql: 'DROP SCHEMA reporting CASCADE;',
      count: 1,
      message: /^DROP SCHEMA reporting CASCADE deletes every table, view, function and type in reporting/,
      flagged: 'reporting',
    },
    {
      sql: 'CREATE SCHEMA IF NOT EXISTS a;\nDROP SCHEMA IF EXISTS a, "B" CASCADE;',
      count: 2,
      why: 'IF NOT EXISTS may have found an existing schema',
    },
    {
      sql: 'CREATE SCHEMA a;\nDROP SCHEMA a, "B" CASCADE;',
      count: 1,
      flagged: '"B"',
      why: 'only the schema not created in the file',
    },
    {
      sql: 'DROP SCHEMA s CASCADE;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN DROP SCHEMA reporting CASCADE; END $$;',
      flagged: 'reporting',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nDROP SCHEMA übersicht CASCADE;',
      flagged: 'übersicht',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
