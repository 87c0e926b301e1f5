import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseRevision } from '../../src/core/frameworks/alembic';
import {
  codeStatus,
  detectCodeFrameworks,
  frameworkOfFile,
  listCodeMigrations,
} from '../../src/core/frameworks/index';
import { lintCode, codeLanguageOf } from '../../src/core/frameworks/lint-code';
import { railsVersion } from '../../src/core/frameworks/rails';
import { typeormName } from '../../src/core/frameworks/typeorm';
import { loadParser } from '../../src/core/sql/parser';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/core/config';
import { codeProjectOf } from '../../src/core/frameworks/project';
import { detectProject } from '../../src/core/migrations/detect-project';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pgshift-fw-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

async function lintFixture(file: string): Promise<{ rules: string[]; linted: number }> {
  const lang = codeLanguageOf(file)!;
  const res = lintCode(await loadParser(), readFileSync(file, 'utf8'), lang);
  return { rules: res.findings.map((f) => f.rule), linted: res.linted };
}

describe('frameworks: detection and listing from the project files', () => {
  const roots: string[] = [];
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const make = (files: Record<string, string>): string => {
    const r = project(files);
    roots.push(r);
    return r;
  };

  it('Django (real contrib.sites migration): detected with reasons, keyed (app, name)', async () => {
    const root = join(fixtures, 'django');
    const [d, ...more] = detectCodeFrameworks(root);
    assert.equal(more.length, 0);
    assert.equal(d.tool, 'django');
    assert.match(d.reasons.join('\n'), /manage\.py runs Django/);
    const set = listCodeMigrations(d);
    assert.deepEqual(
      set.migrations.map((m) => m.key),
      ['sites.0001_initial', 'sites.0002_alter_domain_unique'],
    );
    assert.deepEqual(set.problems, []);
    assert.equal((await lintFixture(set.migrations[1].file)).linted, 0);
  });

  it('Django: app label from apps.py, squashed migrations applied when what they replace is recorded', () => {
    const dep = (name: string): string => `dependencies = [('store', '${name}')]\n`;
    const root = make({
      'manage.py': 'from django.core.management import execute_from_command_line\n',
      'shop/apps.py': 'class ShopConfig(AppConfig):\n    name = "shop"\n    label = "store"\n',
      'shop/migrations/__init__.py': '',
      'shop/migrations/0001_initial.py': '',
      'shop/migrations/0002_x.py': dep('0001_initial'),
      'shop/migrations/0001_squashed_0002_x.py':
        "replaces = [('store', '0001_initial'), ('store', '0002_x')]\n",
      'shop/migrations/0003_y.py': dep('0002_x'),
    });
    const [d] = detectCodeFrameworks(root);
    const status = (keys: string[]): string[] => {
      const records = keys.map((key) => ({ key, appliedAt: null }));
      const set = listCodeMigrations(d, new Set(keys));
      const snap = { tool: 'django' as const, table: 'public.django_migrations', exists: true, records };
      return codeStatus(set, snap).map((r) => `${r.key} ${r.state}`);
    };
    // all it replaces applied: the squash stands in for them, applied, and their rows are explained
    assert.deepEqual(status(['store.0001_initial', 'store.0002_x', 'store.0009_gone']), [
      'store.0001_squashed_0002_x applied',
      'store.0003_y pending',
      'store.0009_gone unknown-in-db',
    ]);
    assert.deepEqual(status([]), ['store.0001_squashed_0002_x pending', 'store.0003_y pending']);
    // some applied: Django cannot use the squash; the originals are listed
    assert.deepEqual(status(['store.0001_initial']), [
      'store.0001_initial applied',
      'store.0002_x pending',
      'store.0003_y pending',
    ]);
  });

  it('Rails (real discourse migrations): versions as Rails stores them, execute strings linted', async () => {
    const [d] = detectCodeFrameworks(join(fixtures, 'rails'));
    assert.equal(d.tool, 'rails');
    assert.match(d.reasons.join('\n'), /Gemfile depends on rails/);
    const set = listCodeMigrations(d);
    assert.deepEqual(
      set.migrations.map((m) => m.key),
      ['20000225050318', '20120423142820', '20120809053414'],
    );
    const a = await lintFixture(set.migrations[0].file);
    const c = await lintFixture(set.migrations[2].file);
    assert.equal(a.linted, 1);
    assert.equal(c.linted, 1);
    assert.ok(
      !a.rules.includes('syntax-error') && !c.rules.includes('syntax-error'),
      `${a.rules} ${c.rules}`,
    );
    assert.deepEqual(railsVersion('001_x.rb'), { version: '1', name: 'x' });
    assert.equal(railsVersion('20240101000000_X.rb'), undefined, 'Rails wants lower-case names');
  });

  it('Alembic (real airflow and hypothesis revisions): graph, heads, a missing parent said, op.execute linted', async () => {
    const [d] = detectCodeFrameworks(join(fixtures, 'alembic'));
    assert.equal(d.tool, 'alembic');
    const set = listCodeMigrations(d);
    assert.deepEqual(
      set.migrations.map((m) => [m.key, m.parents]),
      [
        ['1507a7289a2f', ['e3a246e0dc1']],
        ['13eb55f81627', ['1507a7289a2f']],
      ],
    );
    assert.deepEqual(set.heads, ['13eb55f81627']);
    assert.match(
      set.problems.map((p) => p.message).join('\n'),
      /down_revision e3a246e0dc1 names no revision file/,
    );
    const rows = codeStatus(set, {
      tool: 'alembic',
      table: 'public.alembic_version',
      exists: true,
      records: [{ key: '1507a7289a2f', appliedAt: null }],
    });
    assert.deepEqual(
      rows.map((r) => `${r.key} ${r.state}`),
      ['1507a7289a2f applied', '13eb55f81627 pending'],
    );
    const [h] = detectCodeFrameworks(join(fixtures, 'alembic-h'));
    const hs = listCodeMigrations(h);
    const l = await lintFixture(hs.migrations[0].file);
    assert.equal(l.linted, 1);
    // op.execute("COMMIT") with no BEGIN: the runner's transaction would be ended early
    assert.ok(l.rules.includes('commit-without-begin'), l.rules.join(','));
    assert.deepEqual(
      parseRevision('revision: str = "a1"\ndown_revision: Union[str, Sequence[str], None] = ("b", "c")\n'),
      {
        revision: 'a1',
        parents: ['b', 'c'],
      },
    );
  });

  it('Knex (real jam-buds migration): file names as keys, knex.raw linted', async () => {
    const [d] = detectCodeFrameworks(join(fixtures, 'knex', 'api'));
    assert.equal(d.tool, 'knex');
    assert.match(d.reasons.join('\n'), /knexfile\.js configures Knex/);
    const set = listCodeMigrations(d);
    assert.deepEqual(
      set.migrations.map((m) => m.key),
      ['20190523171703_transaction_safe_create_times.js'],
    );
    assert.equal(frameworkOfFile([d], set.migrations[0].file)?.tool, 'knex');
    assert.equal(frameworkOfFile([d], join(fixtures, 'knex', 'api', 'knexfile.js')), undefined);
    const l = await lintFixture(set.migrations[0].file);
    assert.equal(l.linted, 1);
    assert.ok(!l.rules.includes('syntax-error'), l.rules.join(','));
  });

  it('Sequelize, TypeORM, EF: detected from their config, keyed as their tables store them', () => {
    const seq = make({
      '.sequelizerc':
        "const path = require('path');\nmodule.exports = { 'migrations-path': path.resolve('db', 'migrations') };\n",
      'db/migrations/20240101000000-create-user.js':
        'module.exports = { up: async (queryInterface) => {} };\n',
      'db/migrations/types.d.ts': '',
    });
    const [s] = detectCodeFrameworks(seq);
    assert.equal(s.tool, 'sequelize');
    assert.deepEqual(
      listCodeMigrations(s).migrations.map((m) => m.key),
      ['20240101000000-create-user.js'],
    );
    const orm = make({
      'src/data-source.ts':
        "import { DataSource } from 'typeorm';\nexport default new DataSource({ type: 'postgres', migrations: ['src/migrations/*.ts'], migrationsTableName: 'orm_migrations' });\n",
      'src/migrations/1700000000000-AddUser.ts':
        'export class AddUser1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {}\n}\n',
      'src/migrations/1600000000000-Init.ts':
        "export class Init1600000000000 implements MigrationInterface {\n  name = 'Init1600000000000'\n  async up(queryRunner: QueryRunner) {}\n}\n",
    });
    const [t] = detectCodeFrameworks(orm);
    assert.equal(t.tool, 'typeorm');
    assert.equal(t.settings.table, 'orm_migrations');
    assert.deepEqual(
      listCodeMigrations(t).migrations.map((m) => [m.key, m.timestamp]),
      [
        ['Init1600000000000', '1600000000000'],
        ['AddUser1700000000000', '1700000000000'],
      ],
    );
    assert.deepEqual(typeormName('class Bad implements MigrationInterface {}'), {
      name: 'Bad',
      timestamp: '',
    });
    const ef = make({
      'App/App.csproj':
        '<PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="8.0.0" />',
      'App/Migrations/20240101000000_Initial.cs': '',
      'App/Migrations/20240101000000_Initial.Designer.cs': '[Migration("20240101000000_Initial")]',
      'App/Migrations/20240202000000_AddName.cs': '',
      'App/Migrations/AppDbContextModelSnapshot.cs': '',
    });
    const [e] = detectCodeFrameworks(ef);
    assert.equal(e.tool, 'efcore');
    assert.deepEqual(
      listCodeMigrations(e).migrations.map((m) => m.key),
      ['20240101000000_Initial', '20240202000000_AddName'],
    );
    assert.equal(basename(e.dirs[0]), 'Migrations');
  });

  it('the project detectors list a code-based tool beside a SQL one; the SQL tool is the one pgshift reads', () => {
    const root = make({
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'prisma/migrations/20240101000000_init/migration.sql': 'CREATE TABLE a (id int);\n',
      'manage.py': 'import django\n',
      'shop/migrations/__init__.py': '',
      'shop/migrations/0001_initial.py': '',
    });
    const found = detectProject(root);
    assert.deepEqual(
      found.map((t) => [t.tool, t.layout]),
      [
        ['prisma', 'prisma'],
        ['django', undefined],
      ],
    );
    assert.equal(codeProjectOf(loadConfig(root)), undefined);
    const django = make({
      'manage.py': 'import django\n',
      'shop/migrations/__init__.py': '',
      'shop/migrations/0001_initial.py': '',
    });
    assert.equal(codeProjectOf(loadConfig(django))?.detection.tool, 'django');
  });

  it('a project with two tools reports both; a plain SQL project reports none', () => {
    const two = make({
      'knexfile.js': "module.exports = { migrations: { directory: './db/knex' } };\n",
      'db/knex/001_a.js': '',
      'db/migrate/20240101000000_a.rb': '',
    });
    assert.deepEqual(
      detectCodeFrameworks(two).map((d) => d.tool),
      ['rails', 'knex'],
    );
    const none = make({ 'migrations/001_a.up.sql': 'SELECT 1;' });
    assert.deepEqual(detectCodeFrameworks(none), []);
  });
});
