import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('concurrently-in-transaction', {
  valid: [
    '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY i ON orders (a);',
    '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY i;\nVACUUM orders;',
    ...[
      'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
      'DROP INDEX CONCURRENTLY i;',
      'REINDEX TABLE CONCURRENTLY t;',
      'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
      'VACUUM orders;',
      'CREATE DATABASE analytics;',
      '-- two of them, nothing else\nCREATE INDEX CONCURRENTLY a_i ON a (x);\nCREATE INDEX CONCURRENTLY b_i ON b (x);',
    ].map((sql) => ({
      sql,
      why: 'only statements refused in a transaction: the file runs outside one by itself, as Flyway runs it',
    })),
    {
      sql: 'CREATE INDEX CONCURRENTLY i ON orders (a);',
      options: { transactionMode: 'none' },
      why: 'runner without transactions',
    },
    {
      sql: 'CREATE INDEX i ON orders (a);\nREINDEX TABLE orders;\nANALYZE orders;',
      why: 'plain forms run fine in a transaction',
    },
    { sql: 'CLUSTER orders USING orders_pkey;', why: 'CLUSTER of one table may run in a transaction' },
    { sql: "ALTER TYPE mood ADD VALUE 'ok';", why: 'PostgreSQL 12+ allows ADD VALUE in a transaction' },
    {
      sql: "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';",
      options: { postgresVersion: 11 },
      why: 'PostgreSQL 11: an enum created in the same transaction may get values',
    },
    '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;',
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ VACUUM t $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: 'CREATE TABLE audit (id int);\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
      count: 1,
      message:
        /^CREATE INDEX CONCURRENTLY fails here with "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" \(SQLSTATE 25001\): the runner wraps this file in a transaction because it holds other statements too/,
      flagged: 'CONCURRENTLY',
      output:
        '-- pgshift:no-transaction\nCREATE TABLE audit (id int);\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
    },
    {
      sql: 'SELECT 1;\nDROP INDEX CONCURRENTLY i;',
      message: /^DROP INDEX CONCURRENTLY fails/,
      flagged: 'CONCURRENTLY',
    },
    { sql: 'ANALYZE t;\nREINDEX TABLE CONCURRENTLY t;', message: /^REINDEX CONCURRENTLY fails/ },
    { sql: 'ANALYZE t;\nREINDEX (CONCURRENTLY) INDEX i;', message: /^REINDEX CONCURRENTLY fails/ },
    { sql: 'ANALYZE t;\nREINDEX SCHEMA app;', message: /^REINDEX SCHEMA fails/, flagged: 'SCHEMA' },
    {
      sql: 'CREATE TABLE events_2021 (id int);\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
      message: /^ALTER TABLE \.\.\. DETACH CONCURRENTLY fails/,
    },
    { sql: 'DELETE FROM orders WHERE id < 0;\nVACUUM orders;', message: /^VACUUM fails/, flagged: 'VACUUM' },
    { sql: 'ANALYZE t;\nVACUUM (ANALYZE) orders;', message: /^VACUUM fails/ },
    { sql: 'ANALYZE t;\nCLUSTER;', message: /^CLUSTER fails/ },
    { sql: 'SELECT 1;\nCREATE DATABASE analytics;', flagged: 'CREATE DATABASE' },
    { sql: "SELECT 1;\nALTER SYSTEM SET work_mem = '64MB';", flagged: 'ALTER SYSTEM' },
    {
      sql: 'SELECT 1;\nALTER DATABASE app SET TABLESPACE fast;',
      message: /^ALTER DATABASE SET TABLESPACE fails/,
    },
    {
      sql: "ALTER TYPE mood ADD VALUE 'ok';",
      options: { postgresVersion: 11 },
      flagged: 'ADD VALUE',
      why: 'PostgreSQL 11 refuses ADD VALUE in a transaction',
    },
    {
      sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;',
      options: { transactionMode: 'none' },
      message: /it runs between BEGIN and COMMIT/,
      why: 'explicit transaction block',
    },
    {
      sql: 'DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON t (a); END $$;',
      message: /cannot run inside a transaction block.*DO block/,
      flagged: 'CONCURRENTLY',
      why: "DO block in the runner's transaction",
    },
    {
      sql: '-- pgshift:no-transaction\nDO $$ BEGIN VACUUM t; END $$;',
      message: /^VACUUM fails here with "VACUUM cannot be executed from a function"/,
      why: 'DO block outside a transaction is still a function',
    },
    {
      sql: 'SELECT 1;\nCREATE INDEX CONCURRENTLY é ON "tablé" (a);',
      flagged: 'CONCURRENTLY',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule concurrently-in-transaction: the directive is offered only where it helps', () => {
  for (const sql of ['BEGIN;\nVACUUM t;\nCOMMIT;', 'DO $$ BEGIN VACUUM t; END $$;']) {
    it(`no suggestion: ${sql.replace(/\n/g, ' ')}`, async () => {
      const [f] = await findingsOf('concurrently-in-transaction', sql);
      assert.ok(f, 'expected a finding');
      assert.equal(f.suggestions, undefined);
      assert.match(f.help, /Move the statement out/);
    });
  }
});
