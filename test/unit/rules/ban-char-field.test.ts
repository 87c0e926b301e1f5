import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-char-field', {
  valid: [
    'CREATE TABLE countries (code text, name varchar(100), other character varying);',
    {
      sql: 'CREATE TABLE flags (kind "char", k2 pg_catalog.char);',
      why: 'the internal single-byte "char" type is not char(n)',
    },
    { sql: "SELECT 'ab'::char(3);", why: 'casts are not column types' },
    { sql: 'CREATE TEMP TABLE scratch (code char(2));', why: 'temporary tables vanish with the session' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TABLE x (c char(2)) $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE countries (code char(2) PRIMARY KEY);',
      count: 1,
      message: /^column countries\.code is char\(2\): values are padded with spaces/,
      flagged: 'char(2)',
      output: 'CREATE TABLE countries (code text PRIMARY KEY);',
    },
    {
      sql: 'ALTER TABLE accounts ADD COLUMN status CHARACTER;',
      message: /is char\(1\) \(char without a length means char\(1\)\)/,
      flagged: 'CHARACTER',
      output: 'ALTER TABLE accounts ADD COLUMN status text;',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE national character (10)[];',
      flagged: 'national character (10)',
      output: 'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE text[];',
      why: 'new tables too; national character and array bounds',
    },
    {
      sql: 'CREATE TABLE t (a bpchar, b nchar(3), c pg_catalog.bpchar(4));',
      count: 3,
      flagged: 'bpchar',
      message: /is (bpchar|char\(\d\))/,
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE t ADD COLUMN c char(3); END $$;',
      flagged: 'char(3)',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'CREATE TABLE pays (código char(3));',
      flagged: 'char(3)',
      output: 'CREATE TABLE pays (código text);',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
