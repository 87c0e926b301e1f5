// The lint cache must never change what `pgshift lint` reports: the same findings (fixes, suggestions
// and ranges included) as an uncached run, whatever the cache holds. And it must lint again exactly the
// files whose findings may have changed: an edited migration and the later ones of its directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { main } from '../../src/cli/main';
import {
  formatJson,
  formatSarif,
  formatText,
  reportFile,
  type FileFindings,
  type ReportFile,
} from '../../src/core/lint/format';
import { codeFingerprint, lintCacheKey } from '../../src/core/lint/lint-cache';
import { lintFilesCached, type LintCacheStats } from '../../src/core/lint/lint-cached';
import { lintFiles, migrationGroup, planGroup } from '../../src/core/lint/lint-files';
import type { LintOptions } from '../../src/core/lint/types';

import { fakeIo } from './helpers/fake-io';

const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');
const worker = join(__dirname, 'helpers', 'lint-worker-entry.js');

function sqlFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.sql(\.postgres)?$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

/**
 * Everything a report is made of: the three formats and the findings themselves with their positions
 * and code-frame lines, fixes included (of a linted file, or of the cache, which has no file text).
 */
function report(files: (FileFindings | ReportFile)[]): string {
  const results = files.map((r) => ('source' in r ? reportFile(r) : r));
  return [
    formatJson(results, corpus),
    formatSarif(results, corpus, 'test'),
    formatText(results, corpus, false),
    JSON.stringify(results.map((r) => [r.file, r.counts, r.located()])),
  ].join('\n');
}

const newStats = (): LintCacheStats => ({ hits: -1, misses: -1, linted: [] });

async function cached(files: string[], cacheDir: string, options: LintOptions = {}, stampMargin?: number) {
  const stats = newStats();
  const results = await lintFilesCached(files, options, { cacheDir, stats, stampMargin });
  return { out: report(results), stats };
}

/** The cache's own files (not its .gitignore). */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.v8'))
    .map((f) => join(dir, f));
}

