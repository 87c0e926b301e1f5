import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { detectProject } from '../../src/core/migrations/detect-project';
import { discoverMigrations } from '../../src/core/migrations/discover';
import { down, status, up, type RunnerSettings } from '../../src/core/runner';
import { createScratchDatabase, type ScratchDatabase } from './server';

const BIN = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'node_modules',
  'node-pg-migrate',
  'bin',
  'node-pg-migrate.js',
);
const settings: Partial<RunnerSettings> = { lockWaitSeconds: 5 };

const FILES: Record<string, string> = {
  '1700000000000_create-users.sql':
    '-- Up Migration\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n\n-- Down Migration\nDROP TABLE users;\n',
  '1700000000001_add-name.sql':
    '-- Up Migration\nALTER TABLE users ADD COLUMN name text;\n-- Down Migration\nALTER TABLE users DROP COLUMN name;\n',
  '1700000000002_posts.sql':
    '-- Up Migration\nCREATE TABLE posts (id serial PRIMARY KEY, user_id integer REFERENCES users (id));\n-- Down Migration\nDROP TABLE posts;\n',
  '1700000000003_post-title.sql':
    '-- Up Migration\nALTER TABLE posts ADD COLUMN title text;\n-- Down Migration\nALTER TABLE posts DROP COLUMN title;\n',
};

/** The real node-pg-migrate CLI from npm. */
async function npm(url: string, root: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '-m', 'migrations'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    timeout: 60_000,
  });
  return stdout;
}

describe('node-pg-migrate: pgmigrations kept as node-pg-migrate keeps it (interop with the real CLI)', function () {
  this.timeout(120_000);
  let db: ScratchDatabase;
  let driver: Driver;
  let root: string;
  let dir: string;
  beforeEach(async () => {
    db = await createScratchDatabase('npm');
    driver = await openDriver({ kind: 'url', url: db.url });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-npm-'));
    dir = path.join(root, 'migrations');
    fs.mkdirSync(dir);
    for (const [f, sql] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, f), sql);
    fs.writeFileSync(
      path.join(root, 'package.json'),
      JSON.stringify({ devDependencies: { 'node-pg-migrate': '9.0.0' } }),
    );
  });
  afterEach(async () => {
    await driver?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const states = async (): Promise<string[]> =>
    (await status({ driver, set: discoverMigrations(dir, 'node-pg-migrate'), settings })).migrations.map(
      (m) => `${m.version}:${m.state}`,
    );
  const ran = async (): Promise<string[]> =>
    (await driver.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id')).rows.map(
      (r) => r.name,
    );

  it('node-pg-migrate applies the first half, pgshift agrees and applies the rest, node-pg-migrate agrees (and rolls back pgshift’s)', async () => {
    const found = detectProject(root);
    assert.deepEqual(
      found.map((t) => [t.tool, t.dir]),
      [['node-pg-migrate', dir]],
    );
    await npm(db.url, root, 'up', '2');
    assert.deepEqual(await states(), [
      '1700000000000:applied',
      '1700000000001:applied',
      '1700000000002:pending',
      '1700000000003:pending',
    ]);
    const r = await up({ driver, set: discoverMigrations(dir, 'node-pg-migrate'), settings });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(
      await ran(),
      Object.keys(FILES).map((f) => f.replace(/\.sql$/, '')),
    );
    // node-pg-migrate sees nothing left to run
    assert.match(await npm(db.url, root, 'up'), /No migrations to run!/);
    // and rolls back the newest, which pgshift applied, with its own down section
    await npm(db.url, root, 'down', '1');
    assert.deepEqual((await states()).slice(-1), ['1700000000003:pending']);
    const col = await driver.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'title'`,
    );
    assert.equal(col.rows.length, 0);
  });

  it('on a fresh database pgshift creates pgmigrations as node-pg-migrate does; node-pg-migrate reads it and goes on', async () => {
    const set = discoverMigrations(dir, 'node-pg-migrate');
    const r = await up({ driver, set, settings });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(await npm(db.url, root, 'up'), /No migrations to run!/);
    fs.writeFileSync(
      path.join(dir, '1700000000004_more.sql'),
      '-- Up Migration\nCREATE TABLE more (id int);\n-- Down Migration\nDROP TABLE more;\n',
    );
    await npm(db.url, root, 'up');
    assert.deepEqual((await states()).slice(-1), ['1700000000004:applied']);
    const back = await down({ driver, set: discoverMigrations(dir, 'node-pg-migrate'), settings });
    assert.equal(back.ok, true, JSON.stringify(back));
    assert.equal((await ran()).length, 4);
  });
});
