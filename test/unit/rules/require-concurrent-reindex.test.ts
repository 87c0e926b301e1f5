import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('require-concurrent-reindex', {
  valid: [
    '-- pgshift:no-transaction\nREINDEX INDEX CONCURRENTLY orders_user_idx;',
    '-- pgshift:no-transaction\nREINDEX (CONCURRENTLY) TABLE orders;',
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nREINDEX TABLE t;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE INDEX t_a ON orders (a);\nREINDEX INDEX t_a;',
      why: 'index created earlier in the same file',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ REINDEX TABLE t $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'REINDEX INDEX orders_user_idx;',
      count: 1,
      message:
        /^REINDEX INDEX orders_user_idx without CONCURRENTLY blocks writes to its table and takes ACCESS EXCLUSIVE on orders_user_idx/,
      flagged: 'orders_user_idx',
      output: '-- pgshift:no-transaction\nREINDEX INDEX CONCURRENTLY orders_user_idx;',
    },
    {
      sql: 'REINDEX (VERBOSE) TABLE app.orders;',
      message: /REINDEX TABLE app\.orders without CONCURRENTLY blocks writes to app\.orders/,
      flagged: 'app.orders',
      output: '-- pgshift:no-transaction\nREINDEX (VERBOSE) TABLE CONCURRENTLY app.orders;',
    },
    {
      sql: 'REINDEX SCHEMA public;',
      flagged: 'SCHEMA public',
      message: /rebuilds every index of the schema/,
    },
    { sql: 'REINDEX DATABASE app;', flagged: 'DATABASE app' },
    { sql: 'REINDEX (CONCURRENTLY false) TABLE orders;', why: 'CONCURRENTLY false is not concurrent' },
    {
      sql: 'REINDEX TABLE orders;',
      options: { transactionMode: 'none' },
      output: 'REINDEX TABLE CONCURRENTLY orders;',
      why: 'runner without transactions: no directive needed',
    },
    {
      sql: 'REINDEX TABLE orders;',
      options: { postgresVersion: 11 },
      why: 'PostgreSQL 11: flagged, help shows the create/drop/rename swap',
    },
    {
      sql: 'CREATE INDEX i ON t (a);\nREINDEX INDEX other.i;',
      why: 'same index name in another schema was not created here',
    },
    {
      sql: 'DO $$ BEGIN REINDEX TABLE orders; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nREINDEX TABLE "tablé";',
      flagged: '"tablé"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule require-concurrent-reindex: version and context', () => {
  it('PostgreSQL 11 has no REINDEX CONCURRENTLY: no suggestion, help shows the swap', async () => {
    const [f] = await findingsOf('require-concurrent-reindex', 'REINDEX TABLE orders;', {
      postgresVersion: 11,
    });
    assert.equal(f.suggestions, undefined);
    assert.match(
      f.help,
      /CREATE INDEX CONCURRENTLY new_idx[\s\S]*DROP INDEX CONCURRENTLY old_idx[\s\S]*RENAME TO old_idx/,
    );
  });
  for (const sql of [
    'REINDEX SYSTEM app;',
    'BEGIN;\nREINDEX TABLE t;\nCOMMIT;',
    'DO $$ BEGIN REINDEX TABLE t; END $$;',
  ]) {
    it(`no suggestion: ${sql.replace(/\n/g, ' ')}`, async () => {
      const [f] = await findingsOf('require-concurrent-reindex', sql);
      assert.ok(f, 'expected a finding');
      assert.equal(f.suggestions, undefined);
    });
  }
});
