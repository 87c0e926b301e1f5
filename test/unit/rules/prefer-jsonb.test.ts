import { ruleCases } from '../helpers/rule-cases';

ruleCases('prefer-jsonb', {
  valid: [
    'CREATE TABLE events (payload jsonb);',
    'ALTER TABLE events ADD COLUMN payload jsonb;',
    { sql: 'CREATE TABLE events (payload myschema.json);', why: 'a user type named json in another schema' },
    { sql: "SELECT '{}'::json;", why: 'casts are not column types' },
    { sql: 'CREATE TEMP TABLE scratch (payload json);', why: 'temporary tables vanish with the session' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TABLE x (a json) $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE events (id bigint, payload json NOT NULL);',
      count: 1,
      message: /column events\.payload is json: .*no equality operator/,
      flagged: 'json',
      output: 'CREATE TABLE events (id bigint, payload jsonb NOT NULL);',
    },
    {
      sql: 'CREATE TABLE events (a int);\nALTER TABLE events ADD COLUMN b json;',
      why: 'new tables too: the type is what matters, not the lock',
      output: 'CREATE TABLE events (a int);\nALTER TABLE events ADD COLUMN b jsonb;',
    },
    {
      sql: 'ALTER TABLE events ALTER COLUMN payload SET DATA TYPE pg_catalog.json USING payload::json;',
      flagged: 'pg_catalog.json',
      output: 'ALTER TABLE events ALTER COLUMN payload SET DATA TYPE jsonb USING payload::json;',
    },
    {
      sql: 'CREATE TABLE t (tags JSON[]);',
      flagged: 'JSON',
      output: 'CREATE TABLE t (tags jsonb[]);',
      why: 'arrays keep their brackets',
    },
    { sql: 'CREATE TABLE t (a "json", b json);', count: 2, flagged: '"json"' },
    {
      sql: 'DO $$ BEGIN ALTER TABLE t ADD COLUMN c json; END $$;',
      flagged: 'json',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'CREATE TABLE é (ü json);',
      flagged: 'json',
      output: 'CREATE TABLE é (ü jsonb);',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
