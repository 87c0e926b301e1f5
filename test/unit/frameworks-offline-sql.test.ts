/**
 * Linting the SQL Alembic and Django print offline, on what the real tools printed for the fixtures
 * (record-offline-sql.sh; test/db/frameworks-offline.test.ts holds the recordings to the tools' output
 * today): each finding on the operation of the migration file that emits the statement, or on the
 * exact characters of a RunSQL / op.execute literal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  alembicOperations,
  djangoOperations,
  djangoOwners,
  splitAlembicOutput,
} from '../../src/core/frameworks/offline-sql';
import { lintOfflineMigrations } from '../../src/core/frameworks/offline-run';
import { detectCodeFrameworks, listCodeMigrations } from '../../src/core/frameworks/index';
import type { CodeFileLintResult } from '../../src/core/frameworks/lint-code-files';
import { DEFAULT_CONFIG } from '../../src/core/config';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');
const alembicRoot = join(fixtures, 'offline-alembic');
const djangoRoot = join(fixtures, 'offline-django');

interface Call {
  file: string;
  args: string[];
  cwd: string;
}

/** The tool's recorded stdout for the command pgshift runs; every command is kept for the asserts. */
function recorded(calls: Call[]) {
  return async (file: string, args: string[], cwd: string): Promise<string> => {
    calls.push({ file, args, cwd });
    if (args.includes('alembic'))
      return readFileSync(join(alembicRoot, 'recorded', 'upgrade-heads.sql'), 'utf8');
    const i = args.indexOf('sqlmigrate');
    return readFileSync(join(djangoRoot, 'recorded', `${args[i + 1]}.${args[i + 2]}.sql`), 'utf8');
  };
}

/** `file:line:col rule` for each finding, 1-based as the CLI prints them. */
function where(results: CodeFileLintResult[]): string[] {
  return results.flatMap((r) =>
    r.findings.map((f) => {
      const p = r.source.positionAt(f.range.start);
      return `${basename(r.file)}:${p.line + 1}:${p.character + 1} ${f.rule}`;
    }),
  );
}

async function lintProject(root: string, only?: (file: string) => boolean) {
  const [d] = detectCodeFrameworks(root);
  const all = listCodeMigrations(d).migrations;
  const files = new Set(all.map((m) => m.file).filter((f) => !only || only(f)));
  const calls: Call[] = [];
  const results = await lintOfflineMigrations(
    d,
    all,
    files,
    { ...DEFAULT_CONFIG.offlineSql, python: 'py' },
    {},
    {
      exec: recorded(calls),
    },
  );
  return { d, results, calls };
}

