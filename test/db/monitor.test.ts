import { strict as assert } from 'node:assert';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { history, up, type RunnerEvent, type RunnerSettings } from '../../src/core/runner';
import { createScratchDatabase, type ScratchDatabase } from './server';
import { makeProject, startCli, waitFor } from './runner-fixtures';

const settings: Partial<RunnerSettings> = { lockWaitSeconds: 5, lockTimeout: '20s', lockRetries: 0 };

type Ev<T extends RunnerEvent['type']> = Extract<RunnerEvent, { type: T }>;

/** The live view of a running migration and its policy, on a real server (PGlite has one session). */
describe('monitor (who a migration waits on, who waits behind it)', function () {
  this.timeout(120_000);
  let db: ScratchDatabase;
  let driver: Driver;
  const sessions: Driver[] = [];
  const session = async (applicationName: string): Promise<Driver> => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', applicationName);
    const d = await openDriver({ kind: 'url', url: url.toString() });
    sessions.push(d);
    return d;
  };
  /** `up` with the live view on its own session, as the CLI and the editor run it. */
  const watchedUp = (
    p: ReturnType<typeof makeProject>,
    s: Partial<RunnerSettings>,
    onEvent: (e: RunnerEvent) => unknown,
  ): ReturnType<typeof up> =>
    up({
      driver,
      set: p.set(),
      settings: s,
      openMonitor: () => openDriver({ kind: 'url', url: db.url }),
      onEvent: (e) => void onEvent(e),
    });
  beforeEach(async () => {
    db = await createScratchDatabase('monitor');
    driver = await openDriver({ kind: 'url', url: db.url });
    await driver.exec(
      'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100)',
    );
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close().catch(() => undefined);
    await driver?.close();
    await db?.drop();
  });

  it('names the session it waits on (application, pid, transaction age) within a second of starting', async () => {
    const reporting = await session('reporting');
    const reportingPid = await reporting.backendPid();
    await reporting.exec('BEGIN; SELECT count(*) FROM orders');
    const p = makeProject({ '1_col.up.sql': 'ALTER TABLE orders ADD COLUMN note text;\n' });
    const events: { at: number; e: RunnerEvent }[] = [];
    const run = watchedUp(p, settings, (e) => events.push({ at: Date.now(), e }));
    const blocked = await waitFor(
      'a blocked event',
      async () => events.find((x) => x.e.type === 'blocked' && (x.e as Ev<'blocked'>).waitingOn.length),
      10_000,
    );
    const started = events.find((x) => x.e.type === 'step-start')!.at;
    const latency = blocked.at - started;
    const b = (blocked.e as Ev<'blocked'>).waitingOn[0];
    assert.equal(b.applicationName, 'reporting');
    assert.equal(b.pid, reportingPid);
    assert.equal(b.state, 'idle in transaction');
    assert.ok(b.xactAgeMs !== null && b.xactAgeMs > 0, `transaction age ${b.xactAgeMs}`);
    assert.match(b.query, /SELECT count\(\*\) FROM orders/);
    assert.ok(latency < 1000, `named the blocker ${latency} ms after the step started`);
    console.log(`      [monitor] blocker named ${latency} ms after the step started`);
    await reporting.exec('COMMIT');
    const r = await run;
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    const last = events.filter((x) => x.e.type === 'blocked').pop()!.e as Ev<'blocked'>;
    assert.deepEqual(last.waitingOn, [], 'it says when it no longer waits');
    const monitorSeen = await driver.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgshift-monitor'",
    );
    assert.equal(monitorSeen.rows[0].n, 0, 'the monitor session is closed after the run');
  });

  it('with maxBlockingMs=500, cancels the migration once 20 queued sessions wait longer; they proceed, nothing remains, history says why', async () => {
    const reporting = await session('reporting');
    await reporting.exec('BEGIN; SELECT count(*) FROM orders');
    const p = makeProject({ '1_col.up.sql': 'ALTER TABLE orders ADD COLUMN note text;\n' });
    const events: { at: number; e: RunnerEvent }[] = [];
    const run = watchedUp(p, { ...settings, maxBlockingMs: '500ms' }, (e) =>
      events.push({ at: Date.now(), e }),
    );
    await waitFor('the ALTER to wait', async () =>
      events.some((x) => x.e.type === 'blocked') ? true : undefined,
    );
    const apps = await Promise.all(Array.from({ length: 20 }, (_, i) => session(`app-${i}`)));
    const queuedAt = Date.now();
    const reads = apps.map((a) =>
      a.query<{ n: string }>('SELECT count(*)::text AS n FROM orders').then(() => Date.now()),
    );
    const r = await run;
    assert.equal(r.ok, false);
    const cancelledAt = events.find((x) => x.e.type === 'policy-cancel')!.at;
    assert.match(
      r.failure!.error,
      /^cancelled by pgshift: 20 sessions \(app-0, .*\) waited behind its lock for [\d.]+ (ms|s), over runner\.maxBlockingMs \(500ms\)$/,
    );
    assert.equal(r.failure!.rolledBack, true);
    const waited = cancelledAt - queuedAt;
    assert.ok(waited < 500 + 1000, `cancelled ${waited} ms after the sessions queued (policy 500 ms)`);
    const counted = events
      .filter((x) => x.e.type === 'blocking')
      .map((x) => (x.e as Ev<'blocking'>).sessions);
    assert.ok(Math.max(...counted) === 20, `the view counted ${JSON.stringify(counted)}`);
    assert.ok(events.some((x) => x.e.type === 'policy-cancel'));
    const done = await Promise.all(reads);
    const slowest = Math.max(...done) - cancelledAt;
    assert.ok(slowest < 1000, `the 20 sessions went on within ${slowest} ms of the cancel`);
    const col = await driver.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'",
    );
    assert.equal(col.rows.length, 0, 'nothing of the migration remains');
    const h = await history({ driver, settings, version: '1' });
    assert.match(
      h[0].error ?? '',
      /cancelled by pgshift: 20 sessions .* over runner\.maxBlockingMs \(500ms\)/,
    );
    console.log(
      `      [monitor] cancelled ${waited} ms after 20 sessions queued; they finished ${slowest} ms later`,
    );
    await reporting.exec('COMMIT');
  });

  it('with maxQueued=5, cancels the migration when more sessions queue behind it', async () => {
    const reporting = await session('reporting');
    await reporting.exec('BEGIN; SELECT count(*) FROM orders');
    const p = makeProject({ '1_col.up.sql': 'ALTER TABLE orders ADD COLUMN note text;\n' });
    const events: RunnerEvent[] = [];
    const run = watchedUp(p, { ...settings, maxQueued: 5 }, (e) => events.push(e));
    await waitFor('the ALTER to wait', async () =>
      events.some((e) => e.type === 'blocked') ? true : undefined,
    );
    const apps = await Promise.all(Array.from({ length: 8 }, (_, i) => session(`app-${i}`)));
    const reads = apps.map((a) => a.query('SELECT count(*) FROM orders'));
    const r = await run;
    assert.equal(r.ok, false);
    assert.match(
      r.failure!.error,
      /^cancelled by pgshift: [678] sessions .* queued behind its lock, over runner\.maxQueued \(5\)$/,
    );
    await Promise.all(reads);
    await reporting.exec('COMMIT');
  });

  it('the CLI names the blocker in text and in JSON', async () => {
    const reporting = await session('reporting');
    await reporting.exec('BEGIN; SELECT count(*) FROM orders');
    for (const format of ['json', 'text']) {
      const p = makeProject(
        { '1_col.up.sql': 'ALTER TABLE orders ADD COLUMN note text;\n' },
        { runner: { lockTimeout: '1500ms' } },
      );
      const cli = startCli(['up', '--format', format], p.root, { DATABASE_URL: db.url });
      const spawned = Date.now();
      let err = '';
      let namedAt = 0;
      cli.child.stderr!.on('data', (d) => {
        err += d;
        if (!namedAt && /reporting/.test(err)) namedAt = Date.now();
      });
      const r = await cli.done;
      assert.equal(r.code, 1, r.stderr);
      if (format === 'json') {
        const line = r.stderr.split('\n').find((l) => l.startsWith('{"event":"blocked"'));
        assert.ok(line, r.stderr);
        const e = JSON.parse(line!);
        assert.equal(e.version, '1');
        assert.equal(e.waitingOn[0].applicationName, 'reporting');
        assert.equal(e.waitingOn[0].pid, await reporting.backendPid());
        assert.ok(e.waitingOn[0].xactAgeMs > 0);
      } else {
        assert.match(
          r.stderr,
          /1: waits on pid \d+ reporting \(.*\), idle in transaction for [\d.]+ (ms|s): BEGIN; SELECT count/,
        );
      }
      // from the process's start: node, the config, the connection and the lock come before the migration
      assert.ok(namedAt - spawned < 3000, `${format}: named ${namedAt - spawned} ms after the CLI started`);
      console.log(
        `      [monitor] CLI ${format}: blocker named ${namedAt - spawned} ms after the process started`,
      );
    }
    await reporting.exec('COMMIT');
  });
});
