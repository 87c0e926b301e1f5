import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('backfill-in-transaction', {
  valid: [
    { sql: 'UPDATE orders SET total_cents = total * 100;', why: 'no schema change in the transaction' },
    {
      sql: 'UPDATE orders SET a = 1;\nALTER TABLE orders ALTER COLUMN a SET NOT NULL;',
      why: 'the schema change comes after the backfill',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = 1;',
      options: { transactionMode: 'none' },
      why: 'each statement commits on its own',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = 1;',
      why: 'no-transaction file',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN c int;\n-- pgshift:batch\nUPDATE orders SET c = 1;',
      why: 'a batched backfill: the file runs statement by statement, the ALTER commits first',
    },
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN c int;\nCOMMIT;\nUPDATE orders SET c = 1;',
      why: 'explicit transaction committed before the backfill',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nUPDATE t SET b = a;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX ON t (a);\nUPDATE orders SET c = 1;',
      why: 'the locked table is new',
    },
    {
      sql: 'ALTER TABLE settings ADD COLUMN theme text;\nUPDATE settings SET theme = $$dark$$ WHERE user_id = 42;',
      why: 'aimed at specific rows',
    },
    {
      sql: 'ALTER TABLE s ADD COLUMN c int;\nUPDATE s SET c = 1 WHERE s.id IN (1, 2, 3) AND c IS NULL;',
      why: 'id IN (constants)',
    },
    {
      sql: 'ALTER TABLE s ADD COLUMN c int;\nUPDATE s SET c = 1 WHERE uuid = $1::uuid;',
      why: 'a parameter on an id-like column',
    },
    {
      sql: `ALTER TABLE "Claim" ADD COLUMN n int;\nUPDATE "Claim" SET n = 10 WHERE "subscriptionId" = 'platform' OR "subscriptionId" = 'team';`,
      why: 'a camelCase key, in every arm of an OR',
    },
    {
      sql: 'ALTER TABLE o ADD COLUMN c int;\nUPDATE o SET c = 1 WHERE id IN (SELECT id FROM o WHERE c IS NULL LIMIT 1000);',
      why: 'already batched',
    },
    {
      sql: 'ALTER TABLE o VALIDATE CONSTRAINT o_c_check;\nUPDATE o SET c = 1;',
      why: 'VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and writes continue',
    },
    {
      sql: 'ALTER TABLE o ADD COLUMN c int;\nINSERT INTO o (id) VALUES (1);',
      why: 'INSERT ... VALUES is not a backfill',
    },
    {
      sql: 'ALTER TABLE o ADD COLUMN c int;\nINSERT INTO o SELECT 1, 2;',
      why: 'INSERT ... SELECT without FROM',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = 1;',
      output: 'ALTER TABLE orders ADD COLUMN c int;\n-- pgshift:batch\nUPDATE orders SET c = 1;',
      why: 'the quick fix puts the batch directive before the backfill',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN total_cents bigint;\nUPDATE orders SET total_cents = total * 100;',
      count: 1,
      message:
        /^UPDATE orders runs in the same transaction as ALTER TABLE orders \(line 1\): its ACCESS EXCLUSIVE lock on orders stays held until the whole backfill commits, and blocks reads and writes$/,
      flagged: 'orders',
    },
    {
      sql: "CREATE INDEX orders_status_idx ON orders (status);\nDELETE FROM orders WHERE status = 'draft';",
      message:
        /^DELETE FROM orders .* CREATE INDEX ON orders \(line 1\): its SHARE lock on orders .* blocks writes/,
      why: 'CREATE INDEX holds SHARE; status = constant may match many rows',
    },
    {
      sql: 'ALTER TABLE o ADD COLUMN c int;\nUPDATE o SET c = 1 WHERE paid = false;',
      why: 'a column that merely ends in "id" is not a key',
    },
    {
      sql: 'ALTER TABLE o ADD COLUMN c int;\nUPDATE o SET c = 1 WHERE id = 1 OR c IS NULL;',
      why: 'an OR condition is not aimed at specific rows',
    },
    {
      sql: 'ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b NOT VALID;\nINSERT INTO archive SELECT * FROM a WHERE created_at < now();',
      message: /^INSERT INTO archive .* SHARE ROW EXCLUSIVE lock on a/,
      why: 'INSERT ... SELECT into another existing table while an FK lock is held',
    },
    {
      sql: '-- pgshift:no-transaction\nBEGIN;\nALTER TABLE orders RENAME COLUMN a TO b;\nUPDATE orders SET b = 0 WHERE b IS NULL;\nCOMMIT;',
      message: /line 3/,
      why: 'explicit transaction',
    },
    {
      sql: 'ALTER TABLE orders DISABLE TRIGGER ALL;\nUPDATE orders SET c = 1;',
      message:
        /its SHARE ROW EXCLUSIVE lock on orders stays held until the whole backfill commits, and blocks writes \(INSERT, UPDATE, DELETE\); reads continue$/,
      why: 'ENABLE / DISABLE TRIGGER takes SHARE ROW EXCLUSIVE (the lock src/core/pg knows), not ACCESS EXCLUSIVE',
    },
    {
      sql: 'CREATE TABLE items (order_id bigint REFERENCES orders);\nUPDATE orders SET c = 1;',
      message: /SHARE ROW EXCLUSIVE lock on orders/,
      why: 'a new table with a foreign key locks the existing referenced table',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN c int;\nDO $$ BEGIN UPDATE orders SET c = 1; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block runs in the migration transaction',
    },
    {
      sql: 'ALTER TABLE größen ADD COLUMN c int;\nUPDATE größen SET c = 1;',
      flagged: 'größen',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule backfill-in-transaction with the schema of earlier migrations', () => {
  it('equality on a column an earlier migration made unique NOT NULL aims at one row', async () => {
    const { schemaAfter } = await lint(
      'CREATE TABLE properties (id int PRIMARY KEY, k text NOT NULL UNIQUE, v text);',
    );
    const alter = 'ALTER TABLE properties ALTER COLUMN v TYPE varchar(1024);\n';
    const opts = { priorSchema: schemaAfter };
    assert.deepEqual(
      await findingsOf(
        'backfill-in-transaction',
        `${alter}DELETE FROM properties WHERE k = 'scan_all_policy';`,
        opts,
      ),
      [],
    );
    const found = await findingsOf(
      'backfill-in-transaction',
      `${alter}DELETE FROM properties WHERE v = 'x';`,
      opts,
    );
    assert.equal(found.length, 1, 'a column that is not a key may match many rows');
  });
});
