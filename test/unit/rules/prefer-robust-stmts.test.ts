import { ruleCases } from '../helpers/rule-cases';

const NO_TX = '-- pgshift:no-transaction\n';

ruleCases('prefer-robust-stmts', {
  valid: [
    {
      sql: 'CREATE TABLE t (a int);\nDROP TABLE old;\nALTER TABLE u ADD COLUMN b int;',
      why: 'inside the runner transaction a failure rolls everything back',
    },
    {
      sql: `${NO_TX}CREATE TABLE IF NOT EXISTS t (a int);\nDROP TABLE IF EXISTS old;\nALTER TABLE u ADD COLUMN IF NOT EXISTS b int;\nSELECT 1;`,
      why: 'already robust',
    },
    {
      sql: `${NO_TX}SELECT 1;\nDROP INDEX CONCURRENTLY orders_old_idx;`,
      why: 'the last statement leaves nothing behind when it fails',
    },
    {
      sql: `${NO_TX}CREATE TEMP TABLE scratch (a int);\nSELECT 1;`,
      why: 'temporary objects vanish with the session',
    },
    {
      sql: 'BEGIN;\nCREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nCOMMIT;',
      why: 'one explicit transaction for the whole file',
    },
    {
      sql: `${NO_TX}ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;\nSELECT 1;`,
      why: 'ADD CONSTRAINT made re-runnable by a DROP CONSTRAINT IF EXISTS before it',
    },
    { sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);', options: { transactionMode: 'none' } },
  ],
  invalid: [
    {
      sql: `${NO_TX}CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);`,
      count: 1,
      message:
        /^CREATE INDEX CONCURRENTLY orders_user_idx has no IF NOT EXISTS: if the build fails it leaves an INVALID index/,
      flagged: 'CREATE INDEX CONCURRENTLY',
      output: `${NO_TX}CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);`,
    },
    {
      sql: `${NO_TX}CREATE TABLE t (a int);\nSELECT 1;`,
      count: 1,
      message:
        /^CREATE TABLE t has no IF NOT EXISTS: outside a transaction it commits on its own, so if a later statement fails, re-running the migration fails here/,
      output: `${NO_TX}CREATE TABLE IF NOT EXISTS t (a int);\nSELECT 1;`,
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nSELECT 1;',
      options: { transactionMode: 'none' },
      flagged: 'note',
      output: 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;\nSELECT 1;',
      why: 'transactionMode none',
    },
    {
      sql: `${NO_TX}ALTER TABLE orders DROP COLUMN "Ñote", DROP legacy, DROP CONSTRAINT orders_chk;\nSELECT 1;`,
      count: 3,
      flagged: '"Ñote"',
      output: `${NO_TX}ALTER TABLE orders DROP COLUMN IF EXISTS "Ñote", DROP legacy, DROP CONSTRAINT orders_chk;\nSELECT 1;`,
      why: 'each subcommand; non-ASCII names: byte ranges',
    },
    {
      sql: `${NO_TX}DROP INDEX CONCURRENTLY orders_old_idx;\nSELECT 1;`,
      message: /^DROP INDEX CONCURRENTLY orders_old_idx has no IF EXISTS/,
      output: `${NO_TX}DROP INDEX CONCURRENTLY IF EXISTS orders_old_idx;\nSELECT 1;`,
    },
    {
      sql: `${NO_TX}DROP MATERIALIZED VIEW mv;\nDROP TRIGGER trg ON orders;\nSELECT 1;`,
      count: 2,
      output: `${NO_TX}DROP MATERIALIZED VIEW IF EXISTS mv;\nDROP TRIGGER trg ON orders;\nSELECT 1;`,
    },
    {
      sql: `${NO_TX}CREATE VIEW v AS SELECT 1;\nSELECT 1;`,
      message: /has no OR REPLACE/,
      output: `${NO_TX}CREATE OR REPLACE VIEW v AS SELECT 1;\nSELECT 1;`,
      why: 'OR REPLACE is offered as a suggestion',
    },
    {
      sql: `${NO_TX}CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nSELECT 1;`,
      options: { postgresVersion: 13 },
      message: /has no DROP TRIGGER IF EXISTS before it/,
      why: 'no CREATE OR REPLACE TRIGGER before PostgreSQL 14',
    },
    {
      sql: `${NO_TX}ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;`,
      count: 1,
      message: /ADD CONSTRAINT orders_user_fk has no matching DROP CONSTRAINT IF EXISTS before it/,
      flagged: 'CONSTRAINT',
    },
    {
      sql: 'BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);',
      count: 1,
      message:
        /^CREATE TABLE t has no IF NOT EXISTS: its transaction commits before the rest of the file runs/,
      why: 'an explicit transaction that commits before later statements',
    },
    {
      sql: `${NO_TX}DO $$ BEGIN CREATE TABLE t (a int); END $$;\nSELECT 1;`,
      flagged: 'CREATE TABLE',
      output: `${NO_TX}DO $$ BEGIN CREATE TABLE IF NOT EXISTS t (a int); END $$;\nSELECT 1;`,
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: `${NO_TX}CREATE INDEX CONCURRENTLY ON t (a);`,
      message: /has no IF NOT EXISTS/,
      why: 'unnamed index: flagged, no fix',
    },
  ],
});
