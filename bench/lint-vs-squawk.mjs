// Lints the real migration corpus (../shared/corpus without pg-regress) with the pgshift CLI and with
// squawk-cli, whole process each time, alternating, and reports median wall times and ratios; then
// compares findings per file and rule class. Usage: npm run build && node bench/lint-vs-squawk.mjs [runs]
//
// pgshift is timed four ways, each beside a squawk run (squawk has no cache: it does all the work each time):
//   cold      --no-cache: every file linted
//   first     the first run with the cache on: every file linted, and the cache written (an empty cache dir)
//   warm      the cache holds every file: nothing to lint
//   appended  one new migration appended to lemmy (684 files in one directory) since the last run: it is
//             linted alone, against the schema model stored for the migration before it
// The corpus is copied to a temporary folder so that the appended migrations go there.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureTool, median, root } from './tools.mjs';

const runs = Number(process.argv[2] ?? 7);
const work = mkdtempSync(join(tmpdir(), 'pgshift-bench-'));
const corpus = join(work, 'corpus');
const shared = join(root, '..', 'shared', 'corpus');
for (const d of readdirSync(shared))
  if (d !== 'pg-regress' && statSync(join(shared, d)).isDirectory()) cpSync(join(shared, d), join(corpus, d), { recursive: true });
const lemmy = join(corpus, 'lemmy', 'migrations');
const listFiles = () => {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.sql(\.postgres)?$/.test(e.name)) files.push(p);
    }
  };
  walk(corpus);
  return files.sort();
};
console.log(`corpus: ${listFiles().length} files`);

const squawk = ensureTool('squawk-cli@2.66.0', 'squawk');
const cwd = join(work, 'cwd'); // no config file: defaults for both tools
mkdirSync(cwd);
const cacheDir = join(work, 'cache');
const timed = (cmd, args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, r };
};
const pgshift = (files, ...args) => timed(process.execPath, [join(root, 'dist', 'cli.js'), 'lint', '--format', 'json', ...args, ...files]);
let appended = 0;
// a migration of the kind a project adds every week, which needs the schema of the 342 before it
const appendMigration = () => {
  const dir = join(lemmy, `2099-01-01-${String(++appended).padStart(6, '0')}_bench`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'up.sql'), `-- bench ${appended}\nALTER TABLE person ALTER COLUMN name TYPE text;\nCREATE INDEX person_bench_${appended} ON person (name);\n`);
};
const modes = {
  cold: { prepare: () => {}, run: (files) => pgshift(files, '--no-cache') },
  first: {
    prepare: () => rmSync(cacheDir, { recursive: true, force: true }),
    run: (files) => pgshift(files, '--cache-location', cacheDir),
  },
  warm: { prepare: () => {}, run: (files) => pgshift(files, '--cache-location', cacheDir) },
  appended: { prepare: appendMigration, run: (files) => pgshift(files, '--cache-location', cacheDir) },
};

const results = {};
let last = {};
for (const [mode, { prepare, run }] of Object.entries(modes)) {
  const times = { pgshift: [], squawk: [], ratios: [] };
  for (let i = 0; i < runs + 1; i++) {
    prepare();
    const files = listFiles();
    const pair = {};
    for (const name of i % 2 ? ['squawk', 'pgshift'] : ['pgshift', 'squawk']) {
      const { ms, r } = name === 'squawk' ? timed(squawk, ['--reporter', 'json', ...files]) : run(files);
      pair[name] = ms;
      if (mode === 'cold') last[name] = r;
      if (name === 'pgshift' && r.status !== 1) throw new Error(`pgshift ${mode}: exit ${r.status}: ${r.stderr}`);
    }
    // the first round warms the file cache (and, for warm, fills the lint cache)
    if (i === 0) continue;
    times.pgshift.push(pair.pgshift);
    times.squawk.push(pair.squawk);
    times.ratios.push(pair.pgshift / pair.squawk);
  }
  const mp = median(times.pgshift);
  const ms = median(times.squawk);
  results[mode] = { ...times, pgshiftMedian: mp, squawkMedian: ms, ratioOfMedians: mp / ms, medianRatio: median(times.ratios) };
  console.log(
    `${mode.padEnd(8)} pgshift ${mp.toFixed(0).padStart(5)} ms  squawk ${ms.toFixed(0).padStart(5)} ms  ratio of medians ${(mp / ms).toFixed(2)}  median of ratios ${median(times.ratios).toFixed(2)}  (pgshift: ${times.pgshift.map((t) => t.toFixed(0)).join(', ')})`,
  );
}

// the cached runs report what an uncached run of the same files reports
const files = listFiles();
const uncached = pgshift(files, '--no-cache').r.stdout.toString();
const warmAgain = pgshift(files, '--cache-location', cacheDir).r.stdout.toString();
if (uncached !== warmAgain) throw new Error('the cached run printed another report than the uncached one');
console.log(`cached and uncached reports identical (${files.length} files, ${appended} appended migrations)`);

// findings per file and rule (the corpus without the appended migrations)
const pg = JSON.parse(last.pgshift.stdout.toString());
const sq = JSON.parse(last.squawk.stdout.toString() || '[]');
const count = (list, key) => list.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map());
const rel = (f) => relative(corpus, f.startsWith('/') ? f : join(cwd, f));
const pgByRule = count(pg.findings, (f) => f.rule);
const sqByRule = count(sq, (f) => f.rule_name);
const pgFiles = new Set(pg.findings.map((f) => rel(f.file)));
const sqFiles = new Set(sq.map((f) => rel(f.file)));
const summary = {
  files: pg.files,
  runs,
  modes: results,
  pgshift: { findings: pg.findings.length, filesWithFindings: pgFiles.size, byRule: Object.fromEntries([...pgByRule].sort((a, b) => b[1] - a[1])) },
  squawk: { findings: sq.length, filesWithFindings: sqFiles.size, byRule: Object.fromEntries([...sqByRule].sort((a, b) => b[1] - a[1])) },
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'lint-vs-squawk.json'), JSON.stringify(summary, null, 2));
writeFileSync(join(root, 'bench', 'results', 'lint-findings-pgshift.json'), JSON.stringify(pg.findings.map((f) => ({ ...f, file: rel(f.file), help: undefined }))));
writeFileSync(join(root, 'bench', 'results', 'lint-findings-squawk.json'), JSON.stringify(sq.map((f) => ({ file: rel(f.file), rule: f.rule_name, line: f.line, column: f.column, message: f.message }))));
console.log(`pgshift: ${pg.findings.length} findings in ${pgFiles.size} files; squawk: ${sq.length} findings in ${sqFiles.size} files`);
console.log('pgshift by rule:', summary.pgshift.byRule);
console.log('squawk by rule:', summary.squawk.byRule);
rmSync(work, { recursive: true, force: true });
