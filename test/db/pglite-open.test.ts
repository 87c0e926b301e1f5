import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DbError, type Driver } from '../../src/core/db/driver';
import { openPgliteDriver, pgliteLockPath } from '../../src/core/db/pglite-driver';
import {
  defaultPgliteTemplate,
  PGLITE_TEMPLATE_FILE,
  PGLITE_TEMPLATE_META,
} from '../../src/core/db/pglite-template';
import { packWithBuildScript } from '../unit/helpers/ustar';
import { pgliteScratchDir } from './server';

/** What a database looks like from inside: what a template start and an initdb start must agree on. */
async function identity(d: Driver) {
  const r = await d.query<Record<string, string>>(
    `SELECT version() AS version, current_database() AS db, current_user AS usr,
            current_setting('server_encoding') AS encoding, current_setting('TimeZone') AS tz,
            (SELECT string_agg(concat_ws(':', datname, datistemplate, datallowconn, datlocprovider, datcollate, datctype), ',' ORDER BY datname)
               FROM pg_database) AS dbs,
            (SELECT count(*)::text FROM pg_class) AS relations,
            (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension) AS extensions`,
  );
  return r.rows[0];
}

async function openError(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DbError, String(e));
    return e;
  }
  assert.fail('expected the open to fail');
}

describe('opening the embedded database on embedded PGlite', function () {
  this.timeout(120_000);

  it('the build made the template, and the driver finds it (npm run build writes dist/pglite-template.tar.gz)', () => {
    const file = defaultPgliteTemplate();
    assert.ok(file, `no ${PGLITE_TEMPLATE_FILE} in dist/: run npm run build`);
    assert.equal(path.basename(path.dirname(file)), 'dist');
  });

  it('a new data dir is unpacked from the template: the same database initdb makes, kept across opens', async () => {
    const fromTemplate = pgliteScratchDir();
    let started = Date.now();
    const t = await openPgliteDriver(fromTemplate);
    const templateMs = Date.now() - started;
    started = Date.now();
    const i = await openPgliteDriver(pgliteScratchDir(), { template: false });
    const initdbMs = Date.now() - started;
    console.log(`      [pglite] new data dir: from the template ${templateMs} ms, by initdb ${initdbMs} ms`);
    try {
      assert.equal(t.origin, 'template');
      assert.equal(i.origin, 'initdb');
      assert.deepEqual(await identity(t), await identity(i));
      await t.exec(
        `CREATE TABLE kept (id int PRIMARY KEY, s text); INSERT INTO kept VALUES (1, 'still here');`,
      );
    } finally {
      await t.close();
      await i.close();
    }
    const again = await openPgliteDriver(fromTemplate);
    try {
      assert.equal(again.origin, 'existing');
      assert.deepEqual((await again.query('SELECT id, s FROM kept')).rows, [{ id: 1, s: 'still here' }]);
    } finally {
      await again.close();
    }
    assert.deepEqual(
      fs.readdirSync(path.dirname(fromTemplate)).sort(),
      ['db'],
      'no staging folder or lock left',
    );
  });

  it('runs with a small buffer pool, whatever the data dir says (initdb wrote 128MB into postgresql.conf)', async () => {
    const dir = pgliteScratchDir();
    const d = await openPgliteDriver(dir);
    try {
      assert.match(fs.readFileSync(path.join(dir, 'postgresql.conf'), 'utf8'), /^shared_buffers = 128MB/m);
      assert.equal(
        (await d.query<{ s: string }>("SELECT current_setting('shared_buffers') AS s")).rows[0].s,
        '16MB',
      );
    } finally {
      await d.close();
    }
  });

  it('an empty directory in the way is a new data dir too', async () => {
    const dir = pgliteScratchDir();
    fs.mkdirSync(dir);
    const d = await openPgliteDriver(dir);
    try {
      assert.equal(d.origin, 'template');
      assert.equal((await d.query<{ n: number }>('SELECT 1 AS n')).rows[0].n, 1);
    } finally {
      await d.close();
    }
  });

  it('a template that is not one, or from another PostgreSQL, costs only the time: initdb makes the database', async () => {
    const scratch = path.dirname(pgliteScratchDir());
    const notGzip = path.join(scratch, 'not-gzip.tar.gz');
    fs.writeFileSync(notGzip, 'this is not a template');
    // a data dir that PGlite refuses to start on, as a template made by another PGlite build would be
    const otherVersion = path.join(scratch, 'other.tar.gz');
    fs.writeFileSync(
      otherVersion,
      gzipSync(
        packWithBuildScript([
          { path: PGLITE_TEMPLATE_META, type: 'file', mode: 0o644, data: '{"format":1,"pglite":"0.0.1"}' },
          { path: 'PG_VERSION', type: 'file', mode: 0o600, data: '17\n' },
        ]),
      ),
    );
    for (const template of [notGzip, otherVersion]) {
      const dir = pgliteScratchDir();
      const d = await openPgliteDriver(dir, { template });
      try {
        assert.equal(d.origin, 'initdb', template);
        assert.equal(
          (await d.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0].v.slice(
            0,
            2,
          ),
          '18',
        );
      } finally {
        await d.close();
      }
      assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['db'], 'no staging folder left');
    }
  });

  it('a data dir of another PostgreSQL version, or a damaged one, is refused with what PostgreSQL said and what to do, and is left as it is', async () => {
    const source = pgliteScratchDir();
    await (await openPgliteDriver(source)).close();
    const copy = (edit: (dir: string) => void) => {
      const dir = pgliteScratchDir();
      fs.cpSync(source, dir, { recursive: true });
      edit(dir);
      return dir;
    };
    const old = copy((dir) => fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n'));
    const damaged = copy((dir) => {
      const control = path.join(dir, 'global', 'pg_control');
      const bytes = fs.readFileSync(control);
      bytes.fill(0x5a, 0, 64);
      fs.writeFileSync(control, bytes);
    });
    for (const [dir, said] of [
      [
        old,
        /database files are incompatible with server: The data directory was initialized by PostgreSQL version 17, which is not compatible with this version 18\.\d+/,
      ],
      [
        damaged,
        /database files are incompatible with server: The database cluster was initialized with PG_CONTROL_VERSION/,
      ],
    ] as const) {
      const before = fs.readdirSync(dir).sort();
      const err = await openError(openPgliteDriver(dir));
      assert.match(
        err.message,
        new RegExp(
          `^could not open the embedded database at ${dir.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}: `,
        ),
      );
      assert.match(err.message, said);
      assert.match(err.message, /delete the directory \(its data is lost\) or move it away to start afresh$/);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.deepEqual(fs.readdirSync(dir).sort(), before, 'the data dir is untouched');
      assert.equal(fs.readFileSync(path.join(dir, 'PG_VERSION'), 'utf8'), dir === old ? '17\n' : '18\n');
      assert.ok(!fs.existsSync(pgliteLockPath(dir)), 'the lock is released');
    }
  });
});
