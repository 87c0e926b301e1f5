import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Driver, PipelineStep } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { PgshiftError } from '../../src/core/errors';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { buildReport, renderMarkdown } from '../../src/core/report';
import {
  backups,
  down,
  dryRun,
  history,
  prune,
  restore,
  up,
  type BackupSettings,
  type RunnerEvent,
  type RunnerSettings,
} from '../../src/core/runner';
import { pruneBackups } from '../../src/core/runner/backup-store';
import { createScratchDatabase, pgliteScratchDir, type ScratchDatabase } from './server';
import { makeProject, runCli, startCli, waitFor } from './runner-fixtures';

const settings: Partial<RunnerSettings> = { lockWaitSeconds: 10 };

function backupOn(extra: Partial<BackupSettings> = {}): BackupSettings {
  return {
    enabled: true,
    file: false,
    schema: 'pgshift_archive',
    dir: path.join('/tmp', 'pgshift-backups-unused'),
    maxBytes: null,
    retentionDays: 30,
    ...extra,
  };
}

const USERS = (rows: number): string =>
  `CREATE TABLE users (id bigint PRIMARY KEY, email text, n int NOT NULL, note varchar(50));
   INSERT INTO users SELECT g, CASE WHEN g % 97 = 0 THEN NULL ELSE 'user' || g || '@example.com' END, g % 100,
                            'note ' || (g::int8 * 7919 % 100000) FROM generate_series(1, ${rows}) g;`;

/** md5 of a query's rows in order: what "identical" means below. */
async function md5(d: Driver, select: string): Promise<string> {
  const r = await d.query<{ h: string }>(
    `SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r.id), '')) AS h FROM (${select}) r`,
  );
  return r.rows[0].h;
}

/** Counts what a driver is asked to send, to hold "no extra round trip" to a number. */
function ok(r: { ok: boolean; failure?: unknown }): void {
  assert.equal(r.ok, true, JSON.stringify(r.failure));
}

function counting(d: Driver): { driver: Driver; calls: () => number } {
  let n = 0;
  const wrapped: Driver = Object.create(d);
  wrapped.query = (sql: string, params?: readonly unknown[]) => (n++, d.query(sql, params)) as never;
  wrapped.exec = (sql: string) => (n++, d.exec(sql));
  wrapped.pipeline = (steps: readonly PipelineStep[]) => (n++, d.pipeline(steps));
  return { driver: wrapped, calls: () => n };
}

