/**
 * `pgshift lint --offline-sql` with the real tools: Alembic 1.8 and Django 3.2 from Debian
 * (python3-alembic, python3-django, python3-psycopg2; .ci/run installs them), Django's sqlmigrate
 * against a real server. The tools' output today must be what record-offline-sql.sh recorded (the
 * unit tests lint those recordings), and the CLI's findings are the ones the unit tests expect.
 * Without the packages the suite is skipped on a developer's machine and fails in CI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';
import { createScratchDatabase, type ScratchDatabase } from './server';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');
const python = process.env.PGSHIFT_TEST_PYTHON ?? '/usr/bin/python3';

function hasTools(): boolean {
  try {
    execFileSync(python, ['-c', 'import alembic, django, psycopg2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface JsonFinding {
  file: string;
  rule: string;
  line: number;
  column: number;
  message: string;
}

describe('lint --offline-sql with the real Alembic and Django', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    if (hasTools()) return;
    if (process.env.CI === 'true')
      throw new Error(
        `${python} lacks alembic, django or psycopg2: .ci/run installs python3-alembic python3-django python3-psycopg2`,
      );
    this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-offline-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function project(name: string): string {
    const root = join(dir, name);
    cpSync(join(fixtures, name), root, { recursive: true });
    writeFileSync(join(root, 'pgshift.config.json'), JSON.stringify({ offlineSql: { python } }));
    return root;
  }

  async function lintJson(
    root: string,
    args: string[] = [],
  ): Promise<{ code: number; findings: JsonFinding[]; err: string }> {
    const io = fakeIo(root);
    const code = await main(['lint', '--offline-sql', '--no-cache', '--format', 'json', ...args], io);
    const findings = io.stdout ? (JSON.parse(io.stdout) as { findings: JsonFinding[] }).findings : [];
    return { code, findings, err: io.stderr };
  }

  it('Alembic prints what is recorded, and pgshift places its findings on the op calls', async () => {
    const root = project('offline-alembic');
    const out = execFileSync(python, ['-m', 'alembic', '-c', 'alembic.ini', 'upgrade', 'heads', '--sql'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.equal(out, readFileSync(join(root, 'recorded', 'upgrade-heads.sql'), 'utf8'));
    const { code, findings, err } = await lintJson(root);
    assert.equal(code, 1, err);
    const at = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`);
    assert.ok(
      at.includes('migrations/versions/3c4d5e6f7a8b_concurrent_index.py:24:5 concurrently-in-transaction'),
      at.join('\n'),
    );
    assert.ok(
      at.includes('migrations/versions/2b3c4d5e6f7a_order_status.py:22:24 backfill-in-transaction'),
      at.join('\n'),
    );
    assert.equal(findings.length, 9, at.join('\n'));
    // without the flag: the SQL strings in the files only (op.execute), no generated statement
    const io = fakeIo(root);
    await main(['lint', '--no-cache', '--format', 'json'], io);
    const inPlace = (JSON.parse(io.stdout) as { findings: JsonFinding[] }).findings;
    assert.ok(
      inPlace.every((f) => f.file.endsWith('2b3c4d5e6f7a_order_status.py') && f.line === 22),
      io.stdout,
    );
  });

  describe('Django (sqlmigrate reads django_migrations from a real server)', () => {
    let db: ScratchDatabase;
    let saved: string | undefined;
    before(async () => {
      db = await createScratchDatabase('pgshift_offline_django');
      saved = process.env.DATABASE_URL;
      process.env.DATABASE_URL = db.url; // the fixture's settings.py reads it
    });
    after(async () => {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await db?.drop();
    });

    it('prints what is recorded for each migration, and pgshift lints it in plan order', async () => {
      const root = project('offline-django');
      for (const m of [
        'shop.0001_initial',
        'shop.0002_order_status',
        'shop.0003_backfill',
        'billing.0001_initial',
      ]) {
        const [app, name] = m.split('.');
        const out = execFileSync(python, ['manage.py', 'sqlmigrate', app, name], {
          cwd: root,
          encoding: 'utf8',
        });
        assert.equal(out, readFileSync(join(root, 'recorded', `${m}.sql`), 'utf8'), m);
      }
      const { code, findings, err } = await lintJson(root);
      assert.equal(code, 1, err);
      const at = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`);
      assert.ok(at.includes('shop/migrations/0002_order_status.py:13:9 ban-drop-column'), at.join('\n'));
      assert.ok(
        at.includes('shop/migrations/0003_backfill.py:20:20 require-concurrent-index-creation'),
        at.join('\n'),
      );
      assert.equal(findings.length, 13, at.join('\n'));
      // one file named: only its migration is run through sqlmigrate and reported
      const one = await lintJson(root, ['shop/migrations/0002_order_status.py']);
      assert.deepEqual(
        [...new Set(one.findings.map((f) => f.file))],
        ['shop/migrations/0002_order_status.py'],
      );
    });

    it('a database Django cannot reach is an error that says so and what to do (exit 2)', async () => {
      const root = project('offline-django');
      process.env.DATABASE_URL = 'postgresql://nobody@127.0.0.1:1/none';
      try {
        const io = fakeIo(root);
        const code = await main(['lint', '--offline-sql', '--no-cache'], io);
        assert.equal(code, 2);
        assert.match(
          io.stderr,
          /manage\.py sqlmigrate \w+ 0001_initial` failed: .*(OperationalError|connection)/s,
        );
        assert.match(io.stderr, /hint: sqlmigrate reads django_migrations/);
      } finally {
        process.env.DATABASE_URL = db.url;
      }
    });
  });
});
