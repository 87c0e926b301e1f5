import { strict as assert } from 'node:assert';
import {
  indexDefOnCopy,
  indexOnCopy,
  parenGroupAfter,
  retarget,
  splitTopLevel,
} from '../../src/core/report/sql-text';
import { isHostToWebview, isWebviewToHost } from '../../webview-ui/src/protocol';

const COPY = 'public.pgshift_sample_1_x';

describe('report: statements pointed at the sampled copy', () => {
  it('replaces every reference to the table, keeping the old name as an alias in DML', async () => {
    const r = await retarget(
      'UPDATE orders SET total = orders.total + 1 WHERE id IN (SELECT id FROM orders LIMIT 10)',
      { name: 'orders' },
      COPY,
    );
    assert.deepEqual(r, {
      sql: `UPDATE ${COPY} AS orders SET total = orders.total + 1 WHERE id IN (SELECT id FROM ${COPY} AS orders LIMIT 10)`,
      replaced: 2,
    });
  });

  it('keeps an existing alias, and leaves other tables alone', async () => {
    const r = await retarget(
      'DELETE FROM orders o USING customers c WHERE o.customer_id = c.id',
      { name: 'orders' },
      COPY,
    );
    assert.equal(r?.sql, `DELETE FROM ${COPY} o USING customers c WHERE o.customer_id = c.id`);
  });

  it('handles qualified, quoted and ONLY names in ALTER TABLE', async () => {
    assert.equal(
      (
        await retarget(
          'ALTER TABLE ONLY "Sales"."Orders" ALTER COLUMN a SET NOT NULL',
          { schema: 'Sales', name: 'Orders' },
          COPY,
        )
      )?.sql,
      `ALTER TABLE ONLY ${COPY} ALTER COLUMN a SET NOT NULL`,
    );
    assert.equal(
      (
        await retarget(
          'ALTER TABLE IF EXISTS app.orders ADD COLUMN r float8 DEFAULT random()',
          { schema: 'app', name: 'orders' },
          COPY,
        )
      )?.sql,
      `ALTER TABLE IF EXISTS ${COPY} ADD COLUMN r float8 DEFAULT random()`,
    );
  });

  it('does not touch a statement that names another table, or does not parse', async () => {
    assert.equal(
      await retarget('ALTER TABLE customers ADD COLUMN x int', { name: 'orders' }, COPY),
      undefined,
    );
    assert.equal(await retarget('ALTER TABLE orders ADD COLUMN', { name: 'orders' }, COPY), undefined);
  });

  it('turns CREATE INDEX [CONCURRENTLY] [name] ON t into an unnamed build on the copy', async () => {
    assert.equal(
      await indexOnCopy(
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_email_key ON ONLY orders USING btree (lower(email)) WHERE deleted_at IS NULL',
        COPY,
        true,
      ),
      `CREATE UNIQUE INDEX ON ${COPY} USING btree (lower(email)) WHERE deleted_at IS NULL`,
    );
    assert.equal(
      indexDefOnCopy('CREATE UNIQUE INDEX "Orders_pkey" ON public."Orders" USING btree (id)', COPY),
      `CREATE UNIQUE INDEX ON ${COPY} USING btree (id)`,
    );
  });

  it('cuts balanced groups and top-level lists out of SQL text', () => {
    assert.deepEqual(parenGroupAfter("CHECK (a IN ('(', ')') AND f(b))", 0), {
      inner: "a IN ('(', ')') AND f(b)",
      end: 32,
    });
    assert.deepEqual(splitTopLevel("lower(email), coalesce(a, 'x,y'), b DESC"), [
      'lower(email)',
      "coalesce(a, 'x,y')",
      'b DESC',
    ]);
  });
});

describe('report: panel protocol', () => {
  it('accepts the messages of the protocol, and nothing else', () => {
    for (const m of [
      { type: 'ready', hasReport: false },
      { type: 'ready', hasReport: true, generatedAt: '2026-01-01T00:00:00Z' },
      { type: 'refresh' },
      { type: 'export', format: 'html' },
      { type: 'export', format: 'md' },
      { type: 'openFile', file: 'a.sql', line: 3 },
    ]) {
      assert.ok(isWebviewToHost(m), JSON.stringify(m));
    }
    for (const m of [
      null,
      'refresh',
      {},
      { type: 'export', format: 'pdf' },
      { type: 'openFile', file: '' },
      { type: 'openFile', file: 'a.sql', line: 0 },
      { type: 'ready' },
      { type: 'eval', code: '1' },
    ]) {
      assert.ok(!isWebviewToHost(m), JSON.stringify(m));
    }
    assert.ok(isHostToWebview({ type: 'report', report: { schemaVersion: 1 } }));
    assert.ok(isHostToWebview({ type: 'exported', format: 'md', path: '/x.md' }));
    assert.ok(!isHostToWebview({ type: 'report', report: { schemaVersion: 2 } }));
    assert.ok(!isHostToWebview({ type: 'error' }));
  });
});
