import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { chooseMigrations, describeChoice } from '../../src/core/migrations/choose';
import { detectProject, PROJECT_DETECTORS } from '../../src/core/migrations/detect-project';

describe('project-level detection of the migration tool', () => {
  let root: string;
  const put = (rel: string, text = ''): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const found = (): { tool: string; dir: string; reasons: string[] }[] =>
    detectProject(root).map((t) => ({ tool: t.tool, dir: t.dir.slice(root.length + 1), reasons: t.reasons }));
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pgshift-detect-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds nothing in an empty project, and the default folder is kept', () => {
    assert.deepEqual(found(), []);
    const c = chooseMigrations(loadConfig(root));
    assert.equal(c.source, 'default');
    assert.equal(c.dir, join(root, 'migrations'));
  });

  it('Prisma: prisma/migrations with migration_lock.toml, its folders, schema.prisma and package.json', () => {
    put('prisma/schema.prisma', 'datasource db { provider = "postgresql" }\n');
    put('prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    put('prisma/migrations/20230101000000_init/migration.sql', 'CREATE TABLE a (id int);\n');
    put('prisma/migrations/20230202000000_b/migration.sql', 'CREATE TABLE b (id int);\n');
    put('package.json', JSON.stringify({ devDependencies: { prisma: '5.0.0' } }));
    const f = found();
    assert.equal(f.length, 1);
    assert.equal(f[0].tool, 'prisma');
    assert.equal(f[0].dir, join('prisma', 'migrations'));
    assert.deepEqual(f[0].reasons, [
      'prisma/migrations/migration_lock.toml (provider = "postgresql")',
      '2 folders prisma/migrations/<timestamp>_<name>/migration.sql',
      'prisma/schema.prisma',
      'package.json depends on prisma',
    ]);
  });

  it('goose: .sql files with -- +goose Up, in whatever folder they are, and go.mod', () => {
    put('go.mod', 'module x\n\nrequire github.com/pressly/goose/v3 v3.20.0\n');
    put(
      'internal/db/sql/00001_init.sql',
      '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n',
    );
    const f = found();
    assert.deepEqual(
      f.map((t) => [t.tool, t.dir]),
      [['goose', join('internal', 'db', 'sql')]],
    );
    assert.deepEqual(f[0].reasons, [
      '1 .sql file with -- +goose Up in internal/db/sql',
      'go.mod requires github.com/pressly/goose',
    ]);
  });

  it('sqlx: a crate depending on sqlx with migrations/ beside it; its .up.sql files are not taken for golang-migrate', () => {
    put('Cargo.toml', '[dependencies]\nsqlx = { version = "0.7", features = ["postgres"] }\n');
    put('migrations/20230101000000_init.up.sql', 'CREATE TABLE a (id int);\n');
    put('migrations/20230101000000_init.down.sql', 'DROP TABLE a;\n');
    const f = found();
    assert.deepEqual(
      f.map((t) => t.tool),
      ['sqlx'],
    );
    assert.deepEqual(f[0].reasons, [
      'Cargo.toml depends on sqlx',
      '2 files <version>_<name>.sql in migrations',
      'its files also fit golang-migrate',
    ]);
  });

  it('node-pg-migrate: package.json dependency and -- Up Migration files', () => {
    put('package.json', JSON.stringify({ dependencies: { 'node-pg-migrate': '7.0.0' } }));
    put(
      'migrations/1700000000000_init.sql',
      '-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;\n',
    );
    const f = found();
    assert.deepEqual(
      f.map((t) => t.tool),
      ['node-pg-migrate'],
    );
    assert.deepEqual(f[0].reasons, [
      'package.json depends on node-pg-migrate',
      '1 .sql file with -- Up Migration in migrations',
    ]);
  });

  it('Liquibase: formatted SQL changelogs', () => {
    put('db/changelog/001.sql', '--liquibase formatted sql\n--changeset bob:1\nCREATE TABLE a (id int);\n');
    assert.deepEqual(
      found().map((t) => [t.tool, t.dir]),
      [['liquibase', join('db', 'changelog')]],
    );
  });

  it('the classic layouts by their file names in their usual folders (dbmate in db/migrations)', () => {
    put('db/migrations/20230101000000_init.sql', '-- migrate:up\nCREATE TABLE a (id int);\n');
    assert.deepEqual(
      found().map((t) => [t.tool, t.dir, t.reasons[0]]),
      [['dbmate', join('db', 'migrations'), '1 file with -- migrate:up in db/migrations']],
    );
  });

  it('two tools: both found, the declared one chosen, and status says so and how to choose', () => {
    put('prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    put('prisma/migrations/20230101000000_init/migration.sql', 'CREATE TABLE a (id int);\n');
    put('db/migrations/20230101000000_init.sql', '-- migrate:up\nCREATE TABLE a (id int);\n');
    const c = chooseMigrations(loadConfig(root));
    assert.equal(c.source, 'detected');
    assert.equal(c.chosen?.tool, 'prisma');
    assert.deepEqual(
      c.detected.map((t) => t.tool),
      ['prisma', 'dbmate'],
    );
    const lines = describeChoice(c, (p) => p.slice(root.length + 1));
    assert.match(lines[0], /^found prisma in prisma\/migrations: prisma\/migrations\/migration_lock.toml/);
    assert.match(lines[1], /^also found dbmate in db\/migrations/);
    assert.match(
      lines[2],
      /2 migration tools; pgshift reads prisma's. To choose, set "migrationsDir" and "layout"/,
    );
  });

  it('the config overrides detection: migrationsDir names the folder; layout picks that tool among those found', () => {
    put('prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    put('db/migrations/20230101000000_init.sql', '-- migrate:up\nCREATE TABLE a (id int);\n');
    put('pgshift.config.json', JSON.stringify({ layout: 'dbmate' }));
    let c = chooseMigrations(loadConfig(root));
    assert.equal(c.chosen?.tool, 'dbmate');
    assert.equal(c.dir, join(root, 'db', 'migrations'));
    assert.equal(c.layout, 'dbmate');
    put('pgshift.config.json', JSON.stringify({ migrationsDir: 'elsewhere' }));
    c = chooseMigrations(loadConfig(root));
    assert.equal(c.source, 'config');
    assert.equal(c.dir, join(root, 'elsewhere'));
    assert.deepEqual(c.detected, []);
  });

  it('is a table other tools are added to', () => {
    put('manage.py', '');
    const extra = {
      tool: 'django',
      detect: () => [
        { tool: 'django', dir: join(root, 'app/migrations'), reasons: ['manage.py'], strength: 2 as const },
      ],
    };
    const all = detectProject(root, [...PROJECT_DETECTORS, extra]);
    assert.deepEqual(
      all.map((t) => t.tool),
      ['django'],
    );
    const lines = describeChoice(
      { dir: join(root, 'migrations'), layout: 'auto', source: 'default', detected: all },
      (p) => p,
    );
    assert.match(lines[0], /also found django .*pgshift does not read its migrations as SQL files/);
  });
});
