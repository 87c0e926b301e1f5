import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Client } from 'pg';
import { main } from '../../src/cli/main';
import { targetFromUrl } from '../../src/core/db/open';
import { buildReport, verifyMigrations } from '../../src/core/report';
import { compareSnapshots } from '../../src/core/report/verify';
import { fakeIo } from '../unit/helpers/fake-io';
import { CONFIG, migrationsDir } from './report-helpers';
import { pgliteScratchDir, testServerUrl } from './server';

const FILES: Record<string, [string, string | null]> = {
  '1_accounts': [
    'CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);\n',
    'DROP TABLE accounts;\n',
  ],
  // the down forgets the default the up sets
  '2_nick': [
    "ALTER TABLE accounts ADD COLUMN nick text;\nALTER TABLE accounts ALTER COLUMN email SET DEFAULT '';\n",
    'ALTER TABLE accounts DROP COLUMN nick;\n',
  ],
  '3_no_down': ['CREATE TABLE notes (id int PRIMARY KEY);\n', null],
  '4_check': [
    "ALTER TABLE accounts ADD CONSTRAINT accounts_email_check CHECK (email LIKE '%@%');\n",
    'ALTER TABLE accounts DROP CONSTRAINT accounts_email_check;\n',
  ],
};

describe('report: reversibility (up → down → up)', function () {
  this.timeout(180_000);
  const mig = migrationsDir(FILES);
  after(() => mig.remove());

  it('on embedded PGlite: names the down that does not restore the schema, and the missing down', async () => {
    const outcome = await verifyMigrations({
      set: mig.set(),
      scratch: { kind: 'pglite', dir: path.dirname(pgliteScratchDir()) },
    });
    const verdicts = Object.fromEntries(outcome.results.map((r) => [r.version, r.verdict]));
    assert.deepEqual(verdicts, {
      '1': 'restored',
      '2': 'not-restored',
      '3': 'missing-down',
      '4': 'restored',
    });
    const two = outcome.results.find((r) => r.version === '2')!;
    assert.deepEqual(two.differences, [
      '- [columns] public.accounts #2 email text not null',
      "+ [columns] public.accounts #2 email text not null default ''::text",
    ]);
    assert.equal(outcome.ok, false);
    assert.match(outcome.where, /PGlite/);
  });

  it('on a throwaway database of a server, dropped afterwards', async () => {
    const outcome = await verifyMigrations({
      set: mig.set(),
      scratch: { kind: 'server', target: targetFromUrl(testServerUrl()) },
    });
    assert.deepEqual(
      outcome.results.map((r) => r.verdict),
      ['restored', 'not-restored', 'missing-down', 'restored'],
    );
    const name = /throwaway database (\S+)/.exec(outcome.where)?.[1];
    assert.ok(name);
    assert.ok(!outcome.where.includes(new URL(testServerUrl()).password), 'no password in the description');
    const c = new Client({ connectionString: testServerUrl() });
    await c.connect();
    try {
      const r = await c.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]);
      assert.equal(r.rows[0].n, 0, 'the throwaway database is gone');
    } finally {
      await c.end();
    }
  });

  it('names what a down leaves behind when the up then fails to apply again, and stops there', async () => {
    const leftover = migrationsDir({
      ...FILES,
      '2_nick': ['CREATE INDEX accounts_email_idx ON accounts (email);\n', 'SELECT 1;\n'],
    });
    try {
      const outcome = await verifyMigrations({ set: leftover.set(), scratch: { kind: 'pglite' } });
      const two = outcome.results.find((r) => r.version === '2')!;
      assert.equal(two.verdict, 'not-restored');
      assert.deepEqual(two.differences, [
        '+ [indexes] CREATE INDEX accounts_email_idx ON public.accounts USING btree (email)',
      ]);
      assert.match(two.error ?? '', /applying it again fails: .*already exists/);
      assert.deepEqual(
        outcome.results.slice(2).map((r) => r.verdict),
        ['not-run', 'not-run'],
      );
    } finally {
      leftover.remove();
    }
  });

  it('reports a failing up and does not run the migrations after it', async () => {
    const bad = migrationsDir({
      ...FILES,
      '2_nick': ['ALTER TABLE nope ADD COLUMN x int;\n', 'SELECT 1;\n'],
    });
    try {
      const outcome = await verifyMigrations({ set: bad.set(), scratch: { kind: 'pglite' } });
      const two = outcome.results.find((r) => r.version === '2')!;
      assert.equal(two.verdict, 'up-failed');
      assert.match(two.error ?? '', /nope/);
      assert.deepEqual(
        outcome.results.slice(2).map((r) => r.verdict),
        ['not-run', 'not-run'],
      );
    } finally {
      bad.remove();
    }
  });

  it('treats a constraint the down leaves validated as a note, not a difference', () => {
    const d = compareSnapshots(
      '-- constraints\npublic.t c CHECK (a > 0) NOT VALID\n',
      '-- constraints\npublic.t c CHECK (a > 0)\n',
    );
    assert.deepEqual(d.differences, []);
    assert.equal(d.notes.length, 1);
  });

  it('is part of the report, with the post-apply checks of the schema the migrations produce', async () => {
    const report = await buildReport({
      set: mig.set(),
      config: CONFIG,
      scope: { kind: 'all' },
      verify: { kind: 'pglite' },
    });
    assert.equal(report.reversibility.ran, true);
    assert.equal(report.reversibility.results.find((r) => r.version === '2')?.verdict, 'not-restored');
    const rev = report.score.breakdown.find((c) => c.id === 'reversibility')!;
    assert.deepEqual(
      rev.items.map((i) => i.severity),
      ['high', 'medium'],
    );
    assert.equal(report.postApply.ran, true);
    assert.ok(report.postApply.issues.every((i) => i.where === 'after-migrations'));
  });

  it('`pgshift verify` exits 1 when a down does not restore the schema, 0 when all do', async () => {
    const io = fakeIo(mig.dir);
    assert.equal(await main(['verify', '--dir', mig.dir], io), 1, io.stderr);
    assert.match(io.stdout, /2 nick\s+NOT RESTORED/);
    assert.match(io.stdout, /\+ \[columns\] public\.accounts #2 email text not null default ''::text/);
    assert.match(io.stdout, /3 no_down\s+no down migration/);
    const good = migrationsDir({ '1_accounts': FILES['1_accounts'], '3_no_down': FILES['3_no_down'] });
    try {
      const io2 = fakeIo(good.dir);
      assert.equal(await main(['verify', '--dir', good.dir, '--format', 'json'], io2), 0, io2.stderr);
      const json = JSON.parse(io2.stdout);
      assert.equal(json.ok, true);
      assert.deepEqual(
        json.migrations.map((m: { verdict: string }) => m.verdict),
        ['restored', 'missing-down'],
      );
    } finally {
      good.remove();
    }
  });

  it('`pgshift verify --db` with a wrong password says so in one line without the password', async () => {
    const u = new URL(testServerUrl());
    u.password = 'not-the-Passw0rd';
    const io = fakeIo(mig.dir);
    const code = await main(['verify', '--dir', mig.dir, '--db', u.toString()], io);
    assert.notEqual(code, 0);
    assert.ok(!io.stderr.includes('not-the-Passw0rd') && !io.stdout.includes('not-the-Passw0rd'));
    assert.match(io.stderr, /password/i);
  });
});
