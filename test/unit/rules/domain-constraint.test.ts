import { ruleCases } from '../helpers/rule-cases';

ruleCases('domain-constraint', {
  valid: [
    'ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID;',
    {
      sql: 'ALTER DOMAIN amount VALIDATE CONSTRAINT amount_positive;',
      why: 'validation is the planned step (its lock is explained in the doc)',
    },
    { sql: 'ALTER DOMAIN amount DROP NOT NULL;', why: 'relaxing a domain checks nothing' },
    {
      sql: 'CREATE DOMAIN amount AS numeric;\nALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0);',
      why: 'domain created earlier in the same file',
    },
    { sql: 'CREATE DOMAIN amount AS numeric CHECK (VALUE > 0);', why: 'a new domain has no existing values' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER DOMAIN amount SET NOT NULL $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0);',
      count: 1,
      message:
        /ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK without NOT VALID checks every existing value of the domain, holding a SHARE lock on each table that uses it: writes to those tables wait/,
      flagged: 'CONSTRAINT',
      output: 'ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID;',
    },
    {
      sql: 'ALTER DOMAIN public.amount ADD CHECK (VALUE > 0);',
      message: /ALTER DOMAIN public.amount ADD CONSTRAINT CHECK/,
    },
    {
      sql: 'ALTER DOMAIN amount SET NOT NULL;',
      message: /ALTER DOMAIN amount SET NOT NULL checks every existing value/,
    },
    { sql: 'ALTER DOMAIN amount ADD NOT NULL;', options: { postgresVersion: 18 }, message: /ADD NOT NULL/ },
    {
      sql: '-- pgshift:no-transaction\nALTER DOMAIN amount ADD CHECK (VALUE > 0);',
      why: 'any transaction mode',
    },
    {
      sql: 'DO $$ BEGIN ALTER DOMAIN amount ADD CHECK (VALUE > 0); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: "SELECT 1;\nALTER DOMAIN é ADD CONSTRAINT ü CHECK (VALUE <> 'ç');",
      flagged: 'CONSTRAINT',
      output: "SELECT 1;\nALTER DOMAIN é ADD CONSTRAINT ü CHECK (VALUE <> 'ç') NOT VALID;",
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
