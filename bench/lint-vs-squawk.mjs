// Lints the real migration corpus (../shared/corpus without pg-regress) with the pgshift CLI and with
// squawk-cli, whole process each time, alternating, and reports median wall times and the ratio; then
// compares findings per file and rule class. Usage: npm run build && node bench/lint-vs-squawk.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureTool, median, root } from './tools.mjs';

const runs = Number(process.argv[2] ?? 7);
const corpus = join(root, '..', 'shared', 'corpus');
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.sql(\.postgres)?$/.test(e.name)) files.push(p);
  }
};
for (const d of readdirSync(corpus)) if (d !== 'pg-regress' && statSync(join(corpus, d)).isDirectory()) walk(join(corpus, d));
files.sort();
console.log(`corpus: ${files.length} files`);

const squawk = ensureTool('squawk-cli@2.66.0', 'squawk');
const cwd = mkdtempSync(join(tmpdir(), 'pgshift-bench-')); // no config file: defaults for both tools
const tools = {
  pgshift: () => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'lint', '--format', 'json', ...files], { cwd, maxBuffer: 1 << 30 }),
  squawk: () => spawnSync(squawk, ['--reporter', 'json', ...files], { cwd, maxBuffer: 1 << 30 }),
};
const times = { pgshift: [], squawk: [] };
let last = {};
for (let i = 0; i < runs + 1; i++) {
  for (const name of i % 2 ? ['squawk', 'pgshift'] : ['pgshift', 'squawk']) {
    const t0 = process.hrtime.bigint();
    const r = tools[name]();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    if (i > 0) times[name].push(ms); // first round warms the file cache
    last[name] = r;
  }
}
const mp = median(times.pgshift);
const ms = median(times.squawk);
console.log(`pgshift: median ${mp.toFixed(0)} ms  (runs: ${times.pgshift.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`squawk:  median ${ms.toFixed(0)} ms  (runs: ${times.squawk.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`ratio pgshift/squawk: ${(mp / ms).toFixed(2)}`);

// findings per file and rule
const pg = JSON.parse(last.pgshift.stdout.toString());
const sq = JSON.parse(last.squawk.stdout.toString() || '[]');
const count = (list, key) => list.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map());
const rel = (f) => relative(corpus, f.startsWith('/') ? f : join(cwd, f));
const pgByRule = count(pg.findings, (f) => f.rule);
const sqByRule = count(sq, (f) => f.rule_name);
const pgFiles = new Set(pg.findings.map((f) => rel(f.file)));
const sqFiles = new Set(sq.map((f) => rel(f.file)));
const summary = {
  files: files.length,
  runs,
  pgshiftMs: times.pgshift,
  squawkMs: times.squawk,
  ratio: mp / ms,
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
