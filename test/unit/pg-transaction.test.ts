import { strict as assert } from 'node:assert';
import {
  MAY_REFUSE_TRANSACTION,
  onlyRefusedInTransaction,
  transactionRule,
} from '../../src/core/pg/transaction';
import { loadParser } from '../../src/core/sql/parser';

// One of each kind transactionRule() refuses; the prefilter the runner and status use before parsing
// must let every one of them through, or a file of them would be run in a transaction after all.
const REFUSED = [
  'CREATE INDEX CONCURRENTLY i ON t (a)',
  'CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)',
  'DROP INDEX CONCURRENTLY i',
  'REINDEX TABLE CONCURRENTLY t',
  'REINDEX SCHEMA app',
  'REINDEX DATABASE app',
  'REINDEX SYSTEM app',
  'VACUUM t',
  'VACUUM (ANALYZE) t',
  'CLUSTER',
  'ALTER TABLE t DETACH PARTITION p CONCURRENTLY',
  'CREATE DATABASE d',
  'DROP DATABASE d',
  "CREATE TABLESPACE s LOCATION '/x'",
  'DROP TABLESPACE s',
  "ALTER SYSTEM SET work_mem = '64MB'",
  'DISCARD ALL',
  'ALTER DATABASE d SET TABLESPACE s',
];

async function rules(sql: string): Promise<ReturnType<typeof transactionRule>[]> {
  const parsed = (await loadParser()).parse(sql);
  assert.ok(parsed.ok, sql);
  return parsed.statements.map((s) => transactionRule(s.node));
}

describe('pg: statements refused in a transaction', () => {
  for (const sql of REFUSED) {
    it(`${sql}: refused, and its words pass the prefilter`, async () => {
      const [rule] = await rules(sql);
      assert.equal(rule.kind, 'no-transaction');
      assert.match(sql, MAY_REFUSE_TRANSACTION);
    });
  }

  it('a file of nothing but them runs outside a transaction; any other statement keeps it in one', async () => {
    const only = await rules(
      'CREATE INDEX CONCURRENTLY a ON t (x); CREATE INDEX CONCURRENTLY b ON t (y); VACUUM t',
    );
    assert.deepEqual(
      onlyRefusedInTransaction(only, (r) => r),
      ['CREATE INDEX CONCURRENTLY', 'VACUUM'],
    );
    const mixed = await rules('SELECT 1; CREATE INDEX CONCURRENTLY a ON t (x)');
    assert.equal(
      onlyRefusedInTransaction(mixed, (r) => r),
      undefined,
    );
    assert.equal(
      onlyRefusedInTransaction([], (r) => r),
      undefined,
    );
  });
});