describe('backups of what migrations destroy, and restore', function () {
  this.timeout(300_000);
  let db: ScratchDatabase;
  let driver: Driver;
  beforeEach(async () => {
    db = await createScratchDatabase('backup');
    driver = await openDriver({ kind: 'url', url: db.url });
  });
  afterEach(async () => {
    await driver?.close();
    await db?.drop();
  });

  it('DROP COLUMN on 1,000,000 rows, then down, then restore: the column is identical (md5 of the ordered values)', async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(1_000_000),
      '2_drop_email.up.sql': 'ALTER TABLE users DROP COLUMN email;',
      '2_drop_email.down.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    const before = await md5(driver, 'SELECT id, email FROM users');
    const events: RunnerEvent[] = [];
    const t0 = Date.now();
    const r = await up({ driver, set, settings, backup: backupOn(), onEvent: (e) => events.push(e) });
    const upMs = Date.now() - t0;
    assert.equal(r.ok, true);
    const announced = events.find((e) => e.type === 'backup');
    assert.ok(announced && announced.type === 'backup');
    assert.deepEqual(
      announced.objects.map((o) => o.what),
      ['column users.email'],
    );
    const made = r.steps[0].backups?.[0];
    assert.ok(made, 'the step reports its backup');
    assert.equal(made.rows, 1_000_000);
    const [b] = await backups({ driver, backup: backupOn() });
    assert.equal(b.id, made.id);
    assert.equal(b.verified, true);
    assert.deepEqual(
      b.objects.map((o) => ({
        kind: o.kind,
        table: o.table,
        column: o.column,
        rows: o.rows,
        key: o.keyColumns,
      })),
      [{ kind: 'column', table: 'users', column: 'email', rows: 1_000_000, key: ['id'] }],
    );
    // recorded with the history attempt it belongs to
    const h = await history({ driver, settings });
    assert.equal(b.historyId, h.find((e) => e.version === '2' && e.direction === 'up')!.id);

    // before the down migration recreated the column, restore says what to do
    await assert.rejects(restore({ driver, set, settings, backup: backupOn(), id: b.id }), (e: unknown) => {
      assert.ok(e instanceof PgshiftError && e.code === 'restore-refused');
      assert.match(e.message, /has no column email/);
      assert.match(e.hint!, /pgshift down/);
      return true;
    });
    assert.equal((await down({ driver, set, settings, backup: backupOn() })).ok, true);
    const dry = await restore({ driver, set, settings, backup: backupOn(), id: b.id, dryRun: true });
    assert.equal(dry.objects[0].rows, 1_000_000);
    const empty = await driver.query<{ n: string }>('SELECT count(email)::text AS n FROM users');
    assert.equal(empty.rows[0].n, '0', 'a dry run changes nothing');
    const t1 = Date.now();
    const restored = await restore({ driver, set, settings, backup: backupOn(), id: b.id });
    const restoreMs = Date.now() - t1;
    assert.equal(restored.verified, true);
    assert.equal(await md5(driver, 'SELECT id, email FROM users'), before);
    console.log(`      1M rows: up with backup ${upMs} ms, restore ${restoreMs} ms`);
  });

  const cases: { name: string; destroy: string; undo?: string; table: string }[] = [
    { name: 'DROP TABLE', destroy: 'DROP TABLE users;', undo: USERS(0), table: 'users' },
    { name: 'TRUNCATE', destroy: 'TRUNCATE users;', table: 'users' },
    {
      name: 'DELETE … WHERE',
      destroy: 'DELETE FROM users WHERE n < 30 AND email LIKE $q$%7%$q$;',
      table: 'users',
    },
    {
      name: 'a lossy UPDATE',
      destroy: "UPDATE users u SET email = lower(split_part(u.email, '@', 1)), n = 0 WHERE u.n >= 50;",
      table: 'users',
    },
    {
      name: 'a lossy ALTER COLUMN TYPE (varchar(50) → varchar(8) USING left)',
      destroy: 'ALTER TABLE users ALTER COLUMN note TYPE varchar(8) USING left(note, 8);',
      undo: 'ALTER TABLE users ALTER COLUMN note TYPE varchar(50);',
      table: 'users',
    },
  ];
  for (const c of cases) {
    it(`${c.name} on 1,000,000 rows, then down, then restore: the table is identical (md5)`, async () => {
      const p = makeProject({
        '1_users.up.sql': USERS(1_000_000),
        '2_destroy.up.sql': c.destroy,
        '2_destroy.down.sql': c.undo ?? 'SELECT 1;',
      });
      const set = p.set();
      ok(await up({ driver, set, settings, to: '1' }));
      const before = await md5(driver, `SELECT * FROM ${c.table}`);
      const r = await up({ driver, set, settings, backup: backupOn() });
      assert.equal(r.ok, true, JSON.stringify(r.failure));
      assert.notEqual(
        await md5(driver, `SELECT * FROM ${c.table}`).catch(() => 'gone'),
        before,
        'the migration destroyed something',
      );
      const id = r.steps[0].backups![0].id;
      assert.equal((await down({ driver, set, settings, backup: backupOn() })).ok, true);
      const t0 = Date.now();
      const res = await restore({ driver, set, settings, backup: backupOn(), id });
      assert.equal(res.verified, true);
      assert.equal(await md5(driver, `SELECT * FROM ${c.table}`), before);
      console.log(
        `      ${c.name}: backup ${r.steps[0].backups![0].rows} rows, restore ${Date.now() - t0} ms`,
      );
    });
  }

  it('TRUNCATE … CASCADE backs up the tables whose foreign keys reach it too, and restores them in order', async () => {
    const p = makeProject({
      '1_tables.up.sql': `${USERS(5_000)}
        CREATE TABLE orders (id int PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, total numeric);
        INSERT INTO orders SELECT g, g % 5000 + 1, g * 1.5 FROM generate_series(1, 20000) g;`,
      '2_empty.up.sql': 'TRUNCATE users CASCADE;',
      '2_empty.down.sql': 'SELECT 1;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    const [u, o] = [await md5(driver, 'SELECT * FROM users'), await md5(driver, 'SELECT * FROM orders')];
    const r = await up({ driver, set, settings, backup: backupOn() });
    ok(r);
    const [b] = await backups({ driver, backup: backupOn() });
    assert.deepEqual(
      b.objects.map((x) => [x.table, x.rows]),
      [
        ['users', 5_000],
        ['orders', 20_000],
      ],
    );
    ok(await down({ driver, set, settings, backup: backupOn() }));
    await restore({ driver, set, settings, backup: backupOn(), id: b.id });
    assert.deepEqual(
      [await md5(driver, 'SELECT * FROM users'), await md5(driver, 'SELECT * FROM orders')],
      [u, o],
    );
  });

  it('a batched UPDATE archives each batch with the batch: cancelled after 3, resumed, restored identical', async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(20_000),
      '2_backfill.up.sql':
        "-- pgshift:batch size=2000\nUPDATE users SET note = 'x', n = n + 1 WHERE n < 60;\n",
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    const before = await md5(driver, 'SELECT * FROM users');
    const ac = new AbortController();
    let batches = 0;
    const first = await up({
      driver,
      set,
      settings,
      backup: backupOn(),
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'batch' && ++batches === 3) ac.abort();
      },
    });
    assert.equal(first.ok, false);
    const mid = await driver.query<{ n: string; rows: string }>(
      `SELECT (SELECT count(*) FROM pgshift_archive.b1_1_users)::text AS n,
              (SELECT rows_done FROM pgshift.progress)::text AS rows`,
    );
    assert.equal(mid.rows[0].n, mid.rows[0].rows, 'the archive holds exactly the committed batches');
    assert.deepEqual(
      (await backups({ driver, backup: backupOn() })).map((b) => b.verified),
      [false],
      'not usable until the backfill finished',
    );
    const second = await up({ driver, set, settings, backup: backupOn() });
    ok(second);
    const [b] = await backups({ driver, backup: backupOn() });
    assert.equal(b.verified, true);
    assert.equal(b.objects[0].rows, 12_000);
    assert.deepEqual(b.objects[0].setColumns, ['note', 'n']);
    assert.equal(second.steps[0].backups?.[0].id, b.id);
    const res = await restore({ driver, set, settings, backup: backupOn(), id: b.id });
    assert.equal(res.objects[0].rows, 12_000);
    assert.equal(await md5(driver, 'SELECT * FROM users'), before);
  });

  it("backup.mode 'file' also writes the backup through COPY … TO STDOUT: gzip files whose rows and sha256 match, a manifest, pruned with it", async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(30_000),
      '2_drop.up.sql': 'ALTER TABLE users DROP COLUMN email;\nDELETE FROM users WHERE n = 7;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    const expected = await driver.query<{ n: string }>(`SELECT count(*)::text AS n FROM users WHERE n = 7`);
    const dir = path.join(p.root, 'backups');
    const b = backupOn({ file: true, dir });
    const r = await up({ driver, set, settings, backup: b });
    ok(r);
    const made = r.steps[0].backups![0];
    assert.equal(made.file, path.join(dir, String(made.id)));
    const manifest = JSON.parse(fs.readFileSync(path.join(made.file!, 'manifest.json'), 'utf8'));
    assert.deepEqual(
      manifest.objects.map((o: { table: string; kind: string; rows: number }) => [o.table, o.kind, o.rows]),
      [
        ['public.users', 'column', 30_000],
        ['public.users', 'rows', Number(expected.rows[0].n)],
      ],
    );
    for (const o of manifest.objects) {
      const data = zlib.gunzipSync(fs.readFileSync(path.join(made.file!, o.file)));
      assert.equal(crypto.createHash('sha256').update(data).digest('hex'), o.sha256);
      assert.equal(data.toString('utf8').split('\n').length - 1, o.rows);
    }
    assert.deepEqual(manifest.objects[0].columns, ['id', 'email']);
    assert.ok(!fs.existsSync(`${made.file}.partial`));
    const [listed] = await backups({ driver, backup: b });
    assert.equal(listed.file, made.file);
    assert.equal(listed.fileVerified, true);
    await prune({ driver, set, settings, backup: { ...b, retentionDays: null, maxBytes: 0 } });
    assert.ok(fs.existsSync(made.file!), 'the newest backup of an applied migration stays, with its files');
    // once its migration is no longer applied, it goes, files and all
    const gone = await pruneBackups(driver, 'pgshift_archive', {
      retentionDays: null,
      maxBytes: 0,
      applied: [],
    });
    assert.deepEqual(
      gone.pruned.map((x) => x.id),
      [made.id],
    );
    assert.ok(!fs.existsSync(made.file!));
  });

  it('the report and the dry run state what a pending migration will copy first, its size and time', async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(50_000),
      '2_drop.up.sql': 'ALTER TABLE users DROP COLUMN email;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    await driver.exec('ANALYZE users');
    const report = await buildReport({
      set,
      config: DEFAULT_CONFIG,
      scope: { kind: 'pending' },
      driver,
      settings,
      backup: backupOn(),
      verify: false,
      preflight: false,
    });
    const m = report.migrations.find((x) => x.version === '2')!;
    assert.deepEqual(
      m.backup?.objects.map((o) => [o.what, o.rows]),
      [['column users.email', 50_000]],
    );
    assert.ok(m.backup!.bytes > 100_000 && m.backup!.seconds >= 0, JSON.stringify(m.backup));
    assert.match(renderMarkdown(report), /Backed up first: column users\.email \(≈ [\d.]+ (kB|MB), ≈ /);
    const dry = await dryRun({ driver, set, settings, backup: backupOn(), direction: 'up' });
    assert.deepEqual(
      dry.migrations[0].backup?.objects.map((o) => o.what),
      ['column users.email'],
    );
    assert.deepEqual(await backups({ driver, backup: backupOn() }), [], 'a dry run makes no backup');
  });

  /** The queries `up` sends for `files` on a fresh database, with and without backups. */
  async function queriesOf(files: Record<string, string>, backup?: BackupSettings): Promise<number> {
    const scratch = await createScratchDatabase('backup_q');
    const d = await openDriver({ kind: 'url', url: scratch.url });
    try {
      const c = counting(d);
      const r = await up({ driver: c.driver, set: makeProject(files).set(), settings, backup });
      ok(r);
      assert.ok(
        r.steps.every((s) => !s.backups),
        'no backup was made',
      );
      const n = await d.query(`SELECT to_regnamespace('pgshift_archive') AS n`);
      assert.equal(n.rows[0].n, null, 'no archive schema was made');
      return c.calls();
    } finally {
      await d.close();
      await scratch.drop();
    }
  }

  it('migrations that destroy nothing make no backup, no archive schema, and not one extra round trip', async () => {
    const files = {
      '1_t.up.sql':
        'CREATE TABLE t (id int PRIMARY KEY, n int);\nINSERT INTO t SELECT g, g FROM generate_series(1, 100) g;',
      '2_add.up.sql': 'ALTER TABLE t ADD COLUMN c text;\nINSERT INTO t (id) VALUES (0);',
      '3_index.up.sql': 'CREATE INDEX t_c ON t (c);\nCOMMENT ON TABLE t IS $$drop table t; truncate$$;',
    };
    assert.equal(await queriesOf(files, backupOn()), await queriesOf(files));
  });

  it('a widening type change (int → bigint) makes no backup: the old type, read from the catalog, tells', async () => {
    const files = {
      '1_t.up.sql': 'CREATE TABLE t (id int PRIMARY KEY, n int);',
      '2_widen.up.sql': 'ALTER TABLE t ALTER COLUMN n TYPE bigint;',
    };
    const on = await queriesOf(files, backupOn());
    const off = await queriesOf(files);
    // the old type is read once when the run is planned (t does not exist yet) and once before the step
    assert.equal(on - off, 2, `${on} vs ${off} queries`);
  });

  it('a backup over backup.maxBytes refuses the run before anything ran, and --no-backup (enabled false) goes on', async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(20_000),
      '2_x.up.sql': 'CREATE TABLE x (id int);',
      '3_drop.up.sql': 'ALTER TABLE users DROP COLUMN email;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    await driver.exec('ANALYZE users');
    await assert.rejects(
      up({ driver, set, settings, backup: backupOn({ maxBytes: 10_000 }) }),
      (e: unknown) => {
        assert.ok(e instanceof PgshiftError && e.code === 'backup-too-big', String(e));
        assert.match(e.message, /column users\.email/);
        assert.match(e.hint!, /--no-backup/);
        return true;
      },
    );
    const t = await driver.query(`SELECT to_regclass('x') AS x`);
    assert.equal(t.rows[0].x, null, 'migration 2 did not run either');
    const r = await up({ driver, set, settings, backup: backupOn({ maxBytes: 10_000, enabled: false }) });
    assert.equal(r.ok, true);
    assert.deepEqual(await backups({ driver, backup: backupOn() }), []);
  });

  it('SIGKILL during the backup: the migration did not run, no backup is listed, the next up backs up again and runs', async () => {
    const p = makeProject(
      {
        '1_users.up.sql': USERS(50_000),
        '2_drop_email.up.sql': 'ALTER TABLE users DROP COLUMN email;',
      },
      { runner: { lockTimeout: '60s' } },
    );
    const first = await runCli(['up', '--db', db.url, '--to', '1'], p.root);
    assert.equal(first.code, 0, first.stderr);
    // a writer holds the table, so the backup waits inside its own LOCK … IN SHARE MODE
    const writer = await openDriver({ kind: 'url', url: db.url });
    await writer.exec('BEGIN; UPDATE users SET n = n WHERE id = 1');
    const run = startCli(['up', '--db', db.url], p.root);
    await waitFor('the backup waiting on its lock', async () => {
      const r = await driver.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%backup_column%'`,
      );
      return r.rows.length ? true : undefined;
    });
    run.child.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');
    await writer.exec('ROLLBACK');
    await writer.close();
    await waitFor('the killed session to end', async () => {
      const r = await driver.query(
        `SELECT 1 FROM pg_stat_activity WHERE query LIKE '%backup_column%' AND pid <> pg_backend_pid()`,
      );
      return r.rows.length ? undefined : true;
    });
    const cols = await driver.query(
      `SELECT 1 FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'`,
    );
    assert.equal(cols.rows.length, 1, 'the migration did not run');
    const listed = JSON.parse((await runCli(['backups', '--db', db.url, '--format', 'json'], p.root)).stdout);
    assert.deepEqual(listed.backups, [], 'nothing of the killed backup is listed');
    const again = await runCli(['up', '--db', db.url], p.root);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /backing up column users\.email into pgshift_archive/);
    assert.match(again.stderr, /backup \d+ verified: 50,000 rows/);
    const after = JSON.parse((await runCli(['backups', '--db', db.url, '--format', 'json'], p.root)).stdout);
    assert.equal(after.backups.length, 1);
    assert.equal(after.backups[0].verified, true);
    assert.deepEqual(after.backups[0].objects, [
      {
        kind: 'column',
        how: 'drop',
        table: 'users',
        column: 'email',
        rows: 50_000,
        bytes: after.backups[0].objects[0].bytes,
        archive: after.backups[0].objects[0].archive,
      },
    ]);
    assert.ok(after.backups[0].objects[0].bytes > 500_000);
  });

  it('prune keeps the newest backup of each applied migration and removes the rest past the limits', async () => {
    const p = makeProject({
      '1_t.up.sql':
        'CREATE TABLE t (id int PRIMARY KEY, a text, b text);\nINSERT INTO t SELECT g, g::text, g::text FROM generate_series(1, 1000) g;',
      '2_drop_a.up.sql': 'ALTER TABLE t DROP COLUMN a;',
      '2_drop_a.down.sql': 'ALTER TABLE t ADD COLUMN a text;',
      '3_drop_b.up.sql': 'ALTER TABLE t DROP COLUMN b;',
    });
    const set = p.set();
    const b = backupOn();
    assert.equal((await up({ driver, set, settings, backup: b, to: '2' })).ok, true);
    assert.equal((await down({ driver, set, settings, backup: b })).ok, true);
    assert.equal((await up({ driver, set, settings, backup: b })).ok, true);
    const all = await backups({ driver, backup: b });
    assert.deepEqual(
      all.map((x) => x.version),
      ['3', '2', '2'],
    );
    // everything is "too big": only the newest of each applied migration (2 and 3) stays
    const r = await prune({ driver, set, settings, backup: backupOn({ maxBytes: 0 }) });
    assert.deepEqual(
      r.pruned.map((x) => x.id),
      [all[2].id],
    );
    const left = await backups({ driver, backup: b });
    assert.deepEqual(
      left.map((x) => x.id),
      [all[0].id, all[1].id],
    );
    const tables = await driver.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'pgshift_archive' AND tablename ~ '^b[0-9]'`,
    );
    assert.equal(tables.rows[0].n, '2', 'the pruned copy is dropped');
  });
});

describe('backups on embedded PGlite (backup.mode "file" turns them on for the Local sandbox)', function () {
  this.timeout(120_000);
  let driver: Driver;
  before(async () => {
    driver = await openDriver({ kind: 'embedded', dataDir: pgliteScratchDir() });
  });
  after(async () => driver?.close());

  it('DROP COLUMN, down, restore: identical; the file is written through /dev/blob', async () => {
    const p = makeProject({
      '1_users.up.sql': USERS(5_000),
      '2_drop.up.sql': 'ALTER TABLE users DROP COLUMN email;',
      '2_drop.down.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    const set = p.set();
    ok(await up({ driver, set, settings, to: '1' }));
    const before = await md5(driver, 'SELECT id, email FROM users');
    const b = backupOn({ file: true, dir: path.join(p.root, 'backups') });
    const r = await up({ driver, set, settings, backup: b });
    ok(r);
    const made = r.steps[0].backups![0];
    const manifest = JSON.parse(fs.readFileSync(path.join(made.file!, 'manifest.json'), 'utf8'));
    assert.equal(manifest.objects[0].rows, 5_000);
    ok(await down({ driver, set, settings, backup: b }));
    await restore({ driver, set, settings, backup: b, id: made.id });
    assert.equal(await md5(driver, 'SELECT id, email FROM users'), before);
  });
});
