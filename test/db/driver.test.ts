import { strict as assert } from 'node:assert';
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { DbError, Driver } from '../../src/core/db/driver';
import { describeTarget, embeddedDataDir, openDriver, targetFromUrl } from '../../src/core/db/open';
import { lookupPgpass, matchPgpass, parsePgpass } from '../../src/core/db/pgpass';
import { pgliteLockPath } from '../../src/core/db/pglite-driver';
import { PgshiftError } from '../../src/core/errors';
import {
  createScratchDatabase,
  pgliteScratchDir,
  ScratchDatabase,
  testServerIsEmbedded,
  testServerUrl,
} from './server';

const SECRET = 's3cr3t-pw';
const compiledDb = path.join(__dirname, '..', '..', 'src', 'core', 'db');

interface Subject {
  driver(): Driver;
  /** Opens a fresh session on the same database after the current one was closed. */
  reopen(): Promise<void>;
}

/** The behaviour the runner relies on, identical on a real server and on PGlite. */
function driverContract(subject: Subject): void {
  const d = () => subject.driver();

  it('binds $1 parameters as values, never as SQL', async () => {
    const evil = `it's "quoted" \\ '; DROP TABLE contract_victim; --`;
    await d().query('CREATE TABLE contract_victim (id int)');
    await d().query('CREATE TABLE contract_params (id int PRIMARY KEY, s text)');
    const ins = await d().query('INSERT INTO contract_params (id, s) VALUES ($1, $2)', [1, evil]);
    assert.equal(ins.rowCount, 1);
    const r = await d().query<{ s: string; echo: string }>(
      'SELECT s, $1::text AS echo FROM contract_params WHERE id = $2',
      [evil, 1],
    );
    assert.deepEqual(r.rows, [{ s: evil, echo: evil }]);
    const victim = await d().query<{ t: string | null }>(`SELECT to_regclass('contract_victim')::text AS t`);
    assert.equal(victim.rows[0].t, 'contract_victim');
  });

  it('reports rowCount and command like node-postgres', async () => {
    const create = await d().query('CREATE TABLE contract_rows (id int, n int8)');
    assert.equal(create.command, 'CREATE');
    assert.equal(create.rowCount, null);
    const ins = await d().query('INSERT INTO contract_rows VALUES (1, 9007199254740993), (2, 2), (3, 3)');
    assert.deepEqual([ins.command, ins.rowCount], ['INSERT', 3]);
    const upd = await d().query('UPDATE contract_rows SET id = id WHERE id > $1', [1]);
    assert.deepEqual([upd.command, upd.rowCount], ['UPDATE', 2]);
    const none = await d().query('DELETE FROM contract_rows WHERE id > 100');
    assert.equal(none.rowCount, 0);
    const sel = await d().query<{ n: unknown }>('SELECT n FROM contract_rows ORDER BY id');
    assert.deepEqual([sel.command, sel.rowCount], ['SELECT', 3]);
    // int8 comes back as a string on both drivers: exact, and JSON-serialisable
    assert.equal(sel.rows[0].n, '9007199254740993');
  });

  it('query() refuses several statements in one string', async () => {
    const err = await dbError(d().query('SELECT 1; SELECT 2'));
    assert.equal(err.code, '42601');
  });

  it('exec() runs several statements and returns one result per statement', async () => {
    const rs = await d().exec(`
      CREATE TABLE contract_exec (id int);
      INSERT INTO contract_exec VALUES (1), (2);
      -- a comment between statements
      UPDATE contract_exec SET id = id + 10;
      SELECT id FROM contract_exec ORDER BY id;
    `);
    assert.deepEqual(
      rs.map((r) => [r.command, r.rowCount]),
      [
        ['CREATE', null],
        ['INSERT', 2],
        ['UPDATE', 2],
        ['SELECT', 2],
      ],
    );
    assert.deepEqual(rs[3].rows, [{ id: 11 }, { id: 12 }]);
    assert.deepEqual(await d().exec(''), []);
    assert.deepEqual(await d().exec('-- only a comment'), []);
  });

  it('a syntax error is a DbError with SQLSTATE 42601 and a 1-based character position', async () => {
    const sql = `SELECT 'déjà vu' AS x FROM WHERE`;
    for (const run of [() => d().query(sql), () => d().exec(sql)]) {
      const err = await dbError(run());
      assert.equal(err.code, '42601');
      assert.equal(err.position, sql.indexOf('WHERE') + 1, 'character (not byte) offset, 1-based');
      assert.match(err.message, /syntax error at or near "WHERE"/);
      assert.doesNotMatch(err.message, /\n/);
    }
  });

  it('a unique violation is a DbError with SQLSTATE 23505 and the detail', async () => {
    await d().exec(
      'CREATE TABLE contract_unique (id int PRIMARY KEY); INSERT INTO contract_unique VALUES (1);',
    );
    const err = await dbError(d().query('INSERT INTO contract_unique VALUES ($1)', [1]));
    assert.equal(err.code, '23505');
    assert.equal(err.position, undefined);
    assert.match(err.detail ?? '', /Key \(id\)=\(1\) already exists/);
    const viaExec = await dbError(
      d().exec('INSERT INTO contract_unique VALUES (2); INSERT INTO contract_unique VALUES (1);'),
    );
    assert.equal(viaExec.code, '23505');
    // the failed multi-statement string ran as one implicit transaction: row 2 is not there
    const r = await d().query('SELECT id FROM contract_unique ORDER BY id');
    assert.deepEqual(r.rows, [{ id: 1 }]);
  });

  it('serverVersion() gives a major version of at least 15', async () => {
    const v = await d().serverVersion();
    assert.ok(v.major >= 15, `major ${v.major}`);
    assert.equal(v.major, Math.floor(v.num / 10000));
    assert.match(v.text, /^PostgreSQL \d+/);
  });

  it('backendPid() is this session’s pg_backend_pid()', async () => {
    const pid = await d().backendPid();
    assert.ok(Number.isInteger(pid) && pid > 0);
    const r = await d().query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.equal(r.rows[0].pid, pid);
  });

  it('BEGIN … ROLLBACK leaves nothing behind', async () => {
    await d().query('BEGIN');
    await d().query('CREATE TABLE contract_tx (id int)');
    await d().query('INSERT INTO contract_tx VALUES (1)');
    await d().query('CREATE INDEX contract_tx_idx ON contract_tx (id)');
    await d().query('ROLLBACK');
    await d().exec('BEGIN; CREATE TABLE contract_tx2 (id int); ROLLBACK;');
    const r = await d().query<{ a: string | null; b: string | null }>(
      `SELECT to_regclass('contract_tx')::text AS a, to_regclass('contract_tx2')::text AS b`,
    );
    assert.deepEqual(r.rows, [{ a: null, b: null }]);
  });

  it('an error inside a transaction aborts it until ROLLBACK, and the session stays usable', async () => {
    await d().query('BEGIN');
    await dbError(d().query('SELECT 1/0'));
    const aborted = await dbError(d().query('SELECT 1'));
    assert.equal(aborted.code, '25P02');
    await d().query('ROLLBACK');
    assert.deepEqual((await d().query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('pipeline() runs every step in order and reports each outcome; a failure inside a transaction makes COMMIT roll back', async () => {
    const ok = await d().pipeline([
      {
        sql: 'BEGIN; CREATE TABLE contract_pipe (id int, s text); INSERT INTO contract_pipe VALUES (1, $x$a$x$);',
      },
      { sql: 'INSERT INTO contract_pipe VALUES ($1, $2)', params: [2, `it's; DROP TABLE contract_pipe; --`] },
      { sql: 'SELECT count(*)::int AS n FROM contract_pipe', params: [] },
      { sql: 'COMMIT' },
    ]);
    assert.deepEqual(
      ok.map((o) => (o.ok ? o.results.map((r) => r.command).join(',') : o.error.code)),
      ['BEGIN,CREATE,INSERT', 'INSERT', 'SELECT', 'COMMIT'],
    );
    assert.deepEqual(ok[2].ok && ok[2].results[0].rows, [{ n: 2 }]);

    const failed = await d().pipeline([
      { sql: 'BEGIN; INSERT INTO contract_pipe VALUES (3, null); SELECT 1/0;' },
      { sql: 'INSERT INTO contract_pipe VALUES ($1, $2)', params: [4, 'x'] },
      { sql: 'COMMIT' },
    ]);
    assert.deepEqual(
      failed.map((o) => (o.ok ? o.results.map((r) => r.command).join(',') : o.error.code)),
      ['22012', '25P02', 'ROLLBACK'],
    );
    const rows = await d().query<{ id: number }>('SELECT id FROM contract_pipe ORDER BY id');
    assert.deepEqual(
      rows.rows.map((r) => r.id),
      [1, 2],
    );
  });

  it('cancel() when idle does nothing to the session', async () => {
    await d().cancel();
    assert.deepEqual((await d().query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  });

  it('close() ends the session; later calls fail with DbError; closing twice is fine', async () => {
    const driver = d();
    await driver.close();
    await driver.close();
    await dbError(driver.query('SELECT 1'));
    await subject.reopen();
    assert.deepEqual((await d().query('SELECT 3 AS three')).rows, [{ three: 3 }]);
  });
}

describe('db drivers', () => {
  describe('pg driver (real PostgreSQL)', () => {
    let db: ScratchDatabase | undefined;
    let driver: Driver | undefined;
    const subject: Subject = {
      driver: () => driver!,
      reopen: async () => {
        driver = await openDriver(targetFromUrl(db!.url));
      },
    };

    before(async () => {
      db = await createScratchDatabase('driver_pg');
      driver = await openDriver(targetFromUrl(db.url));
    });
    after(async () => {
      await driver?.close();
      await db?.drop();
    });

    driverContract(subject);

    it('is a pg driver that supports concurrent sessions and describes itself without the password', () => {
      const d = subject.driver();
      assert.equal(d.kind, 'pg');
      assert.equal(d.supportsConcurrentSessions, true);
      const password = new URL(db!.url).password;
      assert.ok(password.length > 0);
      assert.ok(!d.description.includes(password), d.description);
      assert.match(d.description, /^postgres:\/\/[^:@]+@127\.0\.0\.1:\d+\/driver_pg_/);
    });

    it('cancel() stops a running pg_sleep(30) within 2 s with SQLSTATE 57014', async () => {
      const d = subject.driver();
      const started = Date.now();
      const running = dbError(d.query('SELECT pg_sleep(30)'));
      await sleep(300);
      await d.cancel();
      const err = await running;
      const elapsed = Date.now() - started;
      assert.equal(err.code, '57014');
      assert.ok(elapsed < 2000, `took ${elapsed} ms`);
      assert.deepEqual((await d.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    });

    it('pipeline() is one round trip: every step reaches the server before the first reply', async () => {
      // A TCP relay between the driver and the server records who spoke when: c = client bytes, s = server bytes.
      const target = new URL(db!.url);
      const talk: string[] = [];
      const relay = net.createServer((client) => {
        const server = net.connect(Number(target.port), target.hostname);
        client.on('data', (b) => (talk.push('c'), server.write(b)));
        server.on('data', (b) => (talk.push('s'), client.write(b)));
        client.on('close', () => server.destroy());
        server.on('close', () => client.destroy());
        client.on('error', () => server.destroy());
        server.on('error', () => client.destroy());
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
      const via = new URL(db!.url);
      via.port = String((relay.address() as net.AddressInfo).port);
      via.searchParams.set('sslmode', 'disable');
      const piped = await openDriver(targetFromUrl(via.toString()));
      try {
        await piped.query('SELECT 1');
        const steps = [
          { sql: 'BEGIN; SELECT pg_sleep(0.05);' },
          { sql: 'SELECT $1::text AS a', params: ['a'] },
          { sql: 'SELECT $1::int AS b', params: [2] },
          { sql: 'COMMIT' },
        ];
        // Wait until the last reply has gone through the relay, then read the conversation.
        const settle = () => new Promise((r) => setTimeout(r, 50));
        await settle();
        talk.length = 0;
        const out = await piped.pipeline(steps);
        await settle();
        assert.ok(out.every((o) => o.ok));
        const conversation = talk.join('').replace(/c+/g, 'c').replace(/s+/g, 's');
        assert.equal(conversation, 'cs', `the relay saw ${talk.join('')}`);
        // and, as a control, the same steps one by one take a round trip each
        talk.length = 0;
        for (const s of steps) await (s.params ? piped.query(s.sql, s.params) : piped.exec(s.sql));
        await settle();
        assert.equal(talk.join('').replace(/c+/g, 'c').replace(/s+/g, 's'), 'cscscscs');
      } finally {
        await piped.close();
        relay.close();
      }
    });

    it('sets application_name to pgshift by default', async () => {
      const r = await subject
        .driver()
        .query<{ a: string }>(`SELECT current_setting('application_name') AS a`);
      assert.equal(r.rows[0].a, 'pgshift');
    });

    it('a wrong password gives one line within 10 s that never shows the password', async function () {
      const url = new URL(db!.url);
      url.password = SECRET;
      const { err, ms } = await failedOpen(url.toString());
      if (!err) {
        assert.ok(!testServerIsEmbedded(), 'the suite’s own server must reject a wrong password');
        console.warn(
          '      (TEST_DATABASE_URL server does not check passwords for this user; wrong-password check skipped)',
        );
        this.skip();
      }
      assert.equal(err.code, '28P01');
      assert.equal(
        err.message,
        `password authentication failed for user "${url.username}" — check the password (SecretStorage, PGPASSWORD or ~/.pgpass)`,
      );
      assertOneLineNoSecret(err, ms);
    });

    it('a closed port on 127.0.0.1 gives one line within 10 s', async () => {
      const port = await closedPort();
      const { err, ms } = await failedOpen(`postgres://app:${SECRET}@127.0.0.1:${port}/shop`);
      assert.ok(err);
      assert.equal(
        err.message,
        `could not connect to 127.0.0.1:${port}: connection refused — is the server running and accepting TCP connections?`,
      );
      assertOneLineNoSecret(err, ms);
    });

    it('a missing database gives one line within 10 s', async () => {
      const url = new URL(db!.url);
      url.pathname = '/nope_does_not_exist';
      const { err, ms } = await failedOpen(url.toString());
      assert.ok(err);
      assert.equal(err.code, '3D000');
      assert.equal(
        err.message,
        `database "nope_does_not_exist" does not exist on ${url.hostname}:${url.port} — create it or fix the database name`,
      );
      assertOneLineNoSecret(err, ms);
    });

    it('a server that never answers times out after connectTimeoutMs with one line', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const { err, ms } = await failedOpen(`postgres://app:${SECRET}@127.0.0.1:${port}/shop`, 500);
        assert.ok(err);
        assert.match(
          err.message,
          new RegExp(`^could not connect to 127\\.0\\.0\\.1:${port}: timed out after 0\\.5 s — `),
        );
        assert.ok(ms < 3000, `took ${ms} ms`);
        assertOneLineNoSecret(err, ms);
      } finally {
        silent.close();
      }
    });

    it('sslmode=require on a server without TLS says so; sslmode=disable connects', async () => {
      if (!testServerIsEmbedded()) return; // a given TEST_DATABASE_URL server may well have TLS
      const url = new URL(db!.url);
      url.searchParams.set('sslmode', 'require');
      const { err } = await failedOpen(url.toString());
      assert.ok(err);
      assert.match(err.message, /does not support SSL — use sslmode=prefer or sslmode=disable$/);
      url.searchParams.set('sslmode', 'disable');
      const d = await openDriver(targetFromUrl(url.toString()));
      await d.close();
    });

    describe('passwords not in the target', () => {
      const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
      let tmp = '';
      beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-pgpass-'));
        delete process.env.PGPASSWORD;
        process.env.PGPASSFILE = path.join(tmp, 'none');
      });
      afterEach(() => {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        fs.rmSync(tmp, { recursive: true, force: true });
      });
      const paramsTarget = () => {
        const u = new URL(db!.url);
        return {
          kind: 'params' as const,
          host: u.hostname,
          port: Number(u.port),
          user: decodeURIComponent(u.username),
          database: db!.name,
          sslmode: 'disable' as const,
        };
      };

      it('come from the pgpass file named by PGPASSFILE (with wildcards)', async () => {
        const u = new URL(db!.url);
        const file = path.join(tmp, 'pgpass');
        const pw = decodeURIComponent(u.password).replace(/[\\:]/g, (c) => '\\' + c);
        fs.writeFileSync(
          file,
          `# comment\nother:1:*:*:wrong\n${u.hostname}:${u.port}:*:${decodeURIComponent(u.username)}:${pw}\n`,
          { mode: 0o600 },
        );
        process.env.PGPASSFILE = file;
        const d = await openDriver(paramsTarget());
        await d.close();
      });

      it('come from PGPASSWORD', async () => {
        process.env.PGPASSWORD = decodeURIComponent(new URL(db!.url).password);
        const d = await openDriver(paramsTarget());
        await d.close();
      });

      it('missing altogether gives one line that says where to put it', async function () {
        if (!testServerIsEmbedded()) this.skip();
        const started = Date.now();
        const err = await dbError(openDriver(paramsTarget()));
        assert.match(
          err.message,
          /asked for a password for user "[^"]+" and none was given — set it \(SecretStorage, PGPASSWORD or ~\/\.pgpass\)$/,
        );
        assertOneLineNoSecret(err, Date.now() - started);
      });
    });
  });

  describe('pglite driver (embedded)', () => {
    let dir = '';
    let driver: Driver | undefined;
    const subject: Subject = {
      driver: () => driver!,
      reopen: async () => {
        driver = await openDriver({ kind: 'embedded', dataDir: dir });
      },
    };

    before(async function () {
      this.timeout(120_000);
      dir = pgliteScratchDir();
      const started = Date.now();
      driver = await openDriver({ kind: 'embedded', dataDir: dir });
      await driver.query('SELECT 1');
      console.log(`      [pglite] new data dir created and opened in ${Date.now() - started} ms`);
    });
    after(async () => {
      await driver?.close();
    });

    driverContract(subject);

    it('is a pglite driver with one session only', () => {
      const d = subject.driver();
      assert.equal(d.kind, 'pglite');
      assert.equal(d.supportsConcurrentSessions, false);
      assert.equal(d.description, `embedded PGlite at ${dir}`);
    });

    it('reopening an existing data dir keeps the data', async () => {
      await subject
        .driver()
        .exec(`CREATE TABLE kept (id int, s text); INSERT INTO kept VALUES (1, 'still here');`);
      await subject.driver().close();
      assert.ok(!fs.existsSync(pgliteLockPath(dir)), 'close() removes the lock file');
      const started = Date.now();
      await subject.reopen();
      const r = await subject.driver().query('SELECT id, s FROM kept');
      console.log(`      [pglite] existing data dir reopened in ${Date.now() - started} ms`);
      assert.deepEqual(r.rows, [{ id: 1, s: 'still here' }]);
    });

    it('a second process cannot open the data dir while this one holds it, and is told the pid', async () => {
      const lock = pgliteLockPath(dir);
      assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
      const started = Date.now();
      const child = await openInChild(dir, 300);
      assert.equal(child.ok, false, JSON.stringify(child));
      assert.equal(child.code, '55006');
      assert.match(child.message ?? '', new RegExp(`is in use by another process \\(pid ${process.pid}\\)`));
      assert.ok(Date.now() - started < 10_000);
      assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid, 'the holder keeps its lock');
    });

    it('a second open in the same process is refused too', async () => {
      const err = await dbError(openDriver({ kind: 'embedded', dataDir: dir }, { lockWaitMs: 0 }));
      assert.equal(err.code, '55006');
      assert.match(err.message, /in use by this process/);
    });

    it('a stale lock (dead pid) is taken over', async () => {
      await subject.driver().close();
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      assert.ok(dead && !isAlive(dead));
      fs.writeFileSync(pgliteLockPath(dir), JSON.stringify({ pid: dead, host: os.hostname() }));
      await subject.reopen();
      assert.equal(JSON.parse(fs.readFileSync(pgliteLockPath(dir), 'utf8')).pid, process.pid);
      assert.equal((await subject.driver().query('SELECT count(*)::int AS n FROM kept')).rows[0].n, 1);
    });

    it('waits for a live holder that lets go within the wait', async () => {
      await subject.driver().close();
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
      try {
        fs.writeFileSync(pgliteLockPath(dir), `${holder.pid}\n`);
        setTimeout(() => holder.kill(), 400);
        const started = Date.now();
        driver = await openDriver({ kind: 'embedded', dataDir: dir }, { lockWaitMs: 5000 });
        assert.ok(Date.now() - started >= 300, 'it waited for the holder');
      } finally {
        holder.kill();
      }
    });
  });
});

describe('db/open', () => {
  it('embeddedDataDir is <project>/.pgshift/db', () => {
    assert.equal(embeddedDataDir('/work/shop'), path.join('/work/shop', '.pgshift', 'db'));
  });

  it('targetFromUrl rejects malformed URLs with exit code 2 and without echoing the password', () => {
    for (const bad of [
      `postgres://app:${SECRET}@127.0.0.1:notaport/db`,
      `mysql://app:${SECRET}@127.0.0.1/db`,
      `postgres://app:${SECRET}@127.0.0.1/db?sslmode=sometimes`,
      `postgres://app:${SECRET}@127.0.0.1/db/extra`,
      `postgres://app:%E0%A4%A${SECRET}@127.0.0.1/db`,
      `   `,
    ]) {
      assert.throws(
        () => targetFromUrl(bad),
        (e: unknown) => {
          assert.ok(e instanceof PgshiftError, String(e));
          assert.equal(e.exitCode, 2);
          assert.ok(!inspect(e).includes(SECRET), inspect(e));
          assert.match(e.message, /^(invalid connection URL|invalid sslmode|empty connection URL)/);
          return true;
        },
      );
    }
  });

  it('targetFromUrl accepts the usual forms', () => {
    for (const ok of [
      'postgres://app@127.0.0.1:5432/shop',
      'postgresql://app:p%40ss@localhost/shop?sslmode=require&application_name=x',
      'postgres:///shop?host=/var/run/postgresql',
      'postgres://[::1]:5433/shop',
    ]) {
      assert.deepEqual(targetFromUrl(ok), { kind: 'url', url: ok });
    }
  });

  it('describeTarget shows user, host, port and database, never the password', () => {
    assert.equal(
      describeTarget({ kind: 'url', url: `postgres://app:${SECRET}@127.0.0.1:5999/shop` }),
      'postgres://app@127.0.0.1:5999/shop',
    );
    assert.equal(
      describeTarget({
        kind: 'params',
        host: 'localhost',
        port: 5432,
        user: 'app',
        database: 'shop',
        password: SECRET,
      }),
      'postgres://app@localhost:5432/shop',
    );
    assert.equal(
      describeTarget({ kind: 'url', url: `postgres://app:${SECRET}@[::1]:5433/shop` }),
      'postgres://app@[::1]:5433/shop',
    );
    assert.equal(
      describeTarget({ kind: 'url', url: `postgres://app:${SECRET}@h:x/shop` }),
      '(invalid connection URL)',
    );
    assert.match(
      describeTarget({ kind: 'embedded', dataDir: '/p/.pgshift/db' }),
      /^embedded PGlite at .*\.pgshift.db$/,
    );
  });

  it('loading the db modules loads neither PGlite nor pg (cheap extension activation)', async () => {
    const script = `require(${JSON.stringify(path.join(compiledDb, 'open.js'))});
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({ pglite: loaded.some((k) => k.includes('@electric-sql')), pg: loaded.some((k) => /node_modules[\\\\/]pg[\\\\/]/.test(k)) }));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    assert.deepEqual(JSON.parse(out), { pglite: false, pg: false });
  });

  describe('pgpass', () => {
    const key = { host: 'db.internal', port: 5432, database: 'shop', user: 'app' };

    it('matches the first line, with * wildcards and \\: escapes', () => {
      const entries = parsePgpass(
        [
          '# comment',
          'db.internal:5432:other:app:nope',
          'db.internal:*:shop:app:pa\\:ss:wo\\\\rd',
          '*:*:*:*:fallback',
          'short:line',
        ].join('\n'),
      );
      assert.equal(matchPgpass(entries, key), 'pa:ss:wo\\rd');
      assert.equal(matchPgpass(entries, { ...key, database: 'x' }), 'fallback');
    });

    it('an escaped \\* is a literal star, and unix sockets match "localhost"', () => {
      const entries = parsePgpass('\\*:5432:*:*:literal\nlocalhost:5432:*:*:sock');
      assert.equal(matchPgpass(entries, key), undefined);
      assert.equal(matchPgpass(entries, { ...key, host: '*' }), 'literal');
      assert.equal(matchPgpass(entries, { ...key, host: '/var/run/postgresql' }), 'sock');
    });

    it('ignores a file that group or others can read, as libpq does', function () {
      if (process.platform === 'win32') this.skip();
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-pgpass-'));
      try {
        const file = path.join(tmp, 'pgpass');
        fs.writeFileSync(file, '*:*:*:*:pw\n', { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        assert.equal(lookupPgpass(key, file), undefined);
        fs.chmodSync(file, 0o600);
        assert.equal(lookupPgpass(key, file), 'pw');
        assert.equal(lookupPgpass(key, path.join(tmp, 'missing')), undefined);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
});

async function dbError(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DbError, `expected a DbError, got ${inspect(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

async function failedOpen(
  url: string,
  connectTimeoutMs?: number,
): Promise<{ err: DbError | undefined; ms: number }> {
  const started = Date.now();
  try {
    const d = await openDriver(targetFromUrl(url), { connectTimeoutMs });
    await d.close();
    return { err: undefined, ms: Date.now() - started };
  } catch (e) {
    assert.ok(e instanceof DbError, `expected a DbError, got ${inspect(e)}`);
    return { err: e, ms: Date.now() - started };
  }
}

function assertOneLineNoSecret(err: DbError, ms: number): void {
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, / — /, 'says what to do next');
  for (const text of [
    err.message,
    err.detail ?? '',
    err.hint ?? '',
    String(err.stack),
    inspect(err),
    JSON.stringify(err),
  ]) {
    assert.ok(!text.includes(SECRET), `password leaked into: ${text}`);
  }
  const real = new URL(testServerUrl()).password;
  assert.ok(!inspect(err).includes(real), 'the real password leaked');
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function openInChild(
  dataDir: string,
  lockWaitMs: number,
): Promise<{ ok: boolean; code?: string; message?: string }> {
  const script = `
    const { openPgliteDriver } = require(${JSON.stringify(path.join(compiledDb, 'pglite-driver.js'))});
    openPgliteDriver(process.argv[1], { lockWaitMs: ${lockWaitMs} }).then(
      async (d) => { await d.close(); console.log(JSON.stringify({ ok: true })); },
      (e) => console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })),
    );`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script, dataDir], { timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')),
    ),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