describe('the lint cache', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'pgshift-lint-cache-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives the findings of an uncached run on the whole corpus, pg-regress included, cold and warm', async function () {
    this.timeout(180_000);
    const files = sqlFiles(corpus);
    assert.ok(files.length > 2800, `${files.length} files`);
    const linted = await lintFiles(files, {});
    // the JSON report is put together from per-file parts: byte for byte what stringifying it whole gives
    assert.equal(formatJson(linted.map(reportFile), corpus), stringified(linted));
    // and the plain text report from per-file parts is the coloured one, rendered from the findings, uncoloured
    // eslint-disable-next-line no-control-regex -- the escape codes are what is stripped
    const ansi = /\x1b\[[0-9;]*m/g;
    assert.equal(
      formatText(linted.map(reportFile), corpus, false),
      formatText(linted.map(reportFile), corpus, true).replace(ansi, ''),
    );
    const uncached = report(linted);
    const cold = await cached(files, tmp);
    assert.deepEqual([cold.stats.hits, cold.stats.misses], [0, files.length]);
    assert.equal(cold.out, uncached);
    const warm = await cached(files, tmp);
    assert.deepEqual([warm.stats.hits, warm.stats.misses], [files.length, 0]);
    assert.equal(warm.out, uncached);
    // one file per migration group: a directory, or the parent of diesel's and Prisma's folders
    assert.equal(
      cacheFiles(tmp).length,
      new Set(files.map(migrationGroup)).size,
      'one file per migration group',
    );
  });

  describe('on a copy of lemmy (684 files in one directory) and harbor', () => {
    // linted cold once; each test starts from a copy of that tree and cache, at the same paths (the
    // cache's files are named by the directories' paths)
    let root: string;
    let tree: string;
    let lemmy: string;
    let cacheDir: string;
    const files = (): string[] => sqlFiles(tree);
    before(async function () {
      this.timeout(60_000);
      root = mkdtempSync(join(tmpdir(), 'pgshift-lint-cache-'));
      tree = join(root, 'tree');
      lemmy = join(tree, 'lemmy');
      cacheDir = join(root, 'cache');
      cpSync(join(corpus, 'lemmy', 'migrations'), lemmy, { recursive: true });
      cpSync(join(corpus, 'harbor'), join(tree, 'harbor'), { recursive: true });
      const cold = await cached(files(), cacheDir);
      assert.equal(cold.stats.misses, files().length);
      cpSync(tree, join(root, 'tree-linted'), { recursive: true });
      cpSync(cacheDir, join(root, 'cache-linted'), { recursive: true });
    });
    beforeEach(() => {
      for (const [dir, copy] of [
        [tree, 'tree-linted'],
        [cacheDir, 'cache-linted'],
      ]) {
        rmSync(dir, { recursive: true, force: true });
        cpSync(join(root, copy), dir, { recursive: true });
      }
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('after an edit in the middle of a directory, lints that file and the later ones of it, nothing else', async function () {
      this.timeout(60_000);
      const folders = readdirSync(lemmy).sort(new Intl.Collator('en', { numeric: true }).compare);
      const edited = folders[Math.floor(folders.length / 2)];
      writeFileSync(
        join(lemmy, edited, 'up.sql'),
        readFileSync(join(lemmy, edited, 'up.sql'), 'utf8') + '\nCREATE TABLE cache_probe (id int);\n',
      );
      const later = new Set(folders.slice(folders.indexOf(edited)));
      const expected = files().filter((f) => f.startsWith(lemmy) && later.has(basename(dirname(f))));
      assert.ok(expected.length > 300 && expected.length < 400, `${expected.length} files to lint again`);

      const run = await cached(files(), cacheDir);
      assert.deepEqual(run.stats.linted, expected);
      assert.equal(run.stats.hits, files().length - expected.length);
      assert.equal(run.out, report(await lintFiles(files(), {})));
      assert.equal((await cached(files(), cacheDir)).stats.misses, 0);
    });

    it('lints a migration appended to the directory alone, against the model stored after the last one', async function () {
      this.timeout(60_000);
      const probe = join(lemmy, '2099-01-01-000000_cache_probe');
      mkdirSync(probe);
      // person.name is varchar: only a linter that knows it (from 300 earlier migrations) sees that text is free
      writeFileSync(join(probe, 'up.sql'), 'ALTER TABLE person ALTER COLUMN name TYPE text;\n');
      writeFileSync(join(probe, 'down.sql'), 'ALTER TABLE person ALTER COLUMN name TYPE varchar(255);\n');

      const run = await cached(files(), cacheDir);
      assert.deepEqual(run.stats.linted, [join(probe, 'down.sql'), join(probe, 'up.sql')]);
      const uncached = await lintFiles(files(), {});
      assert.equal(run.out, report(uncached));
      const probeFindings = uncached.find((r) => r.file === join(probe, 'up.sql'))!.findings;
      assert.ok(!probeFindings.some((f) => f.rule === 'changing-column-type'), 'the context was used');
      const alone = await lintFiles([join(probe, 'up.sql')], {});
      assert.ok(
        alone[0].findings.some((f) => f.rule === 'changing-column-type'),
        'alone it is flagged',
      );
    });

    it('writes an appended migration to the directory’s tail, leaving its main file; past 64 or after an edit, the main file again', async function () {
      this.timeout(90_000);
      const lemmyFiles = () =>
        cacheFiles(cacheDir).filter((f) => deserialize(readFileSync(f)).group === lemmy);
      // every stamp stored first (margin 0), so that no run rewrites the main file for stamps that
      // became old enough to store while the test ran
      const cached = async (list: string[], dir: string) => {
        const stats = newStats();
        const results = await lintFilesCached(list, {}, { cacheDir: dir, stats, stampMargin: 0 });
        return { out: report(results), stats };
      };
      await cached(files(), cacheDir);
      const [main] = lemmyFiles().filter((f) => !f.endsWith('.tail.v8'));
      const tail = main.replace(/\.v8$/, '.tail.v8');
      const before = readFileSync(main);
      const append = (i: number) => {
        const dir = join(lemmy, `2099-02-01-${String(i).padStart(6, '0')}_tail_probe`);
        mkdirSync(dir);
        writeFileSync(
          join(dir, 'up.sql'),
          `ALTER TABLE person ALTER COLUMN name TYPE text;\nCREATE INDEX tail_${i} ON person (name);\n`,
        );
        writeFileSync(join(dir, 'down.sql'), `DROP INDEX tail_${i};\n`);
        return [join(dir, 'down.sql'), join(dir, 'up.sql')];
      };
      for (const i of [1, 2]) {
        const added = append(i);
        const run = await cached(files(), cacheDir);
        assert.deepEqual(run.stats.linted, added, `append ${i}: linted alone`);
        assert.equal(run.out, report(await lintFiles(files(), {})), `append ${i}`);
        assert.ok(readFileSync(main).equals(before), `append ${i}: the main file is as it was`);
        assert.equal(deserialize(readFileSync(tail)).ups.length, i, `append ${i}: in the tail`);
      }
      assert.equal((await cached(files(), cacheDir)).stats.misses, 0, 'the tail is read back');
      // a tail written for another main file is not used: its migrations are linted again
      const stale = readFileSync(tail);
      writeFileSync(tail, serialize({ ...deserialize(stale), gen: 'another' }));
      const again = await cached(files(), cacheDir);
      assert.equal(again.stats.misses, 4);
      assert.equal(again.out, report(await lintFiles(files(), {})));
      // 65 at once: more than a tail holds, so the main file is written with all of them
      const many = Array.from({ length: 65 }, (_, i) => append(100 + i)).flat();
      const big = await cached(files(), cacheDir);
      assert.deepEqual(big.stats.linted, many.sort());
      assert.ok(!readFileSync(main).equals(before), 'the main file is written again');
      assert.ok(!existsSync(tail), 'and its tail removed');
      assert.equal(
        deserialize(readFileSync(main)).ups.length,
        planGroup(files().filter((f) => f.startsWith(lemmy))).ups.length,
      );
      // an edit in the main file's part: it is written again, with a new tail-less state
      append(200);
      await cached(files(), cacheDir);
      assert.ok(existsSync(tail));
      const folders = readdirSync(lemmy).sort(new Intl.Collator('en', { numeric: true }).compare);
      writeFileSync(join(lemmy, folders[10], 'up.sql'), '\n-- edited\n', { flag: 'a' });
      const edited = await cached(files(), cacheDir);
      assert.equal(edited.out, report(await lintFiles(files(), {})));
      assert.ok(!existsSync(tail), 'an edit before the tail: one main file again');
      assert.equal((await cached(files(), cacheDir)).stats.misses, 0);
    });

    it('reads no file whose stat stamp is the stored one, and a file edited behind an unchanged size and mtime', async function () {
      this.timeout(60_000);
      const run = async (stampMargin?: number) => {
        const stats = newStats();
        const results = await lintFilesCached(files(), {}, { cacheDir, stats, stampMargin });
        return { out: report(results), stats };
      };
      // the copy was written just now: with the default margin no stamp is trusted, every file is read
      const fresh = await run();
      assert.deepEqual([fresh.stats.read, fresh.stats.misses], [files().length, 0]);
      assert.equal((await run()).stats.read, files().length, 'recent files: no stamp stored');
      // as if they were older than the margin: their stamps are stored, and the next run reads none
      const folders = readdirSync(lemmy).sort(new Intl.Collator('en', { numeric: true }).compare);
      const edited = join(lemmy, folders[100], 'up.sql');
      const then = new Date('2020-01-01T00:00:00Z'); // a whole second: utimes keeps it exactly
      utimesSync(edited, then, then);
      assert.equal((await run(0)).stats.read, files().length);
      const warm = await run(0);
      assert.deepEqual([warm.stats.read, warm.stats.hits], [0, files().length]);
      assert.equal(warm.out, report(await lintFiles(files(), {})));
      // same size, mtime set back: the ctime and the bytes tell
      const before = statSync(edited, { bigint: true });
      const text = readFileSync(edited, 'utf8');
      writeFileSync(
        edited,
        text.replace(/[a-z]/, (c) => (c === 'x' ? 'y' : 'x')),
      );
      utimesSync(edited, then, then);
      const now = statSync(edited, { bigint: true });
      assert.deepEqual([now.size, now.mtimeNs], [before.size, before.mtimeNs]);
      const after = await run(0);
      assert.equal(after.stats.read, 1);
      assert.ok(after.stats.linted.includes(edited), 'the edited file is linted again');
      assert.equal(after.out, report(await lintFiles(files(), {})));
    });

    it('a changed rule setting or target version misses, and gives that setting’s findings', async function () {
      this.timeout(60_000);
      const harbor = sqlFiles(join(tree, 'harbor'));
      for (const options of [
        { rules: { 'require-statement-timeout': 'off' as const } },
        { postgresVersion: 10 },
        { transactionMode: 'none' as const },
      ]) {
        assert.notEqual(lintCacheKey(options), lintCacheKey({}));
        const run = await cached(harbor, cacheDir, options);
        assert.equal(run.stats.misses, harbor.length, JSON.stringify(options));
        const uncached = report(await lintFiles(harbor, options));
        assert.equal(run.out, uncached);
        assert.notEqual(uncached, report(await lintFiles(harbor, {})), 'the setting changes findings');
      }
      // the same options in another order are the same key; the entries of the first key are still there
      assert.equal(
        lintCacheKey({ postgresVersion: 10, rules: { a: 'off', b: 'error' } }),
        lintCacheKey({ rules: { b: 'error', a: 'off' }, postgresVersion: 10 }),
      );
      assert.equal((await cached(harbor, cacheDir)).stats.misses, 0);
    });

    it('ignores a corrupt, truncated or foreign cache file, and rewrites it', async function () {
      this.timeout(60_000);
      const harbor = sqlFiles(join(tree, 'harbor'));
      const expected = report(await lintFiles(harbor, {}));
      const harborCache = cacheFiles(cacheDir).filter((f) =>
        deserialize(readFileSync(f)).group.startsWith(join(tree, 'harbor')),
      );
      assert.equal(harborCache.length, 1);
      const damages: [string, (bytes: Buffer) => Buffer][] = [
        ['random bytes', (b) => Buffer.from(b.map((_, i) => (i * 7919) & 0xff))],
        ['truncated', (b) => b.subarray(0, b.length >> 1)],
        ['empty', () => Buffer.alloc(0)],
        ['JSON', () => Buffer.from('{"format": 1}')],
        ['another format', (b) => serialize({ ...deserialize(b), format: 999 })],
        ['findings of the wrong shape', (b) => repack(b, () => serialize([{ rule: 1 }]))],
        ['findings that do not deserialize', (b) => repack(b, () => Buffer.from('not v8'))],
        ['counts of the wrong type', (b) => serialize(mapEntries(b, (e) => ({ ...e, counts: [1] })))],
        [
          'text cuts that do not add up',
          (b) => serialize(mapEntries(b, (e) => ({ ...e, cuts: (e.cuts as number[]).map((c) => c + 1) }))),
        ],
        [
          'parts beyond the end',
          (b) => serialize(mapEntries(b, (e) => ({ ...e, at: (e.at as number) + 1e9 }))),
        ],
        ['keys of the wrong type', (b) => serialize(mapEntries(b, (e) => ({ ...e, key: 5 })))],
      ];
      for (const [name, damage] of damages) {
        for (const f of harborCache) writeFileSync(f, damage(readFileSync(f)));
        const run = await cached(harbor, cacheDir);
        assert.equal(run.stats.misses, harbor.length, name);
        assert.equal(run.out, expected, name);
        assert.equal((await cached(harbor, cacheDir)).stats.misses, 0, `${name}: rewritten`);
      }
    });

    it('lints a directory afresh when its stored deltas or model cannot be read or replayed', async function () {
      this.timeout(90_000);
      type Data = { ups: unknown[]; deltas: Uint8Array; model?: Uint8Array };
      // an edit in the middle needs the deltas (no model is stored there); an appended migration, the
      // model stored after the last one
      const damages: [string, 'edit' | 'append', (data: Data) => Partial<Data>][] = [
        ['deltas: bytes that do not deserialize', 'edit', () => ({ deltas: Buffer.from('not v8') })],
        [
          'deltas of another shape',
          'edit',
          (data) => ({ deltas: serialize(data.ups.map(() => ({ set: 5 }))) }),
        ],
        ['fewer deltas than migrations', 'edit', () => ({ deltas: serialize([]) })],
        ['a model that does not deserialize', 'append', () => ({ model: Buffer.from('not v8') })],
        [
          'a model of another shape',
          'append',
          () => ({ model: serialize({ tables: [[1, 2]], indexes: [] }) }),
        ],
      ];
      const folders = readdirSync(lemmy).sort(new Intl.Collator('en', { numeric: true }).compare);
      for (const [n, [name, use, damage]] of damages.entries()) {
        for (const f of cacheFiles(cacheDir)) {
          const data = deserialize(readFileSync(f));
          writeFileSync(f, serialize({ ...data, ...damage(data) }));
        }
        // nothing to rebuild: the deltas and models are not even read
        assert.equal((await cached(files(), cacheDir)).stats.misses, 0, name);
        // new stamps to store (margin 0: every file is old enough) cannot be written with deltas that do
        // not read: the file is kept as it is, its entries still hit
        assert.equal((await cached(files(), cacheDir, {}, 0)).stats.misses, 0, `${name}: stamps`);
        assert.equal((await cached(files(), cacheDir)).stats.misses, 0, `${name}: kept`);
        if (use === 'edit') {
          const edited = join(lemmy, folders[300 + n], 'up.sql');
          writeFileSync(edited, `-- ${name}\n`, { flag: 'a' });
        } else {
          const probe = join(lemmy, `2099-01-01-00000${n}_cache_probe`);
          mkdirSync(probe);
          writeFileSync(
            join(probe, 'up.sql'),
            `-- ${name}\nALTER TABLE person ALTER COLUMN name TYPE text;\n`,
          );
        }
        const run = await cached(files(), cacheDir);
        // lemmy's model cannot be rebuilt for the file to lint: all of lemmy again; harbor's entries are hits
        assert.deepEqual(
          run.stats.linted,
          files().filter((f) => f.startsWith(lemmy)),
          name,
        );
        if (n === 0 || n === 3) assert.equal(run.out, report(await lintFiles(files(), {})), name);
      }
    });
  });

  it('on worker threads: only the files that miss go to the workers, with the models they start from', async function () {
    this.timeout(120_000);
    const tree = join(tmp, 'tree');
    for (const p of ['lemmy', 'crates-io']) cpSync(join(corpus, p), join(tree, p), { recursive: true });
    const files = sqlFiles(tree);
    const cacheDir = join(tmp, 'cache');
    const run = async () => {
      const stats = newStats();
      const par = { threads: 0, workerFailures: 0 };
      const results = await lintFilesCached(
        files,
        {},
        {
          cacheDir,
          stats,
          parallel: { workerScript: worker, threads: 2, stats: par },
        },
      );
      return { out: report(results), stats, par };
    };
    const cold = await run();
    assert.deepEqual([cold.stats.misses, cold.par.threads, cold.par.workerFailures], [files.length, 2, 0]);
    assert.equal(cold.out, report(await lintFiles(files, {})));
    const warm = await run();
    assert.deepEqual([warm.stats.misses, warm.par.threads], [0, 0], 'nothing to lint: no worker started');
    // edit the first third of both directories: two groups of work, each from a rebuilt model, on two threads
    const expected: string[] = [];
    for (const dir of [join(tree, 'lemmy', 'migrations'), join(tree, 'crates-io', 'migrations')]) {
      const { ups } = planGroup(sqlFiles(dir));
      const edited = ups[Math.floor(ups.length / 3)];
      writeFileSync(edited, readFileSync(edited, 'utf8') + '\nSELECT 1;\n');
      const later = new Set(ups.slice(ups.indexOf(edited)).map(dirname));
      expected.push(...sqlFiles(dir).filter((f) => later.has(dirname(f))));
    }
    const edited = await run();
    assert.deepEqual(edited.stats.linted, expected.sort());
    assert.deepEqual([edited.par.threads, edited.par.workerFailures], [2, 0]);
    assert.equal(edited.out, report(await lintFiles(files, {})));
  });

  it('runs at the same time on the same cache each print the uncached report and leave a whole cache', async function () {
    this.timeout(60_000);
    const tree = join(tmp, 'tree');
    for (const p of ['harbor', 'supabase-auth']) cpSync(join(corpus, p), join(tree, p), { recursive: true });
    const cacheDir = join(tmp, 'cache');
    const bin = join(__dirname, '..', '..', 'src', 'cli', 'bin.js');
    const lintProcess = () =>
      new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(
          process.execPath,
          [bin, 'lint', '--format', 'json', '--cache-location', cacheDir, '.'],
          {
            cwd: tree,
          },
        );
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => done({ code, out }));
      });
    // cold, then with one file changed: four writers of the same cache files at once, twice
    for (const round of [0, 1]) {
      if (round)
        writeFileSync(
          join(tree, 'harbor', 'make', 'migrations', 'postgresql', '0001_initial_schema.up.sql'),
          '-- changed\n',
          { flag: 'a' },
        );
      const io = fakeIo(tree);
      assert.equal(await main(['lint', '--format', 'json', '--no-cache', '.'], io), 1);
      const expected = io.stdout;
      const runs = await Promise.all([lintProcess(), lintProcess(), lintProcess(), lintProcess()]);
      for (const r of runs) assert.deepEqual(r, { code: 1, out: expected });
    }
    assert.ok(!readdirSync(cacheDir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
    const after = spawnSync(process.execPath, [bin, 'lint', '--cache-location', cacheDir, '.'], {
      cwd: tree,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, PGSHIFT_DEBUG: '1' },
    });
    const files = sqlFiles(tree).length;
    assert.match(after.stderr, new RegExp(`${files} files, ${files} from the cache`));
  });

  it('removes its own files unused for 30 days, keeps those in use, and leaves other files alone', async function () {
    this.timeout(30_000);
    const harbor = sqlFiles(join(corpus, 'harbor'));
    const supabase = sqlFiles(join(corpus, 'supabase-auth'));
    const cacheDir = join(tmp, 'cache');
    mkdirSync(cacheDir); // a folder of the user's (--cache-location): no .gitignore is put in it
    await cached(harbor, cacheDir);
    const [inUse] = cacheFiles(cacheDir);
    const day = 24 * 3600;
    const age = (f: string, days: number) =>
      utimesSync(f, Date.now() / 1000 - days * day, Date.now() / 1000 - days * day);
    const unused = join(cacheDir, `${'a'.repeat(40)}.v8`);
    const crashed = join(cacheDir, `${'b'.repeat(40)}.v8.123.0badf00d.tmp`);
    const theirs = join(cacheDir, 'notes.tmp');
    for (const f of [unused, crashed, theirs]) writeFileSync(f, 'x');
    age(unused, 31);
    age(crashed, 1);
    age(theirs, 365);
    age(inUse, 29);
    // a run that reads harbor's file (refreshing it) and writes supabase-auth's (then prunes)
    const run = await cached([...harbor, ...supabase], cacheDir);
    assert.deepEqual([run.stats.hits, run.stats.misses], [harbor.length, supabase.length]);
    assert.ok(!existsSync(unused), 'unused for 31 days: removed');
    assert.ok(!existsSync(crashed), 'a temporary file of a crashed run: removed');
    assert.ok(existsSync(theirs), 'not a file of the cache: kept');
    assert.ok(Date.now() - statSync(inUse).mtimeMs < 3600_000, 'read: its age starts again');
    assert.ok(!existsSync(join(cacheDir, '.gitignore')));
    // a folder it creates gets one
    await cached(harbor, join(tmp, 'new', 'cache'));
    assert.match(readFileSync(join(tmp, 'new', 'cache', '.gitignore'), 'utf8'), /^\*$/m);
  });

  it('its key follows the code: a change to any rule’s compiled file gives another fingerprint', () => {
    const core = join(tmp, 'core');
    mkdirSync(join(core, 'lint', 'rules'), { recursive: true });
    const self = join(core, 'lint', 'lint-cache.js');
    writeFileSync(self, '// the cache');
    writeFileSync(join(core, 'lint', 'rules', 'ban-x.js'), 'exports.a = 1;');
    writeFileSync(join(core, 'lint', 'rules', 'ban-x.js.map'), '{}');
    const before = codeFingerprint(self);
    writeFileSync(join(core, 'lint', 'rules', 'ban-x.js.map'), '{"x": 1}');
    assert.equal(codeFingerprint(self), before, 'source maps are not code');
    writeFileSync(join(core, 'lint', 'rules', 'ban-x.js'), 'exports.a = 2;');
    assert.notEqual(codeFingerprint(self), before);
    // in the bundle, the bundle is the code
    const bundle = join(tmp, 'cli-main.js');
    writeFileSync(bundle, 'a');
    const b1 = codeFingerprint(bundle);
    writeFileSync(bundle, 'b');
    assert.notEqual(codeFingerprint(bundle), b1);
  });
});

