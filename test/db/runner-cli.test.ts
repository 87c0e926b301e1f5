/*
 * The runner as users meet it: the built CLI as a separate process against a real server. Concurrency,
 * crashes and lost connections can only be tested this way.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Client } from 'pg';
import { lockKey } from '../../src/core/runner/lock';
import { createScratchDatabase, type ScratchDatabase } from './server';
import { makeProject, runCli, startCli, waitFor, type CliRun, type Project } from './runner-fixtures';

function password(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

function assertNoLeak(r: CliRun, secret: string): void {
  const all = r.stdout + r.stderr;
  assert.ok(!all.includes(secret), `the password leaked: ${all}`);
  assert.doesNotMatch(all, /\n\s+at .+\(.*:\d+:\d+\)/, `a stack trace was printed: ${all}`);
}

function assertOneLineError(r: CliRun, secret: string): void {
  assertNoLeak(r, secret);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^pgshift \w+: error: /);
  assert.ok(lines.length <= 2, `more than an error line and a hint: ${r.stderr}`);
}

describe('runner (CLI processes on a real server)', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let admin: Client;

  beforeEach(async () => {
    db = await createScratchDatabase('runner_cli');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterEach(async () => {
    await admin?.end().catch(() => undefined);
    await db?.drop();
  });

  async function statusJson(p: Project): Promise<{
    migrations: {
      version: string;
      name: string;
      state: string;
      appliedAt: string | null;
      executionMs: number | null;
    }[];
  }> {
    const r = await runCli(['status', '--db', db.url, '--format', 'json'], p.root);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it('status --format json has the documented shape, in version order', async () => {
    const p = makeProject({ '10_b.up.sql': 'SELECT 1;', '9_a.up.sql': 'SELECT 1;' });
    assert.equal((await runCli(['up', '--db', db.url, '--steps', '1'], p.root)).code, 0);
    const s = await statusJson(p);
    assert.deepEqual(Object.keys(s), ['layout', 'dir', 'tools', 'migrations', 'groups']);
    const full = s as unknown as {
      layout: string;
      dir: string;
      tools: { tool: string; reasons: string[] }[];
    };
    assert.equal(full.layout, 'golang-migrate');
    assert.equal(full.dir, p.dir);
    // what project detection found in the folder, with why
    assert.deepEqual(
      full.tools.map((t) => [t.tool, t.reasons]),
      [['golang-migrate', ['2 .up.sql/.down.sql files in migrations']]],
    );
    assert.deepEqual(
      s.migrations.map((m) => Object.keys(m)),
      [
        ['version', 'name', 'state', 'appliedAt', 'executionMs'],
        ['version', 'name', 'state', 'appliedAt', 'executionMs'],
      ],
    );
    assert.deepEqual(
      s.migrations.map((m) => [m.version, m.name, m.state]),
      [
        ['9', 'a', 'applied'],
        ['10', 'b', 'pending'],
      ],
    );
    assert.equal(typeof s.migrations[0].executionMs, 'number');
    assert.equal(s.migrations[1].appliedAt, null);
  });

  it('six `up` processes at once: every migration runs exactly once and all exit 0', async () => {
    const files: Record<string, string> = {
      '1_log.up.sql': "CREATE TABLE runs (version text NOT NULL);\nINSERT INTO runs VALUES ('1');\n",
    };
    for (let v = 2; v <= 6; v++)
      files[`${v}_m${v}.up.sql`] = `INSERT INTO runs VALUES ('${v}');\nSELECT pg_sleep(0.1);\n`;
    files['7_notx.up.sql'] = "-- pgshift:no-transaction\nINSERT INTO runs VALUES ('7');\n";
    const p = makeProject(files);
    const runs = await Promise.all(Array.from({ length: 6 }, () => runCli(['up', '--db', db.url], p.root)));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const counts = await admin.query<{ version: string; n: string }>(
      'SELECT version, count(*)::text AS n FROM runs GROUP BY 1 ORDER BY 1',
    );
    assert.deepEqual(
      counts.rows.map((r) => `${r.version}:${r.n}`),
      ['1:1', '2:1', '3:1', '4:1', '5:1', '6:1', '7:1'],
    );
    const hist = await admin.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pgshift.history WHERE direction = 'up' AND success",
    );
    assert.equal(hist.rows[0].n, '7');
    const applying = runs.filter((r) => /applied 7 migrations/.test(r.stdout));
    assert.equal(applying.length, 1, 'one runner applied everything, the others found nothing to do');
  });

  async function runUntilSleeping(p: Project): Promise<{ child: ReturnType<typeof startCli>; pid: number }> {
    const child = startCli(['up', '--db', db.url], p.root);
    const pid = await waitFor('the migration to be running', async () => {
      const r = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgshift' AND query LIKE '%pg_sleep(5)%' AND state = 'active'",
      );
      return r.rows[0]?.pid;
    });
    return { child, pid };
  }

  const sleepy = () =>
    makeProject({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '2_slow.up.sql': 'CREATE TABLE half_done (id int);\nSELECT pg_sleep(5);\nCREATE TABLE b (id int);\n',
      '3_c.up.sql': 'CREATE TABLE c (id int);',
    });

  it('SIGKILL of the runner mid-migration: nothing partial, status says pending, the next up finishes alone', async () => {
    const p = sleepy();
    const { child } = await runUntilSleeping(p);
    child.child.kill('SIGKILL');
    const killed = await child.done;
    assert.equal(killed.signal, 'SIGKILL');
    const s = await statusJson(p);
    assert.deepEqual(
      s.migrations.map((m) => m.state),
      ['applied', 'pending', 'pending'],
    );
    const r = await runCli(['up', '--db', db.url], p.root);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await statusJson(p)).migrations.map((m) => m.state),
      ['applied', 'applied', 'applied'],
    );
    const t = await admin.query(
      "SELECT to_regclass('half_done') IS NOT NULL AS x, to_regclass('b') IS NOT NULL AS y",
    );
    assert.deepEqual(t.rows[0], { x: true, y: true });
  });

  it('the runner connection killed by the server (pg_terminate_backend): one error line, status pending, next up finishes', async () => {
    const p = sleepy();
    const { child, pid } = await runUntilSleeping(p);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const r = await child.done;
    assert.equal(r.code, 1);
    assertNoLeak(r, password(db.url));
    assert.match(r.stderr, /2 \(slow\) failed/);
    assert.match(r.stderr, /nothing of it was committed/);
    assert.deepEqual(
      (await statusJson(p)).migrations.map((m) => m.state),
      ['applied', 'pending', 'pending'],
    );
    const again = await runCli(['up', '--db', db.url], p.root);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      (await statusJson(p)).migrations.map((m) => m.state),
      ['applied', 'applied', 'applied'],
    );
  });

  it('an applied file edited afterwards: up refuses naming it (exit 1), status shows modified', async () => {
    const p = makeProject({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '2_b.up.sql': 'CREATE TABLE b (id int);',
    });
    assert.equal((await runCli(['up', '--db', db.url, '--to', '1'], p.root)).code, 0);
    p.write('1_a.up.sql', 'CREATE TABLE a (id bigint);');
    const r = await runCli(['up', '--db', db.url], p.root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /edited after it ran: 1 \(a\)/);
    assert.deepEqual(
      (await statusJson(p)).migrations.map((m) => m.state),
      ['modified', 'pending'],
    );
    const v = await runCli(['validate', '--db', db.url, '--no-lint'], p.root);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /modified/);
  });

  it('wrong password, closed port, missing database: one line within 10 s, no stack trace, no password', async () => {
    const p = makeProject({ '1_a.up.sql': 'SELECT 1;' });
    const secret = 'Wr0ng-Pa55word-xyz';
    const wrong = new URL(db.url);
    wrong.password = secret;
    const port = await closedPort();
    const missing = new URL(db.url);
    missing.pathname = '/no_such_database_here';
    const cases: [string, string, RegExp][] = [
      ['wrong password', wrong.toString(), /password|authentication/i],
      ['closed port', `postgres://app:${secret}@127.0.0.1:${port}/x`, /refused/i],
      ['missing database', missing.toString(), /no_such_database_here/],
    ];
    for (const [what, url, expected] of cases) {
      for (const cmd of ['status', 'up']) {
        const r = await runCli([cmd, '--db', url], p.root);
        assert.equal(r.code, 1, `${what}: ${r.stderr}`);
        assert.ok(r.ms < 10_000, `${what}: took ${r.ms} ms`);
        assertOneLineError(r, what === 'missing database' ? password(db.url) : secret);
        assert.match(r.stderr, expected, what);
      }
    }
  });

  it('file names with quotes and SQL in them cannot inject', async () => {
    const p = makeProject({
      '20260101000000_t.up.sql': 'CREATE TABLE t (id int);',
      "20260102000000_x'); drop table t; --.up.sql": 'SELECT 1;',
      '20260103000000_y"; drop table t; --.up.sql': 'SELECT 2;',
    });
    const r = await runCli(['up', '--db', db.url], p.root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await admin.query("SELECT to_regclass('t') IS NOT NULL AS x")).rows[0].x, true);
    const names = await admin.query<{ name: string }>('SELECT name FROM pgshift.history ORDER BY id');
    assert.deepEqual(
      names.rows.map((x) => x.name),
      ['t', "x'); drop table t; --", 'y"; drop table t; --'],
    );
  });

  it('waits for the migration lock, then exits 3 naming the holder', async () => {
    const p = makeProject({ '1_a.up.sql': 'CREATE TABLE a (id int);' }, { runner: { lockWaitSeconds: 1 } });
    const blocker = new Client({ connectionString: db.url, application_name: 'blocker-app' });
    await blocker.connect();
    try {
      const [k1, k2] = lockKey('pgshift');
      await blocker.query('SELECT pg_advisory_lock($1, $2)', [k1, k2]);
      const pid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const r = await runCli(['up', '--db', db.url], p.root);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /waiting up to 1 s for the migration lock, held by pid \d+ \(application "blocker-app"/,
      );
      assert.match(
        r.stderr,
        new RegExp(
          `timed out after 1 s waiting for the migration lock, held by pid ${pid} \\(application "blocker-app", user \\w+, client 127.0.0.1, connected since `,
        ),
      );
      assert.match(r.stderr, new RegExp(`pg_terminate_backend\\(${pid}\\)`));
      assert.equal((await admin.query("SELECT to_regclass('a') IS NULL AS x")).rows[0].x, true);
      await blocker.query('SELECT pg_advisory_unlock_all()');
      assert.equal((await runCli(['up', '--db', db.url], p.root)).code, 0);
    } finally {
      await blocker.end();
    }
  });

  it('non-transactional failure → failed with the next step; resolve flow through the CLI', async () => {
    const p = makeProject({
      '1_dup.up.sql': "CREATE TABLE dup (email text);\nINSERT INTO dup VALUES ('x'), ('x');\n",
      '2_idx.up.sql':
        '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY dup_email ON dup (email);\n',
      '2_idx.down.sql': '-- pgshift:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS dup_email;\n',
    });
    const r = await runCli(['up', '--db', db.url], p.root);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /2 \(idx\) failed at migrations\/2_idx.up.sql:2: could not create unique index "dup_email"/,
    );
    assert.match(r.stderr, /invalid index left behind: public.dup_email on dup/);
    assert.match(r.stderr, /DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_email";/);
    const st = await runCli(['status', '--db', db.url], p.root);
    assert.match(st.stdout, /2\s+idx\s+failed/);
    assert.match(st.stdout, /pgshift resolve 2 --applied/);
    const refused = await runCli(['up', '--db', db.url], p.root);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pgshift resolve 2 --rolled-back/);
    await admin.query('DROP INDEX CONCURRENTLY dup_email');
    await admin.query('DELETE FROM dup WHERE ctid = (SELECT max(ctid) FROM dup)');
    const res = await runCli(['resolve', '2', '--rolled-back', '--db', db.url], p.root);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /failed → pending/);
    assert.equal((await runCli(['up', '--db', db.url], p.root)).code, 0);
    const h = await runCli(['history', '--db', db.url, '--version', '2', '--format', 'json'], p.root);
    const entries = JSON.parse(h.stdout).history as {
      direction: string;
      success: boolean | null;
      errorStatement: string | null;
    }[];
    assert.deepEqual(
      entries.map((e) => `${e.direction}:${e.success}`),
      ['up:false', 'resolve:true', 'up:true'],
    );
    assert.match(entries[0].errorStatement!, /CREATE UNIQUE INDEX CONCURRENTLY/);
  });

  it('usage and config errors exit 2; production needs --yes; read-only refuses writes but allows dry runs', async () => {
    const p = makeProject(
      { '1_a.up.sql': 'CREATE TABLE a (id int);' },
      {
        environments: {
          prod: { urlEnv: 'PROD_URL', production: true },
          ro: { urlEnv: 'PROD_URL', readOnly: true },
        },
      },
    );
    assert.equal((await runCli(['up', '--steps', 'x', '--db', db.url], p.root)).code, 2);
    assert.equal((await runCli(['up', '--db', db.url, '--env', 'prod'], p.root)).code, 2);
    assert.equal((await runCli(['up', '--env', 'nope'], p.root)).code, 2);
    assert.equal((await runCli(['status', '--env', 'prod'], p.root)).code, 2, 'PROD_URL unset');
    const env = { PROD_URL: db.url };
    const noYes = await runCli(['up', '--env', 'prod'], p.root, env);
    assert.equal(noYes.code, 1);
    assert.match(noYes.stderr, /marked production.*needs --yes/);
    const ro = await runCli(['up', '--env', 'ro'], p.root, env);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /read-only/);
    assert.equal((await runCli(['up', '--env', 'ro', '--dry-run'], p.root, env)).code, 0);
    assert.equal((await runCli(['up', '--env', 'prod', '--yes'], p.root, env)).code, 0);
    // DATABASE_URL is the default target when nothing is named
    const s = await runCli(['status', '--format', 'json'], p.root, { DATABASE_URL: db.url });
    assert.equal(JSON.parse(s.stdout).migrations[0].state, 'applied');
  });

  it('up --dry-run --format json has the documented shape and changes nothing', async () => {
    const p = makeProject({ '1_a.up.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1), (2);\n' });
    const r = await runCli(['up', '--dry-run', '--format', 'json', '--db', db.url], p.root);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['migrations']);
    assert.deepEqual(Object.keys(j.migrations[0]), ['version', 'name', 'statements']);
    assert.deepEqual(Object.keys(j.migrations[0].statements[0]), [
      'line',
      'sql',
      'durationMs',
      'locks',
      'rewrites',
      'rows',
    ]);
    assert.deepEqual(j.migrations[0].statements[1].rows, 2);
    assert.equal(
      (await admin.query("SELECT to_regnamespace('pgshift') IS NULL AS x, to_regclass('a') IS NULL AS y"))
        .rows[0].x,
      true,
    );
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}
