import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import type { Driver } from '../../src/core/db/driver';
import { buildReport, renderHtml, renderJson, renderMarkdown } from '../../src/core/report';
import type { Report } from '../../src/core/report/model';
import { schemaSnapshot } from '../../src/core/runner';
import { CONFIG, migrationsDir, open } from './report-helpers';
import { createScratchDatabase, type ScratchDatabase } from './server';

describe('report: performance estimate on a real server', function () {
  this.timeout(180_000);
  let db: ScratchDatabase;
  let admin: Client;
  let driver: Driver;
  let report: Report;
  let initial: { snapshot: string; relations: number; rows: number };
  let holder: Client;
  let holderPid: number;
  const mig = migrationsDir({
    '1_index_and_type': [
      'CREATE INDEX items_v_idx ON items (v);\nALTER TABLE items ALTER COLUMN v TYPE bigint;\n',
      'DROP INDEX items_v_idx;\nALTER TABLE items ALTER COLUMN v TYPE int;\n',
    ],
    '2_backfill': [
      '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY items_s_idx ON items (s);\nUPDATE items SET s = upper(s) WHERE id <= 20000;\n',
      'DROP INDEX CONCURRENTLY items_s_idx;\n',
    ],
    '3_batched': [
      '-- pgshift:batch size=5000 delay=10ms\nUPDATE items SET v = v + 1 WHERE id <= 40000;\n',
      '-- pgshift:batch\nUPDATE items SET v = v - 1 WHERE id <= 40000;\n',
    ],
  });

  const state = async (): Promise<typeof initial> => ({
    snapshot: await schemaSnapshot(driver),
    relations: Number((await admin.query(`SELECT count(*) FROM pg_class`)).rows[0].count),
    rows: Number((await admin.query(`SELECT count(*) FROM items WHERE s = lower(s)`)).rows[0].count),
  });

  before(async () => {
    db = await createScratchDatabase('report_estimate');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, s text NOT NULL)`);
    await admin.query(`INSERT INTO items SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 60000) g`);
    await admin.query(`VACUUM ANALYZE items`);
    driver = await open(db.url);
    initial = await state();
    // a session that has had a transaction open for a while, holding a lock on items
    holder = new Client({ connectionString: db.url, application_name: 'long-reader' });
    await holder.connect();
    holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM items');
    await new Promise((r) => setTimeout(r, 1200));
    report = await buildReport({
      set: mig.set(),
      config: CONFIG,
      scope: { kind: 'pending' },
      driver,
      targetDescription: driver.description,
      verify: false,
      openTransactionSeconds: 1,
    });
  });
  after(async () => {
    await holder?.query('ROLLBACK').catch(() => undefined);
    await holder?.end();
    await driver?.close();
    await admin?.end();
    await db?.drop();
    mig.remove();
  });

  it('estimates every statement in seconds, from a sample of the table, with a range around it', () => {
    const statements = report.migrations.flatMap((m) => m.statements);
    assert.equal(statements.length, 5); // 2 + 2 + the batched UPDATE
    for (const s of statements) {
      assert.equal(typeof s.estimatedSeconds, 'number', s.sql);
      assert.ok(s.estimatedSeconds! > 0, s.sql);
      assert.equal(s.estimate?.method, 'sample', `${s.sql}: ${s.estimate?.basis}`);
      assert.ok(s.estimate!.low <= s.estimatedSeconds! && s.estimatedSeconds! <= s.estimate!.high);
      assert.equal(s.table?.name, 'public.items');
      assert.ok(Math.abs(s.table!.rows - 60000) < 1000, `rows ${s.table?.rows}`);
    }
    const alter = statements[1];
    assert.equal(alter.work, 'rewrite');
    assert.equal(alter.estimate?.rewroteSample, true, 'the type change rewrote the copy');
    assert.equal(
      report.migrations[0].estimatedSeconds,
      Math.round((statements[0].estimatedSeconds! + statements[1].estimatedSeconds!) * 10000) / 10000,
    );
  });

  it('measures a calibration on the server', () => {
    const c = report.performance.calibration!;
    assert.ok(c, report.notes.join('\n'));
    for (const k of [
      'seqScanMBps',
      'sortRowsPerSec',
      'indexBuildRowsPerSec',
      'rewriteMBps',
      'updateRowsPerSec',
    ] as const)
      assert.ok(c[k] > 0, k);
    assert.match(c.method, /rolled-back transaction/);
  });

  it('holds the locks of a transactional migration until COMMIT, and those of a no-transaction one for their statement', () => {
    const [m1, m2] = report.migrations;
    const [idx, alter] = m1.statements;
    assert.equal(
      idx.lockHoldSeconds,
      Math.round((idx.estimatedSeconds! + alter.estimatedSeconds!) * 10000) / 10000,
    );
    // writes wait from the first statement on (SHARE), reads too once the ALTER has its ACCESS EXCLUSIVE
    assert.deepEqual(m1.longestBlock, { relation: 'items', seconds: idx.lockHoldSeconds, blocks: 'writes' });
    assert.equal(alter.lockHoldSeconds, alter.estimatedSeconds);
    for (const s of m2.statements) assert.equal(s.lockHoldSeconds, s.estimatedSeconds);
    assert.equal(m1.recommendedLockTimeout, '2s');
  });

  it('estimates a batched statement from its rows: batches of its size, the delays, and row locks held one batch at a time', () => {
    const m3 = report.migrations[2];
    assert.equal(m3.noTransaction, true);
    const [s] = m3.statements;
    assert.ok(s.batch, JSON.stringify(s));
    assert.equal(s.batch.size, 5000);
    assert.equal(s.batch.options, 'size=5000 delay=10ms');
    // the planner expects about 40,000 rows: about 8 batches
    assert.ok(s.batch.rows! > 30_000 && s.batch.rows! < 50_000, String(s.batch.rows));
    assert.equal(s.batch.batches, Math.ceil(s.batch.rows! / 5000));
    assert.ok(s.estimatedSeconds! >= ((s.batch.batches! - 1) * 10) / 1000, 'the delays are in the total');
    assert.ok(s.estimate!.low <= s.estimatedSeconds! && s.estimatedSeconds! <= s.estimate!.high);
    assert.match(
      s.estimate!.basis,
      /batched: about \d+ batches of 5,000 rows, each its own transaction, 10 ms apart/,
    );
    assert.equal(s.lockHoldSeconds, s.batch.batchSeconds);
    assert.ok(s.lockHoldSeconds! < s.estimatedSeconds!, 'one batch holds its locks, not the whole statement');
    assert.match(renderMarkdown(report), /batched: \d+ batches of 5,000 rows/);
  });

  it('names the open transaction a statement would queue behind', () => {
    const [idx, alter] = report.migrations[0].statements;
    assert.ok(
      report.performance.longTransactions.some((t) => t.pid === holderPid && t.application === 'long-reader'),
    );
    assert.deepEqual(idx.queueBehind, [], 'SHARE does not conflict with ACCESS SHARE');
    assert.equal(alter.queueBehind[0]?.pid, holderPid);
    assert.match(alter.queueBehind[0].holds ?? '', /AccessShare|ACCESS SHARE/);
    const cic = report.migrations[1].statements[0];
    assert.equal(cic.queueBehind[0]?.pid, holderPid, 'CONCURRENTLY waits for every older transaction');
  });

  it('leaves the database as it was: no table, no row, no history schema', async () => {
    const after = await state();
    assert.equal(after.snapshot, initial.snapshot);
    assert.equal(after.relations, initial.relations);
    assert.equal(after.rows, initial.rows);
    const leftovers = await admin.query(`SELECT relname FROM pg_class WHERE relname LIKE 'pgshift\\_%'`);
    assert.deepEqual(leftovers.rows, []);
  });

  it('prints no password of the target in any format', () => {
    const password = decodeURIComponent(new URL(db.url).password);
    assert.ok(password.length > 0, 'the test server uses a password');
    assert.match(report.target!.description, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
    for (const text of [renderHtml(report), renderMarkdown(report), renderJson(report)]) {
      assert.ok(!text.includes(password));
      assert.ok(text.includes(report.target!.description));
    }
  });
});
