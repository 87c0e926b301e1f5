import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { discoverMigrations } from '../../src/core/migrations/discover';
import { down, status, up, type RunnerSettings } from '../../src/core/runner';
import { createScratchDatabase, type ScratchDatabase } from './server';

// atuin's server migrations (test/unit/fixtures/frameworks/sqlx/SOURCES.md)
const FIXTURE = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'test',
  'unit',
  'fixtures',
  'frameworks',
  'sqlx',
  'migrations',
);
const settings: Partial<RunnerSettings> = { lockWaitSeconds: 5 };

// sqlx-postgres: ensure_migrations_table and apply
const SQLX_CREATE = `CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)`;
const SQLX_INSERT = `INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time )
VALUES ( $1, $2, TRUE, $3, -1 )`;

interface SqlxFile {
  version: string;
  description: string;
  sql: Buffer;
}
function sqlxFiles(dir: string): SqlxFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql') && !f.endsWith('.down.sql'))
    .sort()
    .map((f) => {
      const m = /^(\d+)_(.*?)(?:\.up)?\.sql$/.exec(f)!;
      return { version: m[1], description: m[2].replace(/_/g, ' '), sql: fs.readFileSync(path.join(dir, f)) };
    });
}

/** What `sqlx migrate info` / `run` conclude from the table: applied, pending, mismatched checksums, dirty. */
async function sqlxView(
  d: Driver,
  dir: string,
): Promise<{ applied: number; pending: number; mismatched: string[]; dirty: string[] }> {
  const rows = await d.query<{ version: string; success: boolean; checksum: string }>(
    `SELECT version::text AS version, success, encode(checksum, 'hex') AS checksum FROM _sqlx_migrations ORDER BY version`,
  );
  const byVersion = new Map(rows.rows.map((r) => [r.version, r]));
  let applied = 0;
  let pending = 0;
  const mismatched: string[] = [];
  for (const f of sqlxFiles(dir)) {
    const row = byVersion.get(String(BigInt(f.version)));
    if (!row) pending++;
    else {
      applied++;
      if (row.checksum !== createHash('sha384').update(f.sql).digest('hex')) mismatched.push(f.version);
    }
  }
  return { applied, pending, mismatched, dirty: rows.rows.filter((r) => !r.success).map((r) => r.version) };
}

describe('sqlx: _sqlx_migrations kept as sqlx keeps it', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let driver: Driver;
  let dir: string;
  beforeEach(async () => {
    db = await createScratchDatabase('sqlx');
    driver = await openDriver({ kind: 'url', url: db.url });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-sqlx-'));
    for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  });
  afterEach(async () => {
    await driver?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const states = async (): Promise<string[]> =>
    (await status({ driver, set: discoverMigrations(dir, 'sqlx'), settings })).migrations.map((m) => m.state);

  it('the table as sqlx wrote it (first half) is read by pgshift; pgshift applies the rest as sqlx would; sqlx agrees', async () => {
    await driver.exec(SQLX_CREATE);
    for (const f of sqlxFiles(dir).slice(0, 10)) {
      await driver.exec(f.sql.toString('utf8'));
      await driver.query(SQLX_INSERT, [
        f.version,
        f.description,
        createHash('sha384').update(f.sql).digest(),
      ]);
    }
    const before = await states();
    assert.deepEqual(before, [...Array(10).fill('applied'), ...Array(10).fill('pending')]);
    const r = await up({ driver, set: discoverMigrations(dir, 'sqlx'), settings });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(await sqlxView(driver, dir), { applied: 20, pending: 0, mismatched: [], dirty: [] });
    const rows = await driver.query<{ description: string; ns: string }>(
      `SELECT description, execution_time::text AS ns FROM _sqlx_migrations ORDER BY version DESC LIMIT 1`,
    );
    assert.equal(rows.rows[0].description, 'remove-email-verification');
    assert.ok(Number(rows.rows[0].ns) >= 0, 'execution_time in nanoseconds');
    // an edited applied file: sqlx reports a mismatch, pgshift says modified
    fs.appendFileSync(path.join(dir, '20210425153745_create_history.sql'), '\n-- edited\n');
    assert.deepEqual((await sqlxView(driver, dir)).mismatched, ['20210425153745']);
    assert.equal((await states())[0], 'modified');
  });

  it('on a fresh database pgshift creates _sqlx_migrations as sqlx does; a down deletes the row', async () => {
    fs.writeFileSync(path.join(dir, '30000000000000_extra.up.sql'), 'CREATE TABLE extra (id int);\n');
    fs.writeFileSync(path.join(dir, '30000000000000_extra.down.sql'), 'DROP TABLE extra;\n');
    const set = discoverMigrations(dir, 'sqlx');
    const r = await up({ driver, set, settings });
    assert.equal(r.ok, true, JSON.stringify(r));
    const shape = await driver.query<{ c: string }>(
      `SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, ''), ', ' ORDER BY ordinal_position) AS c
         FROM information_schema.columns WHERE table_name = '_sqlx_migrations'`,
    );
    assert.equal(
      shape.rows[0].c,
      'version bigint NO , description text NO , installed_on timestamp with time zone NO now(), success boolean NO , checksum bytea NO , execution_time bigint NO ',
    );
    assert.deepEqual(await sqlxView(driver, dir), { applied: 21, pending: 0, mismatched: [], dirty: [] });
    const back = await down({ driver, set, settings });
    assert.equal(back.ok, true, JSON.stringify(back));
    const left = await driver.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM _sqlx_migrations WHERE version = 30000000000000`,
    );
    assert.equal(left.rows[0].n, '0');
  });
});