describe('offline SQL of code-based tools (Alembic upgrade --sql, Django sqlmigrate)', () => {
  it("cuts Alembic's output at its Running upgrade lines, with the run's transaction open or not at each cut", () => {
    const parts = splitAlembicOutput(
      readFileSync(join(alembicRoot, 'recorded', 'upgrade-heads.sql'), 'utf8'),
    );
    assert.deepEqual([...parts.keys()], ['1a2b3c4d5e6f', '2b3c4d5e6f7a', '3c4d5e6f7a8b']);
    assert.match(parts.get('1a2b3c4d5e6f')!.sql, /^\s*CREATE TABLE accounts/);
    assert.equal(parts.get('1a2b3c4d5e6f')!.openAtStart, true);
    // the autocommit block: COMMIT, the concurrent build, BEGIN again; the run ends with COMMIT
    assert.match(
      parts.get('3c4d5e6f7a8b')!.sql,
      /^\s*COMMIT;\s*CREATE INDEX CONCURRENTLY ix_orders_account_id/,
    );
    assert.equal(parts.get('3c4d5e6f7a8b')!.openAtEnd, false);
  });

  it('finds the operations of upgrade() and of a Django operations list, in order, skipping op.f and comments', () => {
    const a = readFileSync(
      join(alembicRoot, 'migrations', 'versions', '2b3c4d5e6f7a_order_status.py'),
      'utf8',
    );
    assert.deepEqual(
      alembicOperations(a).map((o) => o.name),
      ['op.add_column', 'op.create_foreign_key', 'op.alter_column', 'op.execute', 'op.create_index'],
    );
    assert.deepEqual(
      alembicOperations(a, 'downgrade').map((o) => o.name),
      ['op.drop_index', 'op.alter_column', 'op.drop_constraint', 'op.drop_column'],
    );
    const b = readFileSync(
      join(alembicRoot, 'migrations', 'versions', '3c4d5e6f7a8b_concurrent_index.py'),
      'utf8',
    );
    assert.deepEqual(
      alembicOperations(b).map((o) => o.name),
      ['op.create_index', 'batch_op.add_column', 'batch_op.alter_column', 'op.create_index'],
    );
    const dj = readFileSync(join(djangoRoot, 'shop', 'migrations', '0003_backfill.py'), 'utf8');
    const ops = djangoOperations(dj);
    assert.deepEqual(
      ops.map((o) => o.name),
      ['migrations.RunSQL', 'migrations.RunPython', 'migrations.RunSQL'],
    );
    assert.match(
      dj.slice(ops[2].start, ops[2].end),
      /^migrations\.RunSQL\([\s\S]*DROP INDEX shop_order_status_idx;",\n {8}\)$/,
    );
    assert.deepEqual(djangoOperations('class M:\n    operations = [\n        # none yet\n    ]\n'), []);
  });

  it('Alembic: one run of upgrade heads --sql; findings on the op call that emits each statement', async () => {
    const { results, calls } = await lintProject(alembicRoot);
    assert.deepEqual(
      calls.map((c) => [c.file, ...c.args]),
      [['py', '-m', 'alembic', '-c', join(alembicRoot, 'alembic.ini'), 'upgrade', 'heads', '--sql']],
    );
    assert.deepEqual(where(results), [
      '2b3c4d5e6f7a_order_status.py:18:5 constraint-missing-not-valid',
      '2b3c4d5e6f7a_order_status.py:18:5 require-statement-timeout',
      '2b3c4d5e6f7a_order_status.py:18:5 statements-after-access-exclusive',
      '2b3c4d5e6f7a_order_status.py:21:5 changing-column-type',
      // op.execute's literal: the finding on its characters, not on the call
      '2b3c4d5e6f7a_order_status.py:22:24 backfill-in-transaction',
      '2b3c4d5e6f7a_order_status.py:23:5 require-concurrent-index-creation',
      '3c4d5e6f7a8b_concurrent_index.py:18:9 prefer-robust-stmts',
      '3c4d5e6f7a8b_concurrent_index.py:23:9 ban-drop-not-null',
      // postgresql_concurrently=True outside the autocommit block: Alembic prints it inside BEGIN
      '3c4d5e6f7a8b_concurrent_index.py:24:5 concurrently-in-transaction',
    ]);
    const f = results.flatMap((r) => r.findings);
    const byRule = (rule: string) => f.find((x) => x.rule === rule)!;
    // a line of the tool's output is said as the line of the migration file
    assert.match(byRule('statements-after-access-exclusive').message, /taken by ALTER TABLE at line 17\)/);
    assert.match(byRule('backfill-in-transaction').message, /ALTER TABLE orders \(line 17\)/);
    assert.match(
      byRule('changing-column-type').message,
      /— in the SQL Alembic emits here: ALTER TABLE orders ALTER COLUMN total TYPE BIGINT$/,
    );
    // the table was made in the run: nothing to lock yet, so its index is not flagged
    assert.ok(
      !where(results).some(
        (w) => w.startsWith('1a2b3c4d5e6f_create_accounts.py:') && w.endsWith('index-creation'),
      ),
    );
    assert.ok(f.every((x) => !x.fix && !x.suggestions));
  });

  it('Alembic: only the files asked for are reported, still linted after the earlier revisions', async () => {
    const { results } = await lintProject(alembicRoot, (f) => f.includes('3c4d5e6f7a8b'));
    assert.deepEqual(
      results.map((r) => basename(r.file)),
      ['3c4d5e6f7a8b_concurrent_index.py'],
    );
    // accounts.email is known NOT NULL only from revision 1a2b…: the schema came through
    assert.ok(where(results).includes('3c4d5e6f7a8b_concurrent_index.py:23:9 ban-drop-not-null'));
  });

  it("Django: sqlmigrate per migration in Django's order, from manage.py's folder; each header's statements on its operation", async () => {
    const { results, calls } = await lintProject(djangoRoot);
    assert.deepEqual(
      calls.map((c) => [c.cwd, ...c.args.slice(1)].join(' ')),
      ['shop 0001_initial', 'billing 0001_initial', 'shop 0002_order_status', 'shop 0003_backfill'].map(
        (m) => `${djangoRoot} sqlmigrate ${m}`,
      ),
    );
    assert.equal(calls[0].args[0], join(djangoRoot, 'manage.py'));
    assert.deepEqual(
      where(results).sort(),
      [
        '0001_initial.py:15:9 prefer-identity',
        '0001_initial.py:16:9 prefer-identity',
        '0001_initial.py:22:9 prefer-identity',
        '0002_order_status.py:13:9 ban-cascade',
        '0002_order_status.py:13:9 ban-drop-column',
        '0002_order_status.py:17:9 prefer-text-field',
        '0002_order_status.py:22:9 changing-column-type',
        '0002_order_status.py:22:9 require-concurrent-index-creation',
        '0002_order_status.py:22:9 require-statement-timeout',
        '0002_order_status.py:22:9 statements-after-access-exclusive',
        // RunSQL literals: the exact characters, a triple-quoted one too
        '0003_backfill.py:13:21 unbatched-backfill',
        '0003_backfill.py:20:20 require-concurrent-index-creation',
        '0003_backfill.py:20:20 require-statement-timeout',
      ].sort(),
    );
    const shop1 = results.find((r) => r.file.endsWith(join('shop', 'migrations', '0001_initial.py')))!;
    // the index Django defers to the end of the migration goes to Customer's CreateModel, not Order's
    const code = shop1.source.text;
    const ops = djangoOperations(code);
    assert.match(code.slice(ops[0].start, ops[0].end), /name='Customer'/);
  });

  it("Django: a statement Django defers to the migration's end is placed on its own table's operation", () => {
    const out = readFileSync(join(djangoRoot, 'recorded', 'shop.0001_initial.sql'), 'utf8');
    const code = readFileSync(join(djangoRoot, 'shop', 'migrations', '0001_initial.py'), 'utf8');
    const stmts = [...out.matchAll(/^(?!--)(?!BEGIN|COMMIT).+$/gm)].map((m) => ({
      start: m.index!,
      text: m[0],
    }));
    const owners = djangoOwners(code, 'shop', djangoOperations(code), out, stmts, false);
    const ownerOf = (re: RegExp): number => owners[stmts.findIndex((s) => re.test(s.text))];
    assert.equal(stmts.length, 5);
    assert.equal(ownerOf(/^CREATE TABLE "shop_customer"/), 0);
    assert.equal(ownerOf(/^CREATE TABLE "shop_order"/), 1);
    // printed under "Create model Order" (Django defers it), but it is Customer's unique email's index
    assert.equal(ownerOf(/shop_customer_email_d3fdf104_like/), 0);
    assert.equal(ownerOf(/FOREIGN KEY \("customer_id"\)/), 1);
    // sqlmigrate --backwards prints the operations last first
    const back = readFileSync(join(djangoRoot, 'recorded', 'shop.0002_order_status.sql'), 'utf8');
    const code2 = readFileSync(join(djangoRoot, 'shop', 'migrations', '0002_order_status.py'), 'utf8');
    const reversed = back
      .split(/(?=^--\n-- )/m)
      .filter((b) => b.startsWith('--\n'))
      .reverse()
      .join('');
    const s2 = [...reversed.matchAll(/^(?!--)(?!BEGIN|COMMIT).+$/gm)].map((m) => ({
      start: m.index!,
      text: m[0],
    }));
    const o2 = djangoOwners(code2, 'shop', djangoOperations(code2), reversed, s2, true);
    assert.deepEqual(
      s2.map((s, i) => `${o2[i]} ${s.text.slice(0, 44)}`),
      [
        '2 ALTER TABLE "shop_order" ALTER COLUMN "total" TY',
        '2 CREATE INDEX "shop_order_total_5d6d00f1" ON "sho',
        '1 ALTER TABLE "shop_order" ADD COLUMN "status" var',
        '1 ALTER TABLE "shop_order" ALTER COLUMN "status" D',
        '0 ALTER TABLE "shop_order" DROP COLUMN "note" CASC',
      ].map((x) => x.slice(0, 46)),
    );
  });

  it('Django: a failing sqlmigrate is an error naming the command, what it printed and what to do', async () => {
    const [d] = detectCodeFrameworks(djangoRoot);
    const all = listCodeMigrations(d).migrations;
    await assert.rejects(
      lintOfflineMigrations(
        d,
        all,
        new Set([all[0].file]),
        DEFAULT_CONFIG.offlineSql,
        {},
        {
          exec: async () => {
            throw Object.assign(new Error('exit 1'), {
              stderr:
                'Traceback...\ndjango.db.utils.OperationalError: connection to server at "127.0.0.1", port 1 failed: Connection refused\n',
            });
          },
        },
      ),
      (e: Error & { hint?: string }) =>
        /`python3 .*manage\.py sqlmigrate shop 0001_initial` failed: .*OperationalError: connection to server/s.test(
          e.message,
        ) && /start it/.test(e.hint ?? ''),
    );
  });
});
