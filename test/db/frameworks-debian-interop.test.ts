/**
 * Django, Alembic and Active Record themselves, from Debian (python3-django 3.2, python3-alembic 1.8,
 * ruby-activerecord 6.1 with ruby-pg; .ci/run installs them) against a real server: the tool applies the
 * first part of a migration set, pgshift's status agrees, pgshift's up refuses naming the tool's command,
 * the tool applies the rest (and takes one back), and pgshift agrees again, as does the tool's own status
 * (`showmigrations`, `alembic current`, Active Record's migrations_status).
 * Skipped without the packages on a developer's machine; a failure in CI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';
import { pgshiftStatus } from './cli-status';
import { createScratchDatabase, type ScratchDatabase } from './server';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');
const python = process.env.PGSHIFT_TEST_PYTHON ?? '/usr/bin/python3';

const ruby = process.env.PGSHIFT_TEST_RUBY ?? 'ruby';
const railsMigrate = join(__dirname, '..', '..', '..', 'test', 'db', 'tools', 'rails-migrate.rb');

function works(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skips the suite without the tool on a developer's machine; in CI, .ci/run installs it, so it fails. */
function requireTool(ctx: Mocha.Context, ok: boolean, what: string): void {
  if (ok) return;
  if (process.env.CI === 'true') throw new Error(`${what} is missing: .ci/run installs it`);
  ctx.skip();
}

