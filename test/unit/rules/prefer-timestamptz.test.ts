import { ruleCases } from '../helpers/rule-cases';

ruleCases('prefer-timestamptz', {
  valid: [
    'CREATE TABLE events (created_at timestamptz, updated_at timestamp with time zone, at_time time);',
    'ALTER TABLE events ALTER COLUMN created_at TYPE timestamptz;',
    { sql: 'CREATE TABLE t (a legacy.timestamp);', why: 'a user type in another schema' },
    { sql: "SELECT '2020-01-01'::timestamp;", why: 'casts are not column types' },
    { sql: 'CREATE TEMP TABLE scratch (at timestamp);', why: 'temporary tables vanish with the session' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TABLE x (at timestamp) $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE events (id bigint, created_at timestamp NOT NULL DEFAULT now());',
      count: 1,
      message: /^column events\.created_at is timestamp without time zone: it stores no UTC offset/,
      flagged: 'timestamp',
      output: 'CREATE TABLE events (id bigint, created_at timestamptz NOT NULL DEFAULT now());',
    },
    {
      sql: 'ALTER TABLE events ADD COLUMN done_at TIMESTAMP(6) WITHOUT TIME ZONE;',
      flagged: 'TIMESTAMP(6) WITHOUT TIME ZONE',
      output: 'ALTER TABLE events ADD COLUMN done_at timestamptz(6);',
    },
    {
      sql: 'CREATE TABLE events (a int);\nALTER TABLE events ALTER COLUMN a TYPE pg_catalog.timestamp (3) [] USING NULL;',
      output:
        'CREATE TABLE events (a int);\nALTER TABLE events ALTER COLUMN a TYPE timestamptz(3) [] USING NULL;',
      why: 'new tables too; qualified name, precision and array bounds',
    },
    {
      sql: 'CREATE TABLE t (a "timestamp", b timestamp without time zone);',
      count: 2,
      flagged: '"timestamp"',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE t ADD COLUMN at timestamp; END $$;',
      flagged: 'timestamp',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'CREATE TABLE événements (créé timestamp);',
      flagged: 'timestamp',
      output: 'CREATE TABLE événements (créé timestamptz);',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
