import { ruleCases } from '../helpers/rule-cases';

ruleCases('renaming-schema', {
  valid: [
    { sql: 'CREATE SCHEMA s;\nALTER SCHEMA s RENAME TO t;', why: 'schema created earlier in the same file' },
    'ALTER TABLE s.t RENAME TO u;',
    'ALTER SCHEMA billing OWNER TO admin;',
  ],
  invalid: [
    {
      sql: 'ALTER SCHEMA billing RENAME TO invoicing;',
      count: 1,
      message:
        /^ALTER SCHEMA billing RENAME TO invoicing breaks every running app version, query and search_path setting that names billing$/,
      flagged: 'billing',
    },
    {
      sql: 'CREATE SCHEMA IF NOT EXISTS s;\nALTER SCHEMA "S" RENAME TO t;',
      flagged: '"S"',
      why: 'IF NOT EXISTS may have found an existing schema',
    },
    {
      sql: 'ALTER SCHEMA s RENAME TO t;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN ALTER SCHEMA s RENAME TO t; END $$;',
      flagged: 's',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER SCHEMA bücher RENAME TO books;',
      flagged: 'bücher',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
