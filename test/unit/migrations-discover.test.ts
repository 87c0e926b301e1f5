import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgshiftError } from '../../src/core/errors';
import { discoverMigrations, findMigration } from '../../src/core/migrations/discover';
import type { MigrationProblem, MigrationSet } from '../../src/core/migrations/model';
import { scriptStatements } from '../../src/core/runner/statements';

const root = join(__dirname, '..', '..', '..');
const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('discoverMigrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-discover-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (rel: string, content: string | Buffer = 'SELECT 1;\n'): string => {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  const problems = (set: MigrationSet, severity?: MigrationProblem['severity']): string[] =>
    set.problems.filter((p) => !severity || p.severity === severity).map((p) => p.message);

  describe('golang-migrate', () => {
    it('pairs ups with downs, orders by version, checksums the bytes', () => {
      const up2 = file('10_b.up.sql', 'CREATE TABLE b (id int);\n');
      file('10_b.down.sql', 'DROP TABLE b;\n');
      file('9_a.up.sql', '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (x);\n');
      file('9_a.down.sql', 'DROP INDEX CONCURRENTLY i;\n');
      file('README.md', '# notes');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.layout, 'golang-migrate');
      assert.equal(set.dir, dir);
      assert.deepEqual(
        set.migrations.map((m) => [m.version, m.name]),
        [
          ['9', 'a'],
          ['10', 'b'],
        ],
      );
      const [a, b] = set.migrations;
      assert.equal(a.up.noTransaction, true);
      assert.equal(a.down?.noTransaction, false);
      assert.equal(b.up.file, up2);
      assert.equal(b.up.offset, 0);
      assert.equal(b.up.sql, 'CREATE TABLE b (id int);\n');
      assert.equal(b.up.checksum, sha256(readFileSync(up2)));
      assert.deepEqual(set.problems, []);
    });

    it("auto-detects the layout when not given ('auto' is the default)", () => {
      file('1_a.up.sql');
      file('1_a.down.sql');
      assert.equal(discoverMigrations(dir).layout, 'golang-migrate');
      assert.equal(discoverMigrations(dir, 'auto').migrations.length, 1);
    });

    it('a .postgres. file overrides the dialect-neutral one; other dialects are skipped (kratos)', () => {
      file('1_a.up.sql', 'SELECT 1;');
      const pg = file('1_a.postgres.up.sql', 'SELECT 2;');
      file('1_a.down.sql', 'SELECT 3;');
      file('1_a.mysql.up.sql', 'SELECT 4;');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations.length, 1);
      assert.equal(set.migrations[0].up.file, pg);
      assert.equal(set.migrations[0].name, 'a');
      assert.deepEqual(problems(set, 'error'), []);
      assert.deepEqual(problems(set, 'warning'), []);
      assert.match(problems(set, 'info').join('\n'), /1_a\.mysql\.up\.sql is for mysql, not PostgreSQL/);
    });

    it('a down named differently from its up is paired and warned about', () => {
      file('1_a.up.sql');
      file('1_b.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations[0].down?.file, join(dir, '1_b.down.sql'));
      assert.match(
        problems(set, 'warning')[0],
        /name differs from its up script: 1_b\.down\.sql vs 1_a\.up\.sql/,
      );
    });
  });

  describe('problems (never thrown)', () => {
    it('duplicate versions: error naming both files; the first is kept', () => {
      file('0001_a.up.sql');
      file('1_b.up.sql');
      file('0001_a.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations.length, 1);
      assert.equal(set.migrations[0].name, 'a');
      const errs = set.problems.filter((p) => p.severity === 'error');
      assert.equal(errs.length, 1);
      assert.equal(errs[0].file, join(dir, '1_b.up.sql'));
      assert.match(errs[0].message, /duplicate version 1: 0001_a\.up\.sql and 1_b\.up\.sql/);
    });

    it('an up without its down: warning', () => {
      file('1_a.up.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations.length, 1);
      assert.equal(set.migrations[0].down, undefined);
      assert.deepEqual(
        set.problems.map((p) => [p.severity, p.file]),
        [['warning', join(dir, '1_a.up.sql')]],
      );
      assert.match(set.problems[0].message, /up without down/);
    });

    it('a down without an up: error, and no migration', () => {
      file('1_a.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.deepEqual(set.migrations, []);
      assert.deepEqual(
        set.problems.map((p) => [p.severity, p.file]),
        [['error', join(dir, '1_a.down.sql')]],
      );
      assert.match(set.problems[0].message, /down without up/);
    });

    it('unreadable files (a dangling link): error; its down is then an orphan', () => {
      symlinkSync(join(dir, 'nowhere.sql'), join(dir, '1_a.up.sql'));
      file('1_a.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.deepEqual(set.migrations, []);
      const e = set.problems.find((p) => p.file === join(dir, '1_a.up.sql'));
      assert.equal(e?.severity, 'error');
      assert.match(e?.message ?? '', /unreadable: 1_a\.up\.sql \(ENOENT\)/);
      assert.ok(set.problems.some((p) => p.severity === 'error' && /down without up/.test(p.message)));
    });

    it('a FIFO with a migration name is reported, never read (reading it would block)', function () {
      const fifo = join(dir, '1_a.up.sql');
      try {
        execFileSync('mkfifo', [fifo]);
      } catch {
        this.skip();
      }
      file('1_a.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.match(
        set.problems.find((p) => p.file === fifo)?.message ?? '',
        /unreadable: 1_a\.up\.sql is not a regular file/,
      );
    });

    it('non-UTF-8 files: error', () => {
      file('1_a.up.sql', Buffer.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x27, 0xe9, 0x27, 0x3b])); // SELECT 'é' in Latin-1
      file('1_a.down.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      const e = set.problems.find((p) => p.file === join(dir, '1_a.up.sql'));
      assert.equal(e?.severity, 'error');
      assert.match(e?.message ?? '', /not UTF-8/);
    });

    it('empty and comment-only scripts: info "empty: applying it is a no-op"', () => {
      file('1_a.up.sql', '');
      file('1_a.down.sql', '-- nothing to undo\n/* really */\n');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations.length, 1, 'still a migration: it can be applied and recorded');
      assert.deepEqual(
        set.problems.map((p) => [p.severity, p.file]),
        [
          ['info', join(dir, '1_a.down.sql')],
          ['info', join(dir, '1_a.up.sql')],
        ],
      );
      for (const p of set.problems) assert.match(p.message, /^empty: applying it is a no-op/);
    });

    it('files that look like migrations but do not match the layout: warning; other .sql files: info', () => {
      file('1_a.up.sql');
      file('1_a.down.sql');
      file('20260101_x.sql');
      file('seed.sql');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.equal(set.migrations.length, 1);
      const w = set.problems.find((p) => p.file === join(dir, '20260101_x.sql'));
      assert.equal(w?.severity, 'warning');
      assert.match(
        w?.message ?? '',
        /not a golang-migrate migration name: 20260101_x\.sql .*<version>_<name>\.up\.sql/,
      );
      assert.equal(set.problems.find((p) => p.file === join(dir, 'seed.sql'))?.severity, 'info');
    });

    it('a dbmate file with no -- migrate:up marker: error, and no migration', () => {
      file('20260101000000_a.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n');
      file('20260102000000_b.sql', 'CREATE TABLE b (id int);\n');
      const set = discoverMigrations(dir, 'dbmate');
      assert.deepEqual(
        set.migrations.map((m) => m.version),
        ['20260101000000'],
      );
      const e = set.problems.find((p) => p.file === join(dir, '20260102000000_b.sql'));
      assert.equal(e?.severity, 'error');
      assert.match(e?.message ?? '', /no -- migrate:up marker/);
    });

    it('file names with quotes, spaces and SQL are kept as data', () => {
      const evil = `1_it's "x"; DROP TABLE t; --`;
      const up = file(`${evil}.up.sql`, 'SELECT 1;');
      file(`${evil}.down.sql`, 'SELECT 2;');
      const set = discoverMigrations(dir, 'golang-migrate');
      assert.deepEqual(set.problems, []);
      assert.equal(set.migrations[0].name, `it's "x"; DROP TABLE t; --`);
      assert.equal(set.migrations[0].up.file, up);
    });

    it('a missing directory throws PgshiftError (exit 2) with a hint to set migrationsDir', () => {
      assert.throws(
        () => discoverMigrations(join(dir, 'nope')),
        (e: unknown) =>
          e instanceof PgshiftError &&
          e.exitCode === 2 &&
          /not found/.test(e.message) &&
          /migrationsDir/.test(e.hint ?? ''),
      );
      const f = file('plain.txt', 'x');
      assert.throws(
        () => discoverMigrations(f),
        (e: unknown) => e instanceof PgshiftError && e.exitCode === 2,
      );
    });

    it('a byte-order mark stays in sql so offsets and checksums match the file bytes', () => {
      const p = file('1_a.up.sql', '\uFEFFSELECT 1;');
      file('1_a.down.sql');
      const m = discoverMigrations(dir, 'golang-migrate').migrations[0];
      assert.deepEqual(Buffer.from(m.up.sql, 'utf8'), readFileSync(p));
    });
  });

  describe('dbmate', () => {
    const text = [
      '-- a leading comment is fine\n',
      '-- migrate:up transaction:false\n',
      "CREATE INDEX CONCURRENTLY i ON t (a); -- 'é'\n",
      '\n',
      '-- migrate:down\n',
      'DROP INDEX i;\n',
    ].join('');

    it('two scripts from one file, each with its offset and a checksum over its section bytes', () => {
      const p = file('20260101000000_idx.sql', text);
      const set = discoverMigrations(dir, 'dbmate');
      assert.deepEqual(set.problems, []);
      const [m] = set.migrations;
      assert.equal(m.version, '20260101000000');
      assert.equal(m.name, 'idx');
      const bytes = readFileSync(p);
      const upAt = bytes.indexOf('-- migrate:up');
      const downAt = bytes.indexOf('-- migrate:down');
      assert.equal(m.up.file, p);
      assert.equal(m.up.offset, upAt);
      assert.equal(m.up.sql, bytes.subarray(upAt, downAt).toString('utf8'));
      assert.equal(m.up.checksum, sha256(bytes.subarray(upAt, downAt)));
      assert.equal(m.up.noTransaction, true);
      assert.equal(m.down?.file, p);
      assert.equal(m.down?.offset, downAt);
      assert.equal(m.down?.sql, '-- migrate:down\nDROP INDEX i;\n');
      assert.equal(m.down?.checksum, sha256(bytes.subarray(downAt)));
      assert.equal(m.down?.noTransaction, false);
      // offsets are bytes: a statement position inside the section maps back into the file
      const inSection = Buffer.from(m.up.sql, 'utf8').indexOf('CREATE');
      assert.equal(bytes.toString('utf8', m.up.offset + inSection, m.up.offset + inSection + 6), 'CREATE');
    });

    it('no -- migrate:down: an up without down (warning); an empty down section: info', () => {
      file('1_a.sql', '-- migrate:up\nSELECT 1;\n');
      file('2_b.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n');
      const set = discoverMigrations(dir, 'dbmate');
      assert.equal(set.migrations.length, 2);
      assert.equal(set.migrations[0].down, undefined);
      assert.deepEqual(
        set.problems.map((p) => [p.severity, p.file]),
        [
          ['info', join(dir, '2_b.sql')],
          ['warning', join(dir, '1_a.sql')],
        ],
      );
      assert.match(set.problems[0].message, /^empty down section: applying it is a no-op/);
    });

    it('SQL before -- migrate:up, down before up, or repeated markers: errors', () => {
      file('1_a.sql', 'SELECT 0;\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n');
      file('2_b.sql', '-- migrate:down\nSELECT 2;\n-- migrate:up\nSELECT 1;\n');
      file('3_c.sql', '-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n-- migrate:down\n SELECT 3;\n');
      const set = discoverMigrations(dir, 'dbmate');
      const errs = set.problems.filter((p) => p.severity === 'error');
      assert.match(errs.find((p) => p.file.endsWith('1_a.sql'))?.message ?? '', /SQL before -- migrate:up/);
      assert.match(
        errs.find((p) => p.file.endsWith('2_b.sql'))?.message ?? '',
        /-- migrate:down comes before -- migrate:up/,
      );
      assert.match(
        errs.find((p) => p.file.endsWith('3_c.sql'))?.message ?? '',
        /2 "-- migrate:up" and 1 "-- migrate:down" markers/,
      );
    });

    it('a marker inside a string is not a marker', () => {
      file('1_a.sql', "-- migrate:up\nSELECT '\n-- migrate:down\n';\n");
      const set = discoverMigrations(dir, 'dbmate');
      assert.equal(set.migrations[0].down, undefined);
    });

    it('duplicate versions across files: one error naming both', () => {
      file('1_a.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n');
      file('01_b.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n');
      const set = discoverMigrations(dir, 'dbmate');
      assert.equal(set.migrations.length, 1);
      const errs = problems(set, 'error');
      assert.equal(errs.length, 1);
      assert.match(errs[0], /duplicate version 1: 01_b\.sql and 1_a\.sql/);
    });
  });

  describe('flyway', () => {
    it('V = up, U = down, R__ repeatable last; 1.9 before 1.10; `_` in versions reads as `.`', () => {
      file('V1_10__ten.sql');
      file('V1.9__nine.sql');
      file('U1.9__nine.sql');
      file('R__views.sql');
      file('V2__two.sql');
      const set = discoverMigrations(dir, 'flyway');
      assert.deepEqual(
        set.migrations.map((m) => [m.version, m.name, !!m.down, !!m.repeatable]),
        [
          ['1.9', 'nine', true, false],
          ['1.10', 'ten', false, false],
          ['2', 'two', false, false],
          ['', 'views', false, true],
        ],
      );
      // undo scripts exist in this project, so a missing one is worth a warning
      assert.deepEqual(problems(set, 'warning').length, 2);
    });

    it('no undo scripts at all: no warnings for missing ones (undo is optional in Flyway)', () => {
      file('V1__a.sql');
      file('V2__b.sql');
      assert.deepEqual(discoverMigrations(dir, 'flyway').problems, []);
    });

    it('<file>.sql.conf with executeInTransaction=false marks the script noTransaction', () => {
      file('V1__idx.sql', 'CREATE INDEX CONCURRENTLY i ON t (a);');
      file('V1__idx.sql.conf', '# flyway script config\nexecuteInTransaction = false\n');
      file('V2__b.sql');
      file('V2__b.sql.conf', 'executeInTransaction=true\n');
      const set = discoverMigrations(dir, 'flyway');
      assert.deepEqual(
        set.migrations.map((m) => m.up.noTransaction),
        [true, false],
      );
      assert.deepEqual(set.problems, []);
    });

    it('scripts in sub-folders are found; an undo without its version and V1 vs V1.0 are errors', () => {
      file('v1/V1__a.sql');
      file('v2/V1.0__b.sql');
      file('U3__c.sql');
      const set = discoverMigrations(dir, 'flyway');
      assert.deepEqual(
        set.migrations.map((m) => m.name),
        ['a'],
      );
      const errs = problems(set, 'error');
      assert.ok(
        errs.some((m) => /duplicate version 1\.0: v1\/V1__a\.sql and v2\/V1\.0__b\.sql/.test(m)),
        errs.join('\n'),
      );
      assert.ok(
        errs.some((m) => /down without up: U3__c\.sql/.test(m)),
        errs.join('\n'),
      );
    });
  });

  describe('diesel', () => {
    it('folders with up.sql and down.sql; versions as diesel records them; metadata.toml run_in_transaction', () => {
      file('2019-02-26-002946_create_user/up.sql', 'CREATE TABLE u (id int);');
      file('2019-02-26-002946_create_user/down.sql', 'DROP TABLE u;');
      file('00000000000000_diesel_initial_setup/up.sql');
      file('00000000000000_diesel_initial_setup/down.sql');
      file('2025-09-19-132648-0000_idx/up.sql', 'CREATE INDEX CONCURRENTLY i ON u (id);');
      file('2025-09-19-132648-0000_idx/down.sql');
      file('2025-09-19-132648-0000_idx/metadata.toml', 'run_in_transaction = false\n');
      file('20140924113530_old/up.sql');
      file('20140924113530_old/down.sql');
      file('data_seed.sql');
      const set = discoverMigrations(dir, 'diesel');
      assert.deepEqual(
        set.migrations.map((m) => m.version),
        ['00000000000000', '20140924113530', '20190226002946', '202509191326480000'],
      );
      const idx = findMigration(set, '202509191326480000');
      assert.equal(idx?.up.noTransaction, true);
      assert.equal(idx?.down?.noTransaction, true);
      assert.equal(findMigration(set, '2019-02-26-002946')?.name, 'create_user');
      assert.deepEqual(
        set.problems.map((p) => p.severity),
        ['info'],
      );
    });

    it('down without up, a folder with neither, a malformed folder name', () => {
      file('1_a/down.sql');
      mkdirSync(join(dir, '2_b'));
      file('3/up.sql');
      const set = discoverMigrations(dir, 'diesel');
      assert.deepEqual(set.migrations, []);
      assert.deepEqual(
        set.problems.map((p) => [p.severity, p.file]),
        [
          ['warning', join(dir, '2_b')],
          ['warning', join(dir, '3')],
          ['error', join(dir, '1_a', 'down.sql')],
        ],
      );
    });
  });

  describe('findMigration', () => {
    it('finds by exact version, then by equal version; never a repeatable', () => {
      file('V0001__a.sql');
      file('R__v.sql');
      const set = discoverMigrations(dir, 'flyway');
      assert.equal(findMigration(set, '0001')?.name, 'a');
      assert.equal(findMigration(set, '1')?.name, 'a');
      assert.equal(findMigration(set, '2'), undefined);
      assert.equal(findMigration(set, ''), undefined);
    });
  });

  describe('real directories (read-only)', () => {
    it('examples/shop: golang-migrate, 8 migrations, all with downs, no problems', () => {
      const set = discoverMigrations(join(root, 'examples/shop/migrations'));
      assert.equal(set.layout, 'golang-migrate');
      assert.equal(set.migrations.length, 8);
      assert.ok(set.migrations.every((m) => m.down));
      assert.deepEqual(set.problems, []);
      const versions = set.migrations.map((m) => m.version);
      assert.deepEqual(versions, [...versions].sort());
      const idx = set.migrations.find((m) => m.name === 'orders_shipped_at_index_concurrently');
      assert.equal(idx?.up.noTransaction, /pgshift:no-transaction/.test(idx?.up.sql ?? ''));
    });

    it('lemmy (diesel): every folder, in diesel order, no errors or warnings', () => {
      const set = discoverMigrations(join(corpus, 'lemmy/migrations'));
      assert.equal(set.layout, 'diesel');
      assert.equal(set.migrations.length, 342);
      assert.deepEqual(problems(set, 'error'), []);
      assert.deepEqual(problems(set, 'warning'), []);
      // diesel sorts the dash-less version strings; ours must agree
      const versions = set.migrations.map((m) => m.version);
      assert.deepEqual(versions, [...versions].sort());
    });

    it('crates.io (diesel): a folder name with spaces, a data file that is not a migration', () => {
      const set = discoverMigrations(join(corpus, 'crates-io/migrations'));
      assert.equal(set.layout, 'diesel');
      assert.equal(set.migrations.length, 285);
      assert.deepEqual(problems(set, 'error'), []);
      assert.ok(set.migrations.some((m) => m.name === 'Add email notifications to crate owners'));
      assert.ok(set.problems.some((p) => p.severity === 'info' && p.file.endsWith('data_oauth_github.sql')));
    });

    it('the statements discovery hands to the runner are the ones a split of each script alone gives', () => {
      const dirs = [
        'supabase-postgres/migrations/db/migrations',
        'lemmy/migrations',
        'crates-io/migrations',
        'kratos/persistence/sql/migrations/sql',
        'supabase-auth/migrations',
        'harbor/make/migrations/postgresql',
      ];
      let scripts = 0;
      let reused = 0;
      for (const d of dirs) {
        const set = discoverMigrations(join(corpus, d));
        for (const m of set.migrations)
          for (const script of [m.up, m.down]) {
            if (!script) continue;
            scripts++;
            if (script.split) reused++;
            assert.deepEqual(
              scriptStatements(script),
              scriptStatements({ ...script, split: undefined }),
              script.file,
            );
          }
      }
      assert.ok(scripts > 1500, `${scripts} scripts`);
      assert.ok(reused / scripts > 0.99, `${reused} of ${scripts} scripts carry their split`);
    });

    it('supabase (dbmate): 30 files, each with an up section at its marker', () => {
      const dir = join(corpus, 'supabase-postgres/migrations/db/migrations');
      const set = discoverMigrations(dir);
      assert.equal(set.layout, 'dbmate');
      assert.equal(set.migrations.length, 30);
      assert.deepEqual(problems(set, 'error'), []);
      for (const m of set.migrations) {
        const bytes = readFileSync(m.up.file);
        assert.equal(bytes.toString('utf8', m.up.offset, m.up.offset + 13), '-- migrate:up');
        assert.equal(
          m.up.checksum,
          sha256(bytes.subarray(m.up.offset, m.up.offset + Buffer.byteLength(m.up.sql))),
        );
      }
    });
  });
});
