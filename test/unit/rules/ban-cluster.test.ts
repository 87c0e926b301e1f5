import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('ban-cluster', {
  valid: [
    { sql: 'ALTER TABLE orders CLUSTER ON orders_created_idx;', why: 'only records the index' },
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nCLUSTER t USING t_a;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CLUSTER t $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: 'CLUSTER orders USING orders_created_idx;',
      count: 1,
      message:
        /^CLUSTER orders rewrites orders in index order under an ACCESS EXCLUSIVE lock: reads and writes wait/,
      flagged: 'orders',
    },
    { sql: 'CLUSTER VERBOSE app.orders;', flagged: 'app.orders' },
    {
      sql: '-- pgshift:no-transaction\nCLUSTER;',
      message: /every table that was clustered before/,
      flagged: 'CLUSTER',
    },
    { sql: 'CREATE TABLE s.t (a int);\nCLUSTER other.t;', why: 'same name in another schema is not new' },
    { sql: 'DO $$ BEGIN CLUSTER orders; END $$;', flagged: 'orders', why: 'SQL inside a DO block is linted' },
    {
      sql: 'SELECT 1;\nCLUSTER "tablé" USING i;',
      flagged: '"tablé"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule ban-cluster: version notes', () => {
  it('names REPACK (CONCURRENTLY) ... USING INDEX on PostgreSQL 19', async () => {
    const [f] = await findingsOf('ban-cluster', 'CLUSTER orders USING orders_pkey;', { postgresVersion: 19 });
    assert.match(f.help, /REPACK \(CONCURRENTLY\) orders USING INDEX orders_pkey;/);
  });
});
