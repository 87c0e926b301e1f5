import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-cascade', {
  valid: [
    'DROP TABLE orders;',
    'DROP VIEW v RESTRICT;',
    {
      sql: 'CREATE TABLE t (a int);\nCREATE VIEW v AS SELECT a FROM t;\nDROP TABLE t CASCADE;',
      why: 'table created earlier in the same file',
    },
    {
      sql: "CREATE TYPE st AS ENUM ('a');\nDROP TYPE st CASCADE;",
      why: 'type created earlier in the same file',
    },
    {
      sql: 'CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nDROP FUNCTION s.f() CASCADE;',
      why: 'function created earlier in the same file',
    },
    { sql: 'CREATE VIEW v AS SELECT 1;\nDROP VIEW v CASCADE;', why: 'view created earlier in the same file' },
    {
      sql: 'ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t DROP COLUMN c CASCADE;',
      why: 'column added earlier in the same file',
    },
    { sql: 'DROP SCHEMA s CASCADE;', why: 'reported by ban-drop-schema' },
    { sql: 'DROP TRIGGER tr ON t CASCADE;', why: 'nothing depends on a trigger' },
    { sql: 'TRUNCATE t CASCADE;', why: 'reported by ban-truncate-cascade' },
    {
      sql: 'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u ON DELETE CASCADE;',
      why: 'a foreign key action is not a drop',
    },
  ],
  invalid: [
    {
      sql: 'DROP TABLE orders CASCADE;',
      count: 1,
      message:
        /^DROP TABLE orders CASCADE silently drops every view built on orders and every foreign key that references it from another table$/,
      flagged: 'CASCADE',
    },
    {
      sql: 'CREATE TABLE t (a int);\nDROP TABLE t, s.u CASCADE;',
      message: /^DROP TABLE s\.u CASCADE/,
      why: 'names only the existing tables',
    },
    {
      sql: 'DROP TYPE order_status CASCADE;',
      message: /every table column of type order_status, with its data/,
    },
    { sql: 'DROP FUNCTION f(int) CASCADE;', message: /generated column \(with its data\)/ },
    { sql: 'DROP EXTENSION IF EXISTS postgis CASCADE;', message: /^DROP EXTENSION postgis CASCADE/ },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u ON DELETE CASCADE, DROP COLUMN total CASCADE, DROP CONSTRAINT orders_pkey CASCADE;',
      count: 2,
      message: /^DROP (COLUMN total|CONSTRAINT orders_pkey) CASCADE silently drops/,
      flagged: 'CASCADE',
      why: 'one finding per command, ON DELETE CASCADE skipped',
    },
    {
      sql: 'DROP OWNED BY legacy_app CASCADE;',
      message: /^DROP OWNED BY legacy_app CASCADE drops every object legacy_app owns/,
    },
    {
      sql: 'DROP TABLE t CASCADE;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN DROP VIEW v CASCADE; END $$;',
      flagged: 'CASCADE',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nDROP VIEW übersicht CASCADE;',
      flagged: 'CASCADE',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});
