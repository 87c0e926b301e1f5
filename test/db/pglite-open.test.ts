import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DbError } from '../../src/core/db/driver';
import { openPgliteDriver, pgliteLockPath } from '../../src/core/db/pglite-driver';
import { pgliteScratchDir } from './server';

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
