import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { LAYOUTS } from '../../src/core/config';
import { PgshiftError } from '../../src/core/errors';
import type { ConcreteLayout } from '../../src/core/migrations/model';
import { discoverMigrations } from '../../src/core/migrations/discover';
import { createMigration, sanitizeMigrationName } from '../../src/core/migrations/new';
import { fakeIo } from './helpers/fake-io';

const now = new Date('2026-03-04T05:06:07.890Z');

describe('createMigration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-new-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (rel: string, content = 'SELECT 1;\n'): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };

  it('with content (pgshift expand): every layout reads back the up script as the up and the down as the down', () => {
    const content = {
      up: 'CREATE TABLE up_probe (id int);',
      down: 'DROP TABLE up_probe;',
    };
    for (const layout of LAYOUTS.filter((l): l is ConcreteLayout => l !== 'auto')) {
      const at = join(dir, layout);
      createMigration(at, layout, 'probe', { now, content });
      const [m] = discoverMigrations(at, layout).migrations;
      assert.ok(m, layout);
      // what runs: comments left out (Liquibase's --rollback lines stand in its changeset's text)
      const up = m.up.sql.replace(/--.*$/gm, '');
      assert.match(up, /CREATE TABLE up_probe/, `${layout}: up`);
      assert.doesNotMatch(up, /DROP TABLE/, `${layout}: up`);
      // Prisma has no down script
      if (layout === 'prisma') assert.equal(m.down, undefined, layout);
      else {
        assert.match(m.down?.sql ?? '', /DROP TABLE up_probe/, `${layout}: down`);
        assert.doesNotMatch(m.down?.sql ?? '', /CREATE TABLE/, `${layout}: down`);
      }
    }
  });

  it('golang-migrate: up and down files with a UTC timestamp version and a comment header', () => {
    const created = createMigration(dir, 'golang-migrate', 'Add customers email', { now });
    assert.deepEqual(created, [
      join(dir, '20260304050607_add_customers_email.up.sql'),
      join(dir, '20260304050607_add_customers_email.down.sql'),
    ]);
    assert.match(readFileSync(created[0], 'utf8'), /^-- 20260304050607 add_customers_email: up\n/);
    assert.match(readFileSync(created[1], 'utf8'), /^-- .*down/);
    const set = discoverMigrations(dir, 'golang-migrate');
    assert.equal(set.migrations.length, 1);
    assert.equal(
      set.migrations[0].up.noTransaction,
      false,
      'the header mentions the directive without enabling it',
    );
    assert.ok(set.problems.every((p) => p.severity === 'info'));
  });

  it('dbmate: one file with both markers', () => {
    const [f] = createMigration(dir, 'dbmate', 'x', { now });
    assert.equal(f, join(dir, '20260304050607_x.sql'));
    assert.equal(readFileSync(f, 'utf8'), '-- migrate:up\n\n\n-- migrate:down\n\n');
    const set = discoverMigrations(dir, 'dbmate');
    assert.ok(set.migrations[0].down);
    assert.deepEqual(
      set.problems.filter((p) => p.severity !== 'info'),
      [],
    );
  });

  it('flyway: V and U scripts', () => {
    const created = createMigration(dir, 'flyway', 'x', { now });
    assert.deepEqual(created, [join(dir, 'V20260304050607__x.sql'), join(dir, 'U20260304050607__x.sql')]);
    const set = discoverMigrations(dir, 'flyway');
    assert.equal(set.migrations[0].version, '20260304050607');
    assert.ok(set.migrations[0].down);
  });

  it("diesel: a folder with up.sql and down.sql, named the way diesel's CLI names it", () => {
    const created = createMigration(dir, 'diesel', 'x', { now });
    assert.deepEqual(created, [
      join(dir, '2026-03-04-050607_x', 'up.sql'),
      join(dir, '2026-03-04-050607_x', 'down.sql'),
    ]);
    const set = discoverMigrations(dir, 'diesel');
    assert.equal(set.migrations[0].version, '20260304050607');
  });

  it('diesel: follows the -0000 suffix of newer diesel when the latest folder has it', () => {
    file('2025-09-19-132648-0000_a/up.sql');
    file('2025-09-19-132648-0000_a/down.sql');
    const created = createMigration(dir, 'diesel', 'b', { now });
    assert.equal(created[0], join(dir, '2026-03-04-050607-0000_b', 'up.sql'));
  });

  it("'auto' picks the directory's layout", () => {
    file('20260101000000_a.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n');
    const created = createMigration(dir, 'auto', 'b', { now });
    assert.deepEqual(created, [join(dir, '20260304050607_b.sql')]);
  });

  it('continues short sequential numbers with the same width', () => {
    file('0001_a.up.sql');
    file('0001_a.down.sql');
    file('0009_b.up.sql');
    file('0009_b.down.sql');
    assert.equal(createMigration(dir, 'golang-migrate', 'c', { now })[0], join(dir, '0010_c.up.sql'));
    const six = join(dir, 'six');
    mkdirSync(six);
    writeFileSync(join(six, '000001_a.up.sql'), '');
    assert.equal(createMigration(six, 'golang-migrate', 'b', { now })[0], join(six, '000002_b.up.sql'));
    const fly = join(dir, 'fly');
    mkdirSync(fly);
    writeFileSync(join(fly, 'V1__a.sql'), '');
    writeFileSync(join(fly, 'V2__b.sql'), '');
    assert.equal(createMigration(fly, 'flyway', 'c', { now })[0], join(fly, 'V3__c.sql'));
  });

  it('sequential: true starts at 000001; sequential: false uses a timestamp even in a numbered dir', () => {
    assert.equal(
      createMigration(join(dir, 'a'), 'golang-migrate', 'x', { now, sequential: true })[0],
      join(dir, 'a', '000001_x.up.sql'),
    );
    file('b/0001_a.up.sql');
    assert.equal(
      createMigration(join(dir, 'b'), 'golang-migrate', 'x', { now, sequential: false })[0],
      join(dir, 'b', '20260304050607_x.up.sql'),
    );
  });

  it('timestamps are not mistaken for a sequence', () => {
    file('20260101000000_a.up.sql');
    assert.equal(
      createMigration(dir, 'golang-migrate', 'b', { now })[0],
      join(dir, '20260304050607_b.up.sql'),
    );
  });

  it('sanitises the name to [a-z0-9_]', () => {
    assert.equal(sanitizeMigrationName(`Add "users"; DROP TABLE x; --`), 'add_users_drop_table_x');
    assert.equal(sanitizeMigrationName('  Café  crème '), 'cafe_creme');
    assert.equal(sanitizeMigrationName('../../etc/passwd'), 'etc_passwd');
    const [f] = createMigration(dir, 'dbmate', `it's "x"`, { now });
    assert.equal(f, join(dir, '20260304050607_it_s_x.sql'));
  });

  it('refuses an empty name with a PgshiftError (exit 2)', () => {
    for (const name of ['', '  ', '--', 'ÅÄÖ'.replace(/./g, '!')]) {
      assert.throws(
        () => createMigration(dir, 'golang-migrate', name, { now }),
        (e: unknown) =>
          e instanceof PgshiftError && e.exitCode === 2 && /no letters or digits/.test(e.message),
      );
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('never overwrites: a colliding version is refused and the existing files are untouched', () => {
    createMigration(dir, 'golang-migrate', 'a', { now });
    writeFileSync(join(dir, '20260304050607_a.up.sql'), 'CREATE TABLE mine (id int);');
    assert.throws(
      () => createMigration(dir, 'golang-migrate', 'a', { now }),
      (e: unknown) =>
        e instanceof PgshiftError &&
        e.exitCode === 2 &&
        /version 20260304050607 already exists/.test(e.message),
    );
    assert.throws(() => createMigration(dir, 'golang-migrate', 'other', { now }), /already exists/);
    assert.equal(readFileSync(join(dir, '20260304050607_a.up.sql'), 'utf8'), 'CREATE TABLE mine (id int);');
    assert.equal(readdirSync(dir).length, 2);
  });

  it('refuses when a target file exists even if it is not a migration (and cleans up what it wrote)', () => {
    file('20260304050607_a.down.sql', 'keep me');
    // the lone down is an error for discovery (no version clash), so creation reaches the files
    assert.throws(
      () => createMigration(dir, 'golang-migrate', 'a', { now }),
      (e: unknown) => e instanceof PgshiftError && /refusing to overwrite/.test(e.message),
    );
    assert.deepEqual(readdirSync(dir), ['20260304050607_a.down.sql']);
    assert.equal(readFileSync(join(dir, '20260304050607_a.down.sql'), 'utf8'), 'keep me');
  });

  it('creates the directory when missing', () => {
    const nested = join(dir, 'db', 'migrations');
    const created = createMigration(nested, 'golang-migrate', 'init', { now });
    assert.ok(created.every((f) => existsSync(f)));
  });
});

describe('pgshift new (CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-cli-new-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates in the configured directory and layout and prints the paths', async () => {
    writeFileSync(
      join(dir, 'pgshift.config.json'),
      JSON.stringify({ migrationsDir: 'db/migrations', layout: 'dbmate' }),
    );
    const io = fakeIo(dir);
    const code = await main(['new', 'add', 'orders'], io);
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /^db\/migrations\/\d{14}_add_orders\.sql\n$/);
    assert.equal(readdirSync(join(dir, 'db/migrations')).length, 1);
  });

  it('--format json prints {"created": [...]}; --dir and --layout override the config', async () => {
    const io = fakeIo(dir);
    const code = await main(['new', 'x', '--dir', 'm', '--layout', 'diesel', '--format', 'json'], io);
    assert.equal(code, 0, io.stderr);
    const out = JSON.parse(io.stdout) as { created: string[] };
    assert.equal(out.created.length, 2);
    assert.match(out.created[0], /^m\/\d{4}-\d\d-\d\d-\d{6}_x\/up\.sql$/);
    assert.ok(existsSync(join(dir, out.created[1])));
  });

  it("layout 'auto' detects the directory's layout", async () => {
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'V1__a.sql'), 'SELECT 1;');
    const io = fakeIo(dir);
    assert.equal(await main(['new', 'b'], io), 0, io.stderr);
    assert.equal(io.stdout, 'migrations/V2__b.sql\nmigrations/U2__b.sql\n');
  });

  it('usage errors exit 2: no name, an empty name, an unknown layout or format', async () => {
    for (const argv of [
      ['new'],
      ['new', '!!!'],
      ['new', 'x', '--layout', 'sqitch'],
      ['new', 'x', '--format', 'sarif'],
    ]) {
      const io = fakeIo(dir);
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(io.stderr, /pgshift new: error: .*\n {2}hint: /);
    }
    assert.deepEqual(readdirSync(dir), []);
  });
});
