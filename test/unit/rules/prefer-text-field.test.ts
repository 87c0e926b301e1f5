import { ruleCases } from '../helpers/rule-cases';

ruleCases('prefer-text-field', {
  valid: [
    'CREATE TABLE users (email text CHECK (char_length(email) <= 255));',
    {
      sql: 'CREATE TABLE users (email varchar, nick character varying);',
      why: 'varchar without a length is text',
    },
    { sql: 'CREATE TABLE users (email other.varchar(20));', why: 'a user type in another schema' },
    { sql: "SELECT 'x'::varchar(10);", why: 'casts are not column types' },
    {
      sql: 'CREATE TEMP TABLE scratch (email varchar(255));',
      why: 'temporary tables vanish with the session',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TABLE x (a varchar(10)) $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE users (id bigint, email varchar(255) NOT NULL);',
      count: 1,
      message:
        /^column users\.email is varchar\(255\): changing the limit later takes ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock/,
      flagged: 'varchar(255)',
      output: 'CREATE TABLE users (id bigint, email text NOT NULL);',
    },
    {
      sql: 'ALTER TABLE users ADD COLUMN nick CHARACTER VARYING (40);',
      flagged: 'CHARACTER VARYING (40)',
      output: 'ALTER TABLE users ADD COLUMN nick text;',
    },
    {
      sql: 'CREATE TABLE users (a int);\nALTER TABLE users ALTER COLUMN a TYPE pg_catalog.varchar(10)[];',
      output: 'CREATE TABLE users (a int);\nALTER TABLE users ALTER COLUMN a TYPE text[];',
      why: 'new tables too; qualified name and array bounds',
    },
    {
      sql: 'CREATE TABLE t (a char varying(3), b national character varying(4), c "varchar"(5));',
      count: 3,
      flagged: 'char varying(3)',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE t ADD COLUMN c varchar(3); END $$;',
      flagged: 'varchar(3)',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'CREATE TABLE utilisateurs (prénom varchar(50));',
      flagged: 'varchar(50)',
      output: 'CREATE TABLE utilisateurs (prénom text);',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
