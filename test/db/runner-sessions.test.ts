/* Runner behaviour that needs a second session: lock-timeout retries, cancellation, a run seen from outside. */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { PgshiftError } from '../../src/core/errors';
import { history, status, up, type RunnerEvent, type RunnerSettings } from '../../src/core/runner';
import { makeProject, runCli, startCli, waitFor } from './runner-fixtures';
import { createScratchDatabase, type ScratchDatabase } from './server';

describe('runner (second sessions on a real server)', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let driver: Driver;
  let other: Client;

  beforeEach(async () => {
    db = await createScratchDatabase('runner_sessions');
    driver = await openDriver({ kind: 'url', url: db.url });
    other = new Client({ connectionString: db.url, application_name: 'other-session' });
    await other.connect();
  });
  afterEach(async () => {
    await other?.end().catch(() => undefined);
    await driver?.close();
    await db?.drop();
  });

  const base: Partial<RunnerSettings> = { lockWaitSeconds: 5 };

  /** Locks the table from another session; the returned promise (wrapped: an async function would wait for it) settles on release. */
  async function holdTableLock(table: string, ms: number): Promise<{ released: Promise<void> }> {
    await other.query('BEGIN');
    await other.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return {
      released: new Promise((resolve) =>
        setTimeout(() => void other.query('COMMIT').then(() => resolve()), ms),
      ),
    };
  }

  it('a migration that times out on a lock is retried (lockRetries), each attempt in the history', async () => {
    await driver.exec('CREATE TABLE busy (id int)');
    const p = makeProject({ '1_alter.up.sql': 'ALTER TABLE busy ADD COLUMN note text;' });
    const { released } = await holdTableLock('busy', 700);
    const events: RunnerEvent[] = [];
    const r = await up({
      driver,
      set: p.set(),
      settings: { ...base, lockTimeout: '200ms', lockRetries: 2 },
      onEvent: (e) => events.push(e),
    });
    await released;
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.equal(r.steps[0].attempts, 2);
    const retry = events.find((e) => e.type === 'retry');
    assert.ok(retry && retry.type === 'retry' && /lock timeout/.test(retry.error));
    const h = await history({ driver, version: '1' });
    assert.deepEqual(
      h.map((e) => e.success),
      [false, true],
    );
    assert.match(h[0].error!, /55P03/);
  });

  it('without retries, a lock timeout fails the migration with a clear error and leaves it pending', async () => {
    await driver.exec('CREATE TABLE busy (id int)');
    const p = makeProject({ '1_alter.up.sql': 'ALTER TABLE busy ADD COLUMN note text;' });
    const { released } = await holdTableLock('busy', 1000);
    const r = await up({ driver, set: p.set(), settings: { ...base, lockTimeout: '200ms' } });
    await released;
    assert.equal(r.failure?.code, '55P03');
    assert.match(r.failure!.error, /lock timeout/);
    assert.equal((await status({ driver, set: p.set() })).migrations[0].state, 'pending');
  });

  it('statement_timeout from the settings applies to each migration', async () => {
    const p = makeProject({ '1_slow.up.sql': 'SELECT pg_sleep(3);' });
    const r = await up({ driver, set: p.set(), settings: { ...base, statementTimeout: '300ms' } });
    assert.equal(r.failure?.code, '57014');
    assert.match(r.failure!.error, /statement timeout/);
    assert.ok(r.steps[0].durationMs < 2500);
  });

  it('aborting cancels the running statement: a transactional migration is left pending', async () => {
    const p = makeProject({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '2_slow.up.sql': 'CREATE TABLE b (id int);\nSELECT pg_sleep(20);\n',
    });
    const ac = new AbortController();
    const started = Date.now();
    const r = await up({
      driver,
      set: p.set(),
      settings: base,
      signal: ac.signal,
      onEvent: (e) => e.type === 'step-start' && e.version === '2' && setTimeout(() => ac.abort(), 300),
    });
    assert.ok(Date.now() - started < 10_000, 'the sleep was cancelled');
    assert.equal(r.ok, false);
    assert.equal(r.steps[1].outcome, 'cancelled');
    assert.deepEqual(
      (await status({ driver, set: p.set() })).migrations.map((m) => m.state),
      ['applied', 'pending'],
    );
    assert.equal((await driver.query("SELECT to_regclass('b') IS NULL AS x")).rows[0].x, true);
  });

  it('aborting a non-transactional migration leaves it failed, with the resolve command as the next step', async () => {
    const p = makeProject({
      '1_slow.up.sql': '-- pgshift:no-transaction\nCREATE TABLE b (id int);\nSELECT pg_sleep(20);\n',
    });
    const ac = new AbortController();
    const r = await up({
      driver,
      set: p.set(),
      settings: base,
      signal: ac.signal,
      onEvent: (e) => e.type === 'statement' && /pg_sleep/.test(e.sql) && setTimeout(() => ac.abort(), 300),
    });
    assert.equal(r.steps[0].outcome, 'cancelled');
    assert.match(r.failure!.nextStep, /pgshift resolve 1 --rolled-back/);
    const m = (await status({ driver, set: p.set() })).migrations[0];
    assert.equal(m.state, 'failed');
    assert.match(m.failure!.error!, /cancelled/);
  });

  it('status seen from another session during a non-transactional run says running, not failed', async () => {
    const p = makeProject({ '1_slow.up.sql': '-- pgshift:no-transaction\nSELECT pg_sleep(2);\n' });
    const running = up({ driver, set: p.set(), settings: base });
    const watcher = await openDriver({ kind: 'url', url: db.url });
    try {
      const seen = await waitFor('the run to be visible', async () => {
        const s = await status({ driver: watcher, set: p.set() });
        return s.migrations[0].state === 'pending' ? undefined : s;
      });
      assert.equal(seen.migrations[0].state, 'running');
      assert.equal(seen.runInProgress, true);
      assert.equal((await running).ok, true);
      assert.equal((await status({ driver: watcher, set: p.set() })).migrations[0].state, 'applied');
    } finally {
      await watcher.close();
    }
  });

  it('a second runner waits for the lock, reporting the holder, and then finds nothing left to do', async () => {
    const p = makeProject({ '1_slow.up.sql': 'SELECT pg_sleep(1.5);' });
    const second = await openDriver({ kind: 'url', url: db.url });
    try {
      const first = up({ driver, set: p.set(), settings: base });
      await waitFor('the first run to hold the lock', async () => {
        const r = await other.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted");
        return r.rows.length ? true : undefined;
      });
      const waits: string[] = [];
      const r2 = await up({
        driver: second,
        set: p.set(),
        settings: base,
        onEvent: (e) => e.type === 'lock-wait' && waits.push(e.message),
      });
      assert.equal((await first).steps.length, 1);
      assert.equal(r2.planned, 0);
      assert.equal(waits.length, 1);
      assert.match(waits[0], /held by pid \d+ \(application "pgshift"/);
    } finally {
      await second.close();
    }
  });

  it('the lock wait gives up after lockWaitSeconds with exit code 3', async () => {
    const p = makeProject({ '1_slow.up.sql': 'SELECT pg_sleep(3);' });
    const second = await openDriver({ kind: 'url', url: db.url });
    try {
      const first = up({ driver, set: p.set(), settings: base });
      await waitFor('the first run to hold the lock', async () => {
        const r = await other.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted");
        return r.rows.length ? true : undefined;
      });
      const t0 = Date.now();
      const err = await up({ driver: second, set: p.set(), settings: { lockWaitSeconds: 1 } }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof PgshiftError);
      assert.equal(err.exitCode, 3);
      assert.ok(Date.now() - t0 < 2500);
      await first;
    } finally {
      await second.close();
    }
  });

  it('Ctrl-C (SIGINT) of the CLI cancels the running statement: exit 1, the migration stays pending', async () => {
    const p = makeProject({ '1_slow.up.sql': 'CREATE TABLE b (id int);\nSELECT pg_sleep(20);\n' });
    const cli = startCli(['up', '--db', db.url], p.root);
    await waitFor('the sleep to run', async () => {
      const r = await other.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgshift' AND query LIKE '%pg_sleep(20)%'",
      );
      return r.rows.length ? true : undefined;
    });
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.ms < 10_000);
    assert.match(r.stderr, /1 \(slow\) was cancelled/);
    const s = await runCli(['status', '--db', db.url, '--format', 'json'], p.root);
    assert.equal(JSON.parse(s.stdout).migrations[0].state, 'pending');
  });
});
