import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintFiles } from '../../src/core/lint/lint-files';
import { balance, lintFilesParallel, PARALLEL_MIN_BYTES } from '../../src/core/lint/lint-parallel';

const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');
const worker = join(__dirname, 'helpers', 'lint-worker-entry.js');
const broken = join(__dirname, 'helpers', 'broken-worker-entry.js');

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sqlFiles(p));
    else if (e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

// four projects of the real corpus, about 450 kB: enough for two threads
const files = ['crates-io', 'documenso', 'harbor', 'supabase-storage'].flatMap((p) =>
  sqlFiles(join(corpus, p)),
);
const plain = (rs: { file: string; findings: unknown[] }[]) =>
  rs.map((r) => ({ file: r.file, findings: r.findings }));

describe('lint on several threads', () => {
  let expected: ReturnType<typeof plain>;
  before(async function () {
    this.timeout(60_000);
    assert.ok(
      files.reduce((n, f) => n + statSync(f).size, 0) >= 2 * PARALLEL_MIN_BYTES,
      'the input is big enough for two threads',
    );
    expected = plain(await lintFiles(files, {}));
    assert.ok(
      expected.some((r) => r.findings.length),
      'the corpus has findings to compare',
    );
  });

  it('gives the same findings, file by file and in input order, as one thread', async function () {
    this.timeout(60_000);
    let progress = 0;
    const got = await lintFilesParallel(
      files,
      {},
      { workerScript: worker, threads: 2, onProgress: (d) => (progress = d) },
    );
    assert.deepEqual(plain(got), expected);
    assert.equal(progress, files.length);
    // the sources come back too, for code frames and line numbers
    assert.ok(got.every((r) => r.source.text.length > 0 || statSync(r.file).size === 0));
  });

  it('passes the options to the workers (a rule turned off stays off)', async function () {
    this.timeout(60_000);
    const off = { rules: { 'require-concurrent-index-creation': 'off' as const } };
    const got = await lintFilesParallel(files, off, { workerScript: worker, threads: 2 });
    assert.deepEqual(plain(got), plain(await lintFiles(files, off)));
    assert.ok(!got.some((r) => r.findings.some((f) => f.rule === 'require-concurrent-index-creation')));
  });

  it('lints a failed worker’s directories on this thread: nothing is lost', async function () {
    this.timeout(60_000);
    const stats = { threads: 0, workerFailures: 0 };
    const got = await lintFilesParallel(files, {}, { workerScript: broken, threads: 2, stats });
    assert.deepEqual(plain(got), expected);
    assert.deepEqual(stats, { threads: 2, workerFailures: 1 });
  });

  it('the CLI prints the same report on several threads as on one (PGSHIFT_THREADS=1)', function () {
    this.timeout(60_000);
    const bin = join(__dirname, '..', '..', 'src', 'cli', 'bin.js');
    const run = (env: Record<string, string>) =>
      // --no-cache: both runs lint every file (the second would otherwise read the first's cache)
      spawnSync(process.execPath, [bin, 'lint', '--format', 'json', '--no-cache', ...files], {
        cwd: corpus,
        env: { ...process.env, ...env },
        maxBuffer: 1 << 28,
      });
    const one = run({ PGSHIFT_THREADS: '1', PGSHIFT_DEBUG: '1' });
    const many = run({ PGSHIFT_THREADS: '2', PGSHIFT_DEBUG: '1' });
    assert.match(one.stderr.toString(), / on 1 thread\(s\)/);
    assert.match(many.stderr.toString(), / on 2 thread\(s\), 0 worker\(s\) failed/);
    assert.equal(one.status, 1, one.stderr.toString());
    assert.equal(many.status, 1, many.stderr.toString());
    assert.ok(JSON.parse(one.stdout.toString()).findings.length > 100);
    assert.equal(many.stdout.toString(), one.stdout.toString());
  });

  it('balances directories by size, largest first into the lightest bin', () => {
    const groups = [['a'], ['b'], ['c'], ['d']];
    assert.deepEqual(balance(groups, [10, 60, 30, 25], 2), [[['b']], [['c'], ['d'], ['a']]]);
    assert.deepEqual(balance(groups, [1, 1, 1, 1], 1), [groups]);
    // never an empty bin
    assert.deepEqual(balance([['a']], [5], 3), [[['a']]]);
  });
});
