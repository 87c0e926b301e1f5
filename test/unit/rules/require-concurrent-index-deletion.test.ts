import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('require-concurrent-index-deletion', {
  valid: [
    '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;',
    {
      sql: 'CREATE INDEX t_a ON orders (a);\nDROP INDEX t_a;',
      why: 'index created earlier in the same file',
    },
    {
      sql: 'CREATE INDEX t_a ON s.orders (a);\nDROP INDEX s.t_a;',
      why: 'schema-qualified index created in the file',
    },
    'DROP TABLE t;',
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP INDEX i $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'DROP INDEX orders_user_idx;',
      count: 1,
      message:
        /^DROP INDEX orders_user_idx without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: reads and writes/,
      flagged: 'orders_user_idx',
      output: '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY orders_user_idx;',
    },
    {
      sql: 'DROP INDEX IF EXISTS app."Orders_idx" RESTRICT;',
      flagged: 'app."Orders_idx"',
      output: '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS app."Orders_idx" RESTRICT;',
    },
    {
      sql: 'CREATE INDEX a ON t (x);\nDROP INDEX IF EXISTS a, b;',
      count: 1,
      flagged: 'b',
      output:
        '-- pgshift:no-transaction\nCREATE INDEX a ON t (x);\nDROP INDEX CONCURRENTLY IF EXISTS a;\nDROP INDEX CONCURRENTLY IF EXISTS b;',
      why: 'a list: the first index not created in the file; one concurrent statement per index',
    },
    {
      sql: '-- pgshift:no-transaction\nDROP INDEX i;',
      output: '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY i;',
      why: 'already outside a transaction: only CONCURRENTLY is added',
    },
    {
      sql: 'DROP INDEX i;',
      options: { transactionMode: 'none' },
      output: 'DROP INDEX CONCURRENTLY i;',
      why: 'runner without transactions',
    },
    {
      sql: 'CREATE INDEX i ON s.t (a);\nDROP INDEX other.i;',
      why: 'same name in another schema was not created here',
    },
    { sql: 'DROP INDEX i CASCADE;', why: 'CASCADE: flagged, no suggestion (CONCURRENTLY cannot cascade)' },
    {
      sql: 'BEGIN;\nDROP INDEX i;\nCOMMIT;',
      why: 'explicit transaction block: flagged, no directive can help',
    },
    {
      sql: 'DO $$ BEGIN DROP INDEX old_idx; END $$;',
      flagged: 'old_idx',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nDROP INDEX "índice_é";',
      flagged: '"índice_é"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule require-concurrent-index-deletion: suggestions only where they work', () => {
  for (const sql of [
    'DROP INDEX i CASCADE;',
    'BEGIN;\nDROP INDEX i;\nCOMMIT;',
    'DO $$ BEGIN DROP INDEX i; END $$;',
  ]) {
    it(`no suggestion: ${sql.replace(/\n/g, ' ')}`, async () => {
      const [f] = await findingsOf('require-concurrent-index-deletion', sql);
      assert.ok(f, 'expected a finding');
      assert.equal(f.suggestions, undefined);
    });
  }
});
