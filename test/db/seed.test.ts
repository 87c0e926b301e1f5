/*
 * Seed data per environment, as users run it: the built CLI against a real server (and the core on
 * PGlite). The right files run once per environment, a changed file runs again, production runs only
 * seeds/production/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { openDriver } from '../../src/core/db/open';
import { discoverSeeds, runSeeds, seedStatus } from '../../src/core/runner';
import { createScratchDatabase, pgliteScratchDir, type ScratchDatabase } from './server';
import { makeProject, runCli, type Project } from './runner-fixtures';

const ENVIRONMENTS = {
  dev: { urlEnv: 'PGS_SEED_URL' },
  staging: { urlEnv: 'PGS_SEED_URL' },
  prod: { urlEnv: 'PGS_SEED_URL', production: true },
};

function seedProject(seeds: Record<string, string>, config: Record<string, unknown> = {}): Project {
  const p = makeProject(
    {
      '1_tables.up.sql':
        'CREATE TABLE roles (name text PRIMARY KEY);\nCREATE TABLE users (email text PRIMARY KEY, role text REFERENCES roles);',
    },
    { environments: ENVIRONMENTS, ...config },
  );
  for (const [file, sql] of Object.entries(seeds)) writeSeed(p, file, sql);
  return p;
}

function writeSeed(p: Project, file: string, sql: string): void {
  const f = path.join(p.root, 'seeds', file);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, sql);
}

const SEEDS = {
  'common/01_roles.sql': "INSERT INTO roles VALUES ('admin'), ('member') ON CONFLICT DO NOTHING;",
  'dev/01_users.sql': "INSERT INTO users VALUES ('dev@example.com', 'admin') ON CONFLICT DO NOTHING;",
  'staging/01_users.sql': "INSERT INTO users VALUES ('qa@example.com', 'member') ON CONFLICT DO NOTHING;",
  'production/01_roles.sql': "INSERT INTO roles VALUES ('auditor') ON CONFLICT DO NOTHING;",
  'prod/01_demo.sql': "INSERT INTO users VALUES ('demo@example.com', 'member');",
};

describe('seeds per environment (CLI on a real server)', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let admin: Client;
  let env: Record<string, string>;

  beforeEach(async () => {
    db = await createScratchDatabase('seeds');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    env = { PGS_SEED_URL: db.url };
  });
  afterEach(async () => {
    await admin?.end().catch(() => undefined);
    await db?.drop();
  });

  const rows = async (sql: string): Promise<string[]> =>
    (await admin.query<{ v: string }>(sql)).rows.map((r) => r.v);
  const seedRuns = async (): Promise<string[]> =>
    rows(`SELECT environment || ':' || file || ':' || success AS v FROM pgshift.seed_history ORDER BY id`);

  it("runs common/ and the environment's own folder once, in order, after up; tracked per environment", async () => {
    const p = seedProject(SEEDS);
    const up = await runCli(['up', '--env', 'dev'], p.root, env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /seeded\s+common\/01_roles\.sql/);
    assert.match(up.stdout, /seeded\s+dev\/01_users\.sql/);
    assert.match(up.stdout, /seeds of "dev": 2 ran, 3 for other environments/);
    assert.deepEqual(await rows('SELECT email AS v FROM users ORDER BY 1'), ['dev@example.com']);
    assert.deepEqual(await seedRuns(), ['dev:common/01_roles.sql:true', 'dev:dev/01_users.sql:true']);

    const again = await runCli(['seed', '--env', 'dev'], p.root, env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /seeds of "dev": up to date, 2 unchanged/);
    assert.equal((await seedRuns()).length, 2, 'nothing ran twice');

    // the same database under another environment's name gets that environment's seeds
    const staging = await runCli(['seed', '--env', 'staging'], p.root, env);
    assert.equal(staging.code, 0, staging.stderr);
    assert.deepEqual(await rows('SELECT email AS v FROM users ORDER BY 1'), [
      'dev@example.com',
      'qa@example.com',
    ]);
    assert.deepEqual((await seedRuns()).slice(2), [
      'staging:common/01_roles.sql:true',
      'staging:staging/01_users.sql:true',
    ]);
  });

  it('runs a changed file again, and only that one', async () => {
    const p = seedProject(SEEDS);
    assert.equal((await runCli(['up', '--env', 'dev'], p.root, env)).code, 0);
    writeSeed(
      p,
      'common/01_roles.sql',
      "INSERT INTO roles VALUES ('admin'), ('member'), ('owner') ON CONFLICT DO NOTHING;",
    );
    const dry = await runCli(['seed', '--env', 'dev', '--dry-run'], p.root, env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would seed\s+common\/01_roles\.sql\s+\(changed\)/);
    assert.doesNotMatch(dry.stdout, /dev\/01_users/);
    assert.deepEqual(
      await rows(`SELECT name AS v FROM roles WHERE name = 'owner'`),
      [],
      'the dry run changed nothing',
    );
    const r = await runCli(['seed', '--env', 'dev'], p.root, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /seeds of "dev": 1 ran, 1 unchanged/);
    assert.deepEqual(await rows(`SELECT name AS v FROM roles WHERE name = 'owner'`), ['owner']);
    assert.deepEqual((await seedRuns()).slice(2), ['dev:common/01_roles.sql:true']);
  });

  it('production runs only seeds/production/, with --yes; common/ and its own folder are not run and say why', async () => {
    const p = seedProject(SEEDS);
    const refused = await runCli(['up', '--env', 'prod'], p.root, env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /marked production: `up` needs --yes/);
    const r = await runCli(['up', '--env', 'prod', '--yes'], p.root, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /seeded\s+production\/01_roles\.sql/);
    assert.match(r.stdout, /not on production: common\/01_roles\.sql, prod\/01_demo\.sql/);
    assert.deepEqual(await rows('SELECT name AS v FROM roles ORDER BY 1'), ['auditor']);
    assert.deepEqual(await rows('SELECT email AS v FROM users'), [], 'no demo user reached production');
    // --seed-env cannot lift the protection: the flag is the target environment's own
    const sneaky = await runCli(['seed', '--env', 'prod', '--yes', '--seed-env', 'dev'], p.root, env);
    assert.equal(sneaky.code, 0, sneaky.stderr);
    assert.deepEqual(await rows('SELECT email AS v FROM users'), []);
  });

  it('a failing seed stops the run, is recorded as failed and runs again once fixed', async () => {
    const p = seedProject({
      ...SEEDS,
      'dev/02_broken.sql': "INSERT INTO users VALUES ('x@example.com', 'nosuchrole');",
    });
    const r = await runCli(['up', '--env', 'dev'], p.root, env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dev\/02_broken\.sql failed on environment "dev": .*foreign key/);
    assert.match(r.stderr, /next: fix dev\/02_broken\.sql/);
    assert.deepEqual(await rows(`SELECT email AS v FROM users WHERE email = 'x@example.com'`), []);
    assert.equal((await seedRuns()).at(-1), 'dev:dev/02_broken.sql:false');
    writeSeed(p, 'dev/02_broken.sql', "INSERT INTO users VALUES ('x@example.com', 'member');");
    const fixed = await runCli(['seed', '--env', 'dev'], p.root, env);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /seeds of "dev": 1 ran, 2 unchanged/);
  });

  it('pgshift lint with no paths lints the seed files too', async () => {
    const p = seedProject({ ...SEEDS, 'dev/02_wipe.sql': 'DELETE FROM users;' });
    const r = await runCli(['lint', '--no-cache', '--format', 'json'], p.root, env);
    const files = (JSON.parse(r.stdout) as { findings: { file: string; rule: string }[] }).findings.map(
      (f) => `${f.file}:${f.rule}`,
    );
    assert.ok(
      files.some((f) => /seeds\/dev\/02_wipe\.sql:delete-without-where$/.test(f)),
      `the seed's DELETE without WHERE is flagged: ${files.join(', ')}`,
    );
  });

  it('up --no-seed and seeds.afterUp false skip them; a bare URL names no environment', async () => {
    const p = seedProject(SEEDS);
    const bare = await runCli(['up', '--db', db.url], p.root, env);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stderr, /seeds not run: the target \(--db\) names no environment/);
    assert.equal((await runCli(['up', '--env', 'dev', '--no-seed'], p.root, env)).code, 0);
    assert.deepEqual(await rows(`SELECT to_regclass('pgshift.seed_history')::text AS v`), [null as never]);
    const named = await runCli(
      ['seed', '--db', db.url, '--seed-env', 'staging', '--format', 'json'],
      p.root,
      env,
    );
    assert.equal(named.code, 0, named.stderr);
    const out = JSON.parse(named.stdout) as { ok: boolean; environment: string; ran: { rel: string }[] };
    assert.equal(out.environment, 'staging');
    assert.deepEqual(
      out.ran.map((x) => x.rel),
      ['common/01_roles.sql', 'staging/01_users.sql'],
    );
    const off = seedProject(SEEDS, { seeds: { afterUp: false } });
    const db2 = await createScratchDatabase('seeds_off');
    try {
      const r = await runCli(['up', '--env', 'dev'], off.root, { PGS_SEED_URL: db2.url });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /seeded/);
    } finally {
      await db2.drop();
    }
  });
});

describe('seeds (core, embedded PGlite)', () => {
  it('runs once, again when changed, and reports the state per file', async function () {
    this.timeout(60_000);
    const driver = await openDriver({ kind: 'embedded', dataDir: pgliteScratchDir() });
    try {
      const p = seedProject(SEEDS);
      await driver.exec(
        'CREATE TABLE roles (name text PRIMARY KEY); CREATE TABLE users (email text PRIMARY KEY, role text)',
      );
      const dir = path.join(p.root, 'seeds');
      const first = await runSeeds({ driver, seeds: discoverSeeds(dir, 'development', false) });
      assert.deepEqual(
        first.ran.map((x) => [x.rel, x.reason, x.ok]),
        [['common/01_roles.sql', 'pending', true]],
      );
      writeSeed(p, 'development/01_me.sql', "INSERT INTO users VALUES ('me@example.com', 'admin');");
      writeSeed(
        p,
        'common/01_roles.sql',
        "INSERT INTO roles VALUES ('admin'), ('x') ON CONFLICT DO NOTHING;",
      );
      const set = discoverSeeds(dir, 'development', false);
      assert.deepEqual(
        (await seedStatus(driver, set, 'pgshift')).map((s) => [s.rel, s.state]),
        [
          ['common/01_roles.sql', 'changed'],
          ['development/01_me.sql', 'pending'],
        ],
      );
      const second = await runSeeds({ driver, seeds: set });
      assert.deepEqual(
        second.ran.map((x) => x.rel),
        ['common/01_roles.sql', 'development/01_me.sql'],
      );
      assert.deepEqual(
        (await seedStatus(driver, set, 'pgshift')).map((s) => s.state),
        ['applied', 'applied'],
      );
      assert.equal((await driver.query('SELECT count(*)::int AS n FROM roles')).rows[0].n, 3);
    } finally {
      await driver.close();
    }
  });
});
