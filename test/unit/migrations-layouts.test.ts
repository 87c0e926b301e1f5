import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareVersions,
  detectLayout,
  looksLikeMigration,
  migrationFileNames,
  parseDbmateName,
  parseDieselFolder,
  parseFlywayName,
  parseGolangMigrateName,
  versionKey,
} from '../../src/core/migrations/layouts';

const root = join(__dirname, '..', '..', '..');
const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');

describe('migration layouts: file-name grammar', () => {
  it('golang-migrate: <version>_<name>.up.sql / .down.sql', () => {
    assert.deepEqual(parseGolangMigrateName('20260101090000_create_customers.up.sql'), {
      version: '20260101090000',
      name: 'create_customers',
      direction: 'up',
    });
    assert.deepEqual(parseGolangMigrateName('0001_x.down.sql'), {
      version: '0001',
      name: 'x',
      direction: 'down',
    });
    assert.equal(parseGolangMigrateName('0001_x.sql'), undefined);
    assert.equal(parseGolangMigrateName('x_0001.up.sql'), undefined);
    assert.equal(
      parseGolangMigrateName('0001.up.sql'),
      undefined,
      'golang-migrate requires the _ after the version',
    );
    assert.equal(parseGolangMigrateName('0001_x.up.json'), undefined);
  });

  it('golang-migrate: a dialect infix (ory/kratos) is recognised; other dots stay in the name', () => {
    assert.deepEqual(parseGolangMigrateName('20150100000001000000_networks.postgres.up.sql'), {
      version: '20150100000001000000',
      name: 'networks',
      direction: 'up',
      dialect: 'postgres',
    });
    assert.equal(parseGolangMigrateName('1_networks.mysql.down.sql')?.dialect, 'mysql');
    assert.deepEqual(parseGolangMigrateName('0002_1.7.0_schema.up.sql'), {
      version: '0002',
      name: '1.7.0_schema',
      direction: 'up',
    });
  });

  it('dbmate: <version>_<name>.sql', () => {
    assert.deepEqual(parseDbmateName('20211115181400_update-auth-permissions.sql'), {
      version: '20211115181400',
      name: 'update-auth-permissions',
    });
    assert.equal(parseDbmateName('schema.sql'), undefined);
    assert.equal(parseDbmateName('0001-initialmigration.sql'), undefined);
  });

  it('flyway: V / U / R__ with versions like 1, 1.2, 1_2, 2026.01.01', () => {
    assert.deepEqual(parseFlywayName('V1__init.sql'), {
      version: '1',
      name: 'init',
      direction: 'up',
      repeatable: false,
    });
    assert.deepEqual(parseFlywayName('V1_2__Add_users.sql'), {
      version: '1.2',
      name: 'Add_users',
      direction: 'up',
      repeatable: false,
    });
    assert.equal(parseFlywayName('V2026.01.01__x.sql')?.version, '2026.01.01');
    assert.deepEqual(parseFlywayName('U1.2__Add_users.sql'), {
      version: '1.2',
      name: 'Add_users',
      direction: 'down',
      repeatable: false,
    });
    assert.deepEqual(parseFlywayName('R__views.sql'), {
      version: '',
      name: 'views',
      direction: 'up',
      repeatable: true,
    });
    assert.equal(parseFlywayName('V1_init.sql'), undefined, 'the separator is two underscores');
    assert.equal(parseFlywayName('v1__init.sql'), undefined, 'prefixes are case-sensitive, as in Flyway');
    assert.equal(parseFlywayName('Va__init.sql'), undefined);
    assert.equal(parseFlywayName('V1__init.sql.conf'), undefined);
  });

  it('diesel: folder <version>_<name>, version without dashes as diesel records it', () => {
    assert.deepEqual(parseDieselFolder('2019-02-26-002946_create_user'), {
      version: '20190226002946',
      rawVersion: '2019-02-26-002946',
      name: 'create_user',
    });
    assert.equal(
      parseDieselFolder('2025-09-19-132648-0000_theme-instance-default')?.version,
      '202509191326480000',
    );
    assert.equal(parseDieselFolder('00000000000000_diesel_initial_setup')?.name, 'diesel_initial_setup');
    assert.equal(
      parseDieselFolder('2019-11-15-182353_Add email notifications')?.name,
      'Add email notifications',
    );
    assert.equal(parseDieselFolder('initial'), undefined);
  });

  it('looksLikeMigration catches near misses but not helper files', () => {
    for (const f of [
      '20260101_x.sql',
      '0001-init.sql',
      'V1_x__y.sql',
      'v1__lower.sql',
      'create.up.sql',
      'R__views.sql',
    ])
      assert.ok(looksLikeMigration(f), f);
    for (const f of ['schema.sql', 'seed.sql', 'README.md', 'afterMigrate.sql', '20260101_x.txt'])
      assert.ok(!looksLikeMigration(f), f);
  });

  it('migrationFileNames per layout', () => {
    assert.deepEqual(migrationFileNames('golang-migrate', '0003', 'x'), ['0003_x.up.sql', '0003_x.down.sql']);
    assert.deepEqual(migrationFileNames('dbmate', '20260101000000', 'x'), ['20260101000000_x.sql']);
    assert.deepEqual(migrationFileNames('flyway', '3', 'x'), ['V3__x.sql', 'U3__x.sql']);
    assert.deepEqual(migrationFileNames('diesel', '2026-01-01-000000', 'x'), [
      join('2026-01-01-000000_x', 'up.sql'),
      join('2026-01-01-000000_x', 'down.sql'),
    ]);
  });
});

