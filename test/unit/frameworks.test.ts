import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintFiles } from '../../src/core/lint/lint-files';
import { detectProject } from '../../src/core/migrations/detect-project';
import { discoverMigrations } from '../../src/core/migrations/discover';
import type { MigrationSet } from '../../src/core/migrations/model';
import { sections } from '../../src/core/sql/directives';
import { splitStatements } from '../../src/core/sql/splitter';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'unit', 'fixtures', 'frameworks');
const corpus = join(root, '..', 'shared', 'corpus');

/** Every up and down script of a set, linted as `pgshift lint` lints the folder. */
async function lintSet(set: MigrationSet): Promise<Map<string, string[]>> {
  const files = [...new Set(set.migrations.flatMap((m) => [m.up.file, ...(m.down ? [m.down.file] : [])]))];
  const results = await lintFiles(files, { postgresVersion: 16 });
  return new Map(results.map((r) => [r.file, r.findings.map((f) => f.rule)]));
}

describe('frameworks: real projects detected, listed and linted', function () {
  this.timeout(60_000);

  describe('goose (pressly/goose integration migrations)', () => {
    const project = join(fixtures, 'goose');
    const dir = join(project, 'migrations');

    it('is detected from its -- +goose Up files', () => {
      const found = detectProject(project);
      assert.deepEqual(
        found.map((t) => [t.tool, t.dir, t.layout]),
        [['goose', dir, 'goose']],
      );
      assert.deepEqual(found[0].reasons, ['6 .sql files with -- +goose Up in migrations']);
    });

    // a StatementBegin … StatementEnd block counts as one statement (00001's up is one block of three)
    it('lists its migrations with goose’s sections, NO TRANSACTION and StatementBegin/End', () => {
      const set = discoverMigrations(dir, 'auto');
      assert.equal(set.layout, 'goose');
      assert.deepEqual(
        set.migrations.map(
          (m) => `${m.version}_${m.name}:${m.up.split?.ranges.length}/${m.down?.split?.ranges.length ?? '-'}`,
        ),
        [
          '00001_table:1/1',
          '00002_insert:3/1',
          '00003_alter:1/1',
          '00004_empty:0/-',
          '00005_no_tx:1/1',
          '00006_complex:1/1',
        ],
      );
      assert.deepEqual(
        set.migrations.map((m) => m.up.noTransaction),
        [false, false, false, false, true, false],
      );
      // the whole PL/pgSQL function, from CREATE to LANGUAGE plpgsql, is one statement
      const complex = set.migrations[5].up;
      const [only] = complex.split!.ranges;
      const text = Buffer.from(complex.sql).subarray(only.start, only.end).toString();
      assert.match(text, /^CREATE OR REPLACE FUNCTION insert_repository/);
      assert.match(text, /\$\$ LANGUAGE plpgsql$/);
      assert.deepEqual(
        set.problems.map((p) => `${p.severity}: ${p.message.replace(/:.*/, '')}`),
        ['info: empty up section', 'warning: up without down'],
      );
    });

    it('lints them: CONCURRENTLY under NO TRANSACTION is not a transaction problem, and everything parses', async () => {
      const rules = await lintSet(discoverMigrations(dir, 'goose'));
      const all = [...rules.values()].flat();
      assert.ok(!all.includes('syntax-error'), JSON.stringify([...rules]));
      assert.ok(!rules.get(join(dir, '00005_no_tx.sql'))!.includes('concurrently-in-transaction'));
      // without the directive the same file is flagged: the linter reads goose's annotation
      const tmp = mkdtempSync(join(tmpdir(), 'pgshift-goose-'));
      try {
        const f = join(tmp, '00005_no_tx.sql');
        writeFileSync(
          f,
          '-- +goose Up\nCREATE TABLE owners (owner_name text);\nCREATE UNIQUE INDEX CONCURRENTLY ON owners(owner_name);\n',
        );
        const [r] = await lintFiles([f], { postgresVersion: 16 });
        assert.ok(r.findings.some((x) => x.rule === 'concurrently-in-transaction'));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('StatementBegin/End make one statement even of two statements, as goose sends them', () => {
      const sql = Buffer.from(
        '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\nSELECT 2;\n-- +goose StatementEnd\nSELECT 3;\n-- +goose Down\nSELECT 4;\n',
      );
      const split = splitStatements(sql);
      assert.deepEqual(
        split.statements.map((s) => sql.subarray(s.start, s.end).toString()),
        ['SELECT 1;\nSELECT 2', 'SELECT 3', 'SELECT 4'],
      );
      assert.deepEqual(
        sections(split.comments, sql.length).map((s) => s.kind),
        ['up', 'down'],
      );
    });
  });

  describe('sqlx (atuin’s server migrations)', () => {
    const project = join(fixtures, 'sqlx');
    const dir = join(project, 'migrations');

    it('is detected from Cargo.toml and migrations/, listed and linted without a parse error', async () => {
      const found = detectProject(project);
      assert.deepEqual(
        found.map((t) => [t.tool, t.dir]),
        [['sqlx', dir]],
      );
      assert.deepEqual(found[0].reasons, [
        'Cargo.toml depends on sqlx',
        '20 files <version>_<name>.sql in migrations',
      ]);
      const set = discoverMigrations(dir, 'sqlx');
      assert.equal(set.migrations.length, 20);
      assert.deepEqual(
        [set.migrations[0].version, set.migrations[0].name],
        ['20210425153745', 'create_history'],
      );
      // simple migrations have no down, and that is not a problem for sqlx
      assert.deepEqual(
        set.problems.filter((p) => p.severity !== 'info'),
        [],
      );
      const rules = await lintSet(set);
      assert.deepEqual(
        [...rules].filter(([, r]) => r.includes('syntax-error')),
        [],
      );
    });

    it('reads -- no-transaction on the first line, as sqlx does', () => {
      const tmp = mkdtempSync(join(tmpdir(), 'pgshift-sqlx-'));
      try {
        writeFileSync(join(tmp, '1_a.sql'), '-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n');
        writeFileSync(join(tmp, '2_b.sql'), 'SELECT 1;\n-- no-transaction\n');
        const set = discoverMigrations(tmp, 'sqlx');
        assert.deepEqual(
          set.migrations.map((m) => m.up.noTransaction),
          [true, false],
        );
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });

  describe('Prisma (documenso, in the shared corpus)', () => {
    const project = join(corpus, 'documenso');
    const dir = join(project, 'packages', 'prisma', 'migrations');
    before(function () {
      if (!existsSync(dir)) this.skip();
    });

    it('is detected in packages/prisma/migrations, listed as Prisma lists it, and linted without a parse error', async () => {
      const found = detectProject(project);
      assert.equal(found[0].tool, 'prisma');
      assert.equal(found[0].dir, dir);
      const set = discoverMigrations(dir, 'auto');
      assert.equal(set.layout, 'prisma');
      assert.equal(set.migrations.length, 163);
      assert.equal(set.migrations[0].version, '20230404095503');
      assert.equal(set.migrations[0].name, 'initial_migration');
      assert.deepEqual(
        set.problems.filter((p) => p.severity !== 'info'),
        [],
      );
      const rules = await lintSet(set);
      assert.equal(rules.size, 163);
      const broken = [...rules].filter(([, r]) => r.includes('syntax-error')).map(([f]) => f);
      assert.deepEqual(broken, []);
    });
  });
});