/** The JSON report as one JSON.stringify of all findings (formatJson before it was built from parts). */
function stringified(results: FileFindings[]): string {
  const findings = results.flatMap((ff) =>
    ff.findings.map((f) => {
      const s = ff.source.positionAt(f.range.start);
      const e = ff.source.positionAt(f.range.end);
      return {
        file: relative(corpus, ff.file).split(sep).join('/'),
        rule: f.rule,
        severity: f.severity,
        line: s.line + 1,
        column: s.character + 1,
        endLine: e.line + 1,
        endColumn: e.character + 1,
        message: f.message,
        help: f.help,
      };
    }),
  );
  return JSON.stringify({ findings, files: results.length }, null, 2) + '\n';
}

/** The file with each entry's findings bytes replaced (the entries' ranges in `parts` moved to fit). */
function repack(bytes: Buffer, located: () => Buffer): Buffer {
  const data = deserialize(bytes);
  const chunks: Buffer[] = [];
  let at = 0;
  const move = (e: { at: number; json: number; located: number; text: number }) => {
    const json = Buffer.from(data.parts.subarray(e.at, e.at + e.json));
    const l = located();
    const from = e.at + e.json + e.located;
    const text = Buffer.from(data.parts.subarray(from, from + e.text));
    chunks.push(json, l, text);
    const moved = { ...e, at, located: l.length };
    at += json.length + l.length + text.length;
    return moved;
  };
  const ups = data.ups.map(move);
  const downs = data.downs.map(move);
  return serialize({ ...data, ups, downs, parts: Buffer.concat(chunks) });
}

function mapEntries(bytes: Buffer, f: (e: Record<string, unknown>) => Record<string, unknown>): unknown {
  const data = deserialize(bytes);
  return { ...data, ups: data.ups.map(f), downs: data.downs.map(f) };
}