describe('migration layouts: compareVersions', () => {
  const sign = (n: number): number => Math.sign(n);
  const table: [string, string, number][] = [
    ['1', '2', -1],
    ['2', '10', -1],
    ['1.9', '1.10', -1],
    ['1.10', '1.9', 1],
    ['1_10', '1.9', 1],
    ['1_2', '1.2', 0],
    ['0001', '1', 0],
    ['000010', '9', 1],
    ['1', '1.0', 0],
    ['1', '1.0.1', -1],
    ['2026.01.01', '2026.1.2', -1],
    ['20260101090000', '20260102090000', -1],
    ['20260101090000', '9', 1],
    ['2019-02-26-002946', '20190226002946', 0],
    ['2019-11-15-182353', '20140924113530', 1],
    // diesel mixes 14- and 18-digit versions; they compare as timestamps, as diesel orders them
    ['202509191326480000', '20260101000000', -1],
    ['20250919132648', '202509191326480000', -1],
    ['00000000000000', '20140924113530', -1],
    ['1a', '1b', -1],
    ['1', '1a', -1],
  ];
  for (const [a, b, want] of table) {
    it(`${a} ${want < 0 ? '<' : want > 0 ? '>' : '='} ${b}`, () => {
      assert.equal(sign(compareVersions(a, b)), want);
      assert.equal(sign(compareVersions(b, a)), want === 0 ? 0 : -want, 'antisymmetric');
      assert.equal(versionKey(a) === versionKey(b), want === 0, 'versionKey agrees with compareVersions');
    });
  }

  it('sorts a mixed list into apply order', () => {
    const list = ['1.10', '10', '1.9', '2', '1', '1.2.3', '0002.1'];
    assert.deepEqual([...list].sort(compareVersions), ['1', '1.2.3', '1.9', '1.10', '2', '0002.1', '10']);
  });
});

describe('migration layouts: detectLayout', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-layouts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (rel: string, text = 'SELECT 1;\n'): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };

  it('an empty directory defaults to golang-migrate and says so', () => {
    const d = detectLayout(dir);
    assert.equal(d.layout, 'golang-migrate');
    assert.match(d.reason, /no migration files.*defaulting to golang-migrate/);
  });

  it('a missing directory is not an error', () => {
    const d = detectLayout(join(dir, 'nope'));
    assert.equal(d.layout, 'golang-migrate');
    assert.match(d.reason, /does not exist/);
  });

  it('golang-migrate from .up.sql / .down.sql files', () => {
    file('1_a.up.sql');
    file('1_a.down.sql');
    assert.deepEqual(detectLayout(dir), {
      layout: 'golang-migrate',
      reason: 'golang-migrate: 2 .up.sql/.down.sql files',
      matched: 2,
    });
  });

  it('dbmate needs the -- migrate:up marker; numbered files without it are not dbmate', () => {
    file('20260101000000_a.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n');
    assert.equal(detectLayout(dir).layout, 'dbmate');
    rmSync(join(dir, '20260101000000_a.sql'));
    file('20260101000000_a.sql', 'SELECT 1;\n');
    const d = detectLayout(dir);
    assert.equal(d.layout, 'golang-migrate');
    assert.match(d.reason, /1 numbered \.sql file matching no layout/);
  });

  it('flyway from V/U/R__ scripts, also in sub-folders only', () => {
    file('V1__a.sql');
    file('R__views.sql');
    assert.equal(detectLayout(dir).layout, 'flyway');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    file('v1/V1__a.sql');
    const d = detectLayout(dir);
    assert.equal(d.layout, 'flyway');
    assert.match(d.reason, /sub-folders/);
  });

  it('diesel from <version>_<name>/ folders with up.sql; a folder with migration.sql is Prisma', () => {
    file('2019-02-26-002946_create_user/up.sql');
    file('2019-02-26-002946_create_user/down.sql');
    assert.equal(detectLayout(dir).layout, 'diesel');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '20260101000000_prisma_style'), { recursive: true });
    file('20260101000000_prisma_style/migration.sql');
    assert.equal(detectLayout(dir).layout, 'prisma');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '20260101000000_empty'), { recursive: true });
    assert.equal(detectLayout(dir).layout, 'golang-migrate');
  });

  it('the majority wins and the others are mentioned', () => {
    file('1_a.up.sql');
    file('1_a.down.sql');
    file('2_b.up.sql');
    file('V1__x.sql');
    const d = detectLayout(dir);
    assert.equal(d.layout, 'golang-migrate');
    assert.match(d.reason, /also seen: flyway 1/);
  });

  it('real projects (read-only corpus): lemmy and crates.io are diesel, supabase is dbmate', () => {
    assert.equal(detectLayout(join(corpus, 'lemmy/migrations')).layout, 'diesel');
    assert.equal(detectLayout(join(corpus, 'crates-io/migrations')).layout, 'diesel');
    assert.equal(detectLayout(join(corpus, 'supabase-postgres/migrations/db/migrations')).layout, 'dbmate');
    assert.equal(
      detectLayout(join(corpus, 'kratos/persistence/sql/migrations/sql')).layout,
      'golang-migrate',
    );
  });

  it('examples/shop is golang-migrate', () => {
    assert.equal(detectLayout(join(root, 'examples/shop/migrations')).layout, 'golang-migrate');
  });
});