describe('interop with the real Django, Alembic and Active Record (Debian packages)', function () {
  this.timeout(120_000);
  let db: ScratchDatabase;
  let dir: string;
  const hasPython = works(python, ['-c', 'import alembic, django, psycopg2']);
  const hasRuby = works(ruby, ['-e', 'require "active_record"; require "pg"']);
  beforeEach(async () => {
    db = await createScratchDatabase('pgshift_pyfw');
    dir = mkdtempSync(join(tmpdir(), 'pgshift-pyinterop-'));
  });
  afterEach(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Django: migrate to shop 0001, pgshift agrees; the rest, pgshift and showmigrations agree; one back', async function () {
    requireTool(this, hasPython, `${python} with python3-django and python3-psycopg2`);
    const root = join(dir, 'app');
    cpSync(join(fixtures, 'offline-django'), root, { recursive: true });
    const env = { ...process.env, DATABASE_URL: db.url };
    const django = (...args: string[]): string =>
      execFileSync(python, ['manage.py', ...args], {
        cwd: root,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    django('migrate', 'shop', '0001_initial');
    assert.deepEqual(await pgshiftStatus(root, db.url), {
      'shop.0001_initial': 'applied',
      'billing.0001_initial': 'pending',
      'shop.0002_order_status': 'pending',
      'shop.0003_backfill': 'pending',
    });
    const refused = fakeIo(root);
    assert.equal(await main(['up', '--db', db.url], refused), 2);
    assert.match(refused.stderr, /python manage\.py migrate/);
    django('migrate');
    const all = await pgshiftStatus(root, db.url);
    assert.deepEqual(Object.values(all), ['applied', 'applied', 'applied', 'applied']);
    // Django's own view: every migration [X], in the plan order pgshift lists
    const plan = django('showmigrations', '--plan')
      .trim()
      .split('\n')
      .map((l) => /^\[(.)\]\s+(\S+)\.(\S+)$/.exec(l.trim())!);
    assert.deepEqual(
      plan.map((m) => `${m[2]}.${m[3]}`),
      Object.keys(all),
    );
    assert.ok(plan.every((m) => m[1] === 'X'));
    // unapplied by Django: the row goes, pgshift says pending
    django('migrate', 'shop', '0002_order_status');
    assert.equal((await pgshiftStatus(root, db.url))['shop.0003_backfill'], 'pending');
    assert.match(django('showmigrations', 'shop'), /\[ \] 0003_backfill/);
    // and the SQL Django ran is the SQL pgshift linted: the table has what 0002 made
    const io = fakeIo(root);
    await main(['history', '--db', db.url], io);
    assert.match(io.stdout, /shop 0002_order_status/);
  });

  it('Alembic: upgrade to the first revision, pgshift agrees; to head, pgshift and alembic current agree; one back', async function () {
    requireTool(this, hasPython, `${python} with python3-alembic and python3-psycopg2`);
    const root = join(dir, 'app');
    cpSync(join(fixtures, 'offline-alembic'), root, { recursive: true });
    const ini = join(root, 'alembic.ini');
    const url = new URL(db.url);
    url.protocol = 'postgresql:';
    writeFileSync(
      ini,
      readFileSync(ini, 'utf8').replace(
        /^sqlalchemy\.url = .*$/m,
        `sqlalchemy.url = ${url.toString().replace(/%/g, '%%')}`,
      ),
    );
    const alembic = (...args: string[]): string =>
      execFileSync(python, ['-m', 'alembic', '-c', ini, ...args], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    alembic('upgrade', '1a2b3c4d5e6f');
    assert.deepEqual(await pgshiftStatus(root, db.url), {
      '1a2b3c4d5e6f': 'applied',
      '2b3c4d5e6f7a': 'pending',
      '3c4d5e6f7a8b': 'pending',
    });
    const refused = fakeIo(root);
    assert.equal(await main(['up', '--db', db.url], refused), 2);
    assert.match(refused.stderr, /alembic upgrade head/);
    // the fixture's last revision builds an index CONCURRENTLY inside Alembic's transaction, which
    // `pgshift lint --offline-sql` calls an error (concurrently-in-transaction at 24:5): the real run fails there,
    // after the autocommit block's COMMIT, so 2b3c… stays applied and 3c4d… is not
    const lintIo = fakeIo(root);
    writeFileSync(join(root, 'pgshift.config.json'), JSON.stringify({ offlineSql: { python } }));
    assert.equal(await main(['lint', '--offline-sql', '--no-cache'], lintIo), 1);
    assert.match(
      lintIo.stdout,
      /3c4d5e6f7a8b_concurrent_index\.py:24:5: error: CREATE INDEX CONCURRENTLY fails here/,
    );
    assert.throws(
      () => alembic('upgrade', 'head'),
      (e: Error & { stderr?: string }) =>
        /CREATE INDEX CONCURRENTLY cannot run inside a transaction block/.test(e.stderr ?? ''),
    );
    assert.deepEqual(Object.values(await pgshiftStatus(root, db.url)), ['applied', 'applied', 'pending']);
    // the fix the error's help names: the build in the autocommit block; then lint is clean of it and the run passes
    const rev = join(root, 'migrations', 'versions', '3c4d5e6f7a8b_concurrent_index.py');
    const text = readFileSync(rev, 'utf8');
    const line =
      '    op.create_index("ix_accounts_name", "accounts", ["name"], postgresql_concurrently=True)\n';
    assert.ok(text.includes(line));
    writeFileSync(rev, text.replace(line, `    with op.get_context().autocommit_block():\n    ${line}`));
    const again = fakeIo(root);
    await main(['lint', '--offline-sql', '--no-cache'], again);
    assert.doesNotMatch(again.stdout, /concurrently-in-transaction/);
    // the index the failed run built outside its transaction is still there (prefer-robust-stmts said a
    // re-run fails on it): dropped, as its user would, before the run again
    assert.throws(
      () => alembic('upgrade', 'head'),
      (e: Error & { stderr?: string }) =>
        /relation "ix_orders_account_id" already exists/.test(e.stderr ?? ''),
    );
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query('DROP INDEX ix_orders_account_id');
    await c.end();
    alembic('upgrade', 'head');
    assert.deepEqual(Object.values(await pgshiftStatus(root, db.url)), ['applied', 'applied', 'applied']);
    assert.match(alembic('current'), /^3c4d5e6f7a8b \(head\)$/m);
    alembic('downgrade', '-1');
    assert.deepEqual(await pgshiftStatus(root, db.url), {
      '1a2b3c4d5e6f': 'applied',
      '2b3c4d5e6f7a': 'applied',
      '3c4d5e6f7a8b': 'pending',
    });
    assert.match(alembic('current'), /^2b3c4d5e6f7a$/m);
  });

  it('Rails: Active Record migrates to the first version, pgshift agrees; the rest; one rolled back', async function () {
    requireTool(this, hasRuby, 'ruby with ruby-activerecord and ruby-pg');
    const root = join(dir, 'app');
    cpSync(join(fixtures, 'rails-interop'), root, { recursive: true });
    const env = { ...process.env, DATABASE_URL: db.url, RAILS_ENV: 'production' };
    const ar = (...args: string[]): string =>
      execFileSync(ruby, [railsMigrate, root, ...args], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    ar('migrate', '20260101000000');
    assert.deepEqual(await pgshiftStatus(root, db.url), {
      '20260101000000': 'applied',
      '20260102000000': 'pending',
      '20260103000000': 'pending',
    });
    const refused = fakeIo(root);
    assert.equal(await main(['up', '--db', db.url], refused), 2);
    assert.match(refused.stderr, /bin\/rails db:migrate/);
    ar('migrate');
    assert.deepEqual(Object.values(await pgshiftStatus(root, db.url)), ['applied', 'applied', 'applied']);
    assert.equal(
      ar('status'),
      'up 20260101000000 Create users\nup 20260102000000 Add email to users\nup 20260103000000 Backfill user names\nenvironment production\n',
    );
    // pgshift status names the environment Active Record recorded in ar_internal_metadata
    const io = fakeIo(root);
    assert.equal(await main(['status', '--db', db.url, '--format', 'json'], io), 0, io.stderr);
    assert.match(io.stdout, /"environment": "production"/);
    ar('rollback');
    assert.equal((await pgshiftStatus(root, db.url))['20260103000000'], 'pending');
    assert.match(ar('status'), /^down 20260103000000 Backfill user names$/m);
  });
});
