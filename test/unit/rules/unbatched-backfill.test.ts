import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('unbatched-backfill', {
  valid: [
    { sql: 'UPDATE orders SET c = 1 WHERE id = 5;', why: 'the primary key = a constant: one row' },
    { sql: 'DELETE FROM orders WHERE id IN (1, 2, 3);', why: 'id IN (constants)' },
    { sql: 'UPDATE orders SET c = 1 WHERE user_id = $1::bigint;', why: 'a parameter on a key-like column' },
    {
      sql: `UPDATE "Claim" SET n = 1 WHERE "orgId" = 'a' OR "orgId" = 'b';`,
      why: 'every arm of the OR is a key',
    },
    {
      sql: 'UPDATE orders SET c = 1 WHERE id = 5 AND c IS NULL;',
      why: 'a key AND-ed with anything is a few rows',
    },
    { sql: 'UPDATE orders SET c = 1 WHERE c = NULL;', why: '= NULL matches no row' },
    {
      sql: 'UPDATE orders SET c = 1 WHERE id IN (SELECT id FROM orders WHERE c IS NULL LIMIT 1000);',
      why: 'already batched by hand',
    },
    {
      sql: "-- pgshift:batch\nUPDATE orders SET currency = 'EUR' WHERE currency IS NULL;",
      why: 'under the batch directive: never flagged',
    },
    {
      sql: '-- pgshift:batch size=500 key=id\nDELETE FROM sessions WHERE expires_at < now();',
      why: 'a batched DELETE',
    },
    {
      sql: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nINSERT INTO t SELECT g, g, NULL FROM generate_series(1, 10) g;\nUPDATE t SET b = a WHERE b IS NULL;',
      why: 'a table created earlier in the same file: nobody else sees it yet',
    },
    { sql: "UPDATE orders SET currency = 'EUR';", why: 'no WHERE: update-without-where reports it' },
    { sql: 'DELETE FROM orders WHERE true;', why: 'an always-true WHERE: delete-without-where reports it' },
    {
      sql: 'ALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = 0 WHERE c IS NULL;',
      why: 'after a schema change in the same transaction: backfill-in-transaction reports it, once',
    },
    {
      sql: "UPDATE pg_index SET indisready = false WHERE indexrelid = 'orders_idx'::regclass;",
      why: 'a system catalog, not application data',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ UPDATE orders SET c = 1 WHERE c IS NULL $$;',
      why: 'a function body does not run at migration time',
    },
    {
      sql: 'DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM orders LOOP UPDATE orders SET c = 1 WHERE CURRENT OF r; END LOOP; END $$;',
      why: 'WHERE CURRENT OF: one row',
    },
  ],
  invalid: [
    {
      sql: "UPDATE orders SET currency = 'EUR' WHERE currency IS NULL;",
      count: 1,
      message:
        /^UPDATE orders may change many rows of orders in one statement: each stays locked until the transaction ends, and the dead rows and WAL come all at once$/,
      flagged: 'orders',
      output: "-- pgshift:batch\nUPDATE orders SET currency = 'EUR' WHERE currency IS NULL;",
      why: 'the classic backfill, with the batch directive as the suggestion',
    },
    {
      sql: 'DELETE FROM sessions WHERE expires_at < now();',
      message: /^DELETE FROM sessions may delete many rows of sessions in one statement/,
      output: '-- pgshift:batch\nDELETE FROM sessions WHERE expires_at < now();',
      why: 'a range',
    },
    {
      sql: "UPDATE orders SET status = 'open' WHERE status = 'pending';",
      count: 1,
      why: 'equality on a column that is not a key can match millions (reported as info)',
    },
    {
      sql: 'UPDATE orders SET c = 1 WHERE id = 1 OR c IS NULL;',
      why: 'an OR is as wide as its widest arm',
    },
    {
      sql: "UPDATE orders SET c = 1 WHERE kind = 'x' AND created_at < '2024-01-01';",
      why: 'a range AND-ed with a non-key equality',
    },
    {
      sql: 'UPDATE orders o SET total = s.total FROM sums s WHERE s.order_id = o.id;',
      count: 1,
      why: 'a join: many rows, and no batch suggestion',
    },
    {
      sql: '-- pgshift:no-transaction\nUPDATE orders SET c = 1 WHERE c IS NULL;',
      message: /each stays locked until the statement ends/,
      why: 'outside a transaction the rows are held for the statement',
    },
    {
      sql: 'DO $$ BEGIN UPDATE orders SET c = 1 WHERE c IS NULL; END $$;',
      flagged: 'orders',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'CREATE TABLE other (id int);\nUPDATE orders SET c = 1 WHERE c IS NULL;',
      why: 'only the updated table counts',
    },
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN c int;\nCOMMIT;\nUPDATE orders SET c = 0 WHERE c IS NULL;',
      why: 'the schema change committed first: no lock held, the backfill is still one statement',
    },
    {
      sql: "SELECT 'é';\nDELETE FROM größen WHERE ü IS NULL;",
      flagged: 'größen',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule unbatched-backfill: severity, suggestion and the schema of earlier migrations', () => {
  it('is a warning for IS NULL, ranges and joins, info for equality with constants on other columns', async () => {
    const [warn] = await findingsOf('unbatched-backfill', 'UPDATE orders SET c = 1 WHERE c IS NULL;');
    assert.equal(warn.severity, 'warning');
    const [info] = await findingsOf('unbatched-backfill', "UPDATE orders SET s = 'a' WHERE s = 'b';");
    assert.equal(info.severity, 'info');
    assert.match(info.help, /may match one row or millions/);
    const [join] = await findingsOf(
      'unbatched-backfill',
      "UPDATE orders o SET t = s.t FROM sums s WHERE s.order_id = o.id AND o.kind = 'x';",
    );
    assert.equal(join.severity, 'warning', 'a join AND-ed with a constant is still a backfill');
    assert.equal(join.suggestions, undefined, 'the runner cannot batch a join');
    assert.match(join.help, /it joins other tables/);
  });

  it('defers to backfill-in-transaction after a schema change in the same transaction: one finding, not two', async () => {
    const res = await lint('ALTER TABLE orders ADD COLUMN c int;\nUPDATE orders SET c = 0 WHERE c IS NULL;');
    assert.deepEqual(
      res.findings.filter((f) => f.rule.includes('backfill')).map((f) => f.rule),
      ['backfill-in-transaction'],
    );
  });

  it('a table an earlier migration created is existing; equality on its unique NOT NULL column is one row', async () => {
    const { schemaAfter } = await lint(
      'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, role text);\nCREATE TABLE logs (at timestamptz, msg text);',
    );
    const opts = { priorSchema: schemaAfter };
    assert.deepEqual(
      await findingsOf(
        'unbatched-backfill',
        "UPDATE users SET role = 'admin' WHERE email = 'ann@example.com';",
        opts,
      ),
      [],
    );
    const [found] = await findingsOf(
      'unbatched-backfill',
      'UPDATE users SET role = NULL WHERE role IS NULL;',
      opts,
    );
    assert.ok(found, 'a table from an earlier migration is not new');
    const [keyless] = await findingsOf(
      'unbatched-backfill',
      "DELETE FROM logs WHERE at < now() - interval '1 year';",
      opts,
    );
    assert.equal(keyless.suggestions, undefined, 'no batch directive for a table it could not batch');
    assert.match(keyless.help, /logs has no single-column primary key/);
    assert.match(keyless.help, /WHERE ctid IN \(SELECT ctid FROM logs/);
  });
});
