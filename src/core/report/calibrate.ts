/**
 * How fast this server does the basic work a migration is made of, measured on the server itself
 * (never constants): a sequential scan, a sort, an index build with and without a parallel worker, a
 * table rewrite and an update, all on a scratch table made of generated rows inside a transaction
 * that is always rolled back. The estimate falls back on these rates when a statement cannot be run
 * on a sampled copy of its own table.
 */
import type { Driver } from '../db/driver';
import type { Calibration } from './model';
import { quoteIdent } from './sql-text';

export interface CalibrationRates extends Calibration {
  /** seconds per row × log2(rows) of a btree build on int8 keys (serial) */
  indexCoefficient: number;
  /** seconds per row × log2(rows) of an in-memory sort */
  sortCoefficient: number;
  /** seconds of a seq scan per heap byte */
  scanSecondsPerByte: number;
  /** seconds of a rewrite per heap byte */
  rewriteSecondsPerByte: number;
  /** seconds per updated row with one index */
  updateSecondsPerRow: number;
  /** planner cost units per second of a seq scan (to turn EXPLAIN costs into time) */
  costUnitsPerSecond: number;
  /** how much slower the same sort is when it spills to disk (external merge) than in memory */
  sortSpillFactor: number;
}

const CALIBRATION_ROWS = 100_000;

/** Runs the calibration; undefined (with the reason) when the server allows no scratch table at all. */
export async function calibrate(
  driver: Driver,
  rows = CALIBRATION_ROWS,
): Promise<{ rates?: CalibrationRates; note?: string }> {
  const started = Date.now();
  const table = `pgshift_calibration_${Math.random().toString(36).slice(2, 10)}`;
  await driver.exec('BEGIN');
  try {
    // read before this transaction changes it: what the real index builds will be allowed
    const configuredWorkers = Number(
      (await driver.query<{ v: string }>(`SELECT current_setting('max_parallel_maintenance_workers') AS v`))
        .rows[0].v,
    );
    await driver.exec(`SET LOCAL statement_timeout = '60s'; SET LOCAL lock_timeout = '1s'`);
    let method = 'scratch table in a rolled-back transaction';
    let name = quoteIdent(table);
    const create = `(id int8 NOT NULL, k int8 NOT NULL, s text NOT NULL, ts timestamptz NOT NULL, pad text NOT NULL)`;
    await driver.exec('SAVEPOINT pgshift_cal');
    try {
      await driver.exec(`CREATE TABLE ${name} ${create}`);
    } catch {
      // no CREATE privilege in the current schema (or a read-only session): a temporary table still measures
      await driver.exec('ROLLBACK TO SAVEPOINT pgshift_cal');
      try {
        name = `pg_temp.${quoteIdent(table)}`;
        await driver.exec(`CREATE TEMPORARY TABLE ${quoteIdent(table)} ${create}`);
        method = 'temporary table (no CREATE privilege: writes are measured without WAL)';
      } catch (e) {
        return { note: `no calibration: the server refused a scratch table (${(e as Error).message})` };
      }
    }
    const timed = async (sql: string): Promise<number> => {
      const t = performance.now();
      await driver.exec(sql);
      return (performance.now() - t) / 1000;
    };
    await timed(
      `INSERT INTO ${name} SELECT g, (hashint8(g) & 1073741823), md5(g::text), timestamptz '2020-01-01' + g * interval '1 second', repeat('x', 40) FROM generate_series(1, ${rows}) g`,
    );
    const bytes = Number(
      (await driver.query<{ b: string }>(`SELECT pg_relation_size('${name.replace(/'/g, "''")}')::text AS b`))
        .rows[0].b,
    );
    await driver.exec(`ANALYZE ${name}`);
    // the first scan sets hint bits and warms the buffers, the second one is measured
    await timed(`SELECT count(pad) FROM ${name}`);
    const scan = await timed(`SELECT count(pad) FROM ${name}`);
    const cost = await explainCost(driver, `SELECT count(pad) FROM ${name}`);
    const mwm = (await driver.query<{ v: string }>(`SELECT current_setting('maintenance_work_mem') AS v`))
      .rows[0].v;
    await driver.exec(
      `SET LOCAL work_mem = '${mwm}'; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL max_parallel_maintenance_workers = 0`,
    );
    const sortSql = `SELECT max(k) FROM (SELECT k FROM ${name} ORDER BY k OFFSET 0) s`;
    const sort = Math.min(await timed(sortSql), await timed(sortSql));
    // the same sort forced to spill: what a big index build pays once its keys outgrow maintenance_work_mem
    await driver.exec(`SET LOCAL work_mem = '64kB'`);
    const spilled = Math.min(await timed(sortSql), await timed(sortSql));
    await driver.exec(`SET LOCAL work_mem = '${mwm}'`);
    await driver.exec('SAVEPOINT pgshift_idx');
    const index = await timed(`CREATE INDEX ON ${name} (k)`);
    await driver.exec('ROLLBACK TO SAVEPOINT pgshift_idx');
    const parallelSpeedup =
      name.startsWith('pg_temp.') || configuredWorkers === 0
        ? 1
        : await measureParallelSpeedup(driver, timed);
    await driver.exec(`SET LOCAL max_parallel_maintenance_workers = 0`);
    const rewrite = await timed(`ALTER TABLE ${name} ALTER COLUMN k TYPE numeric`);
    await driver.exec('ROLLBACK TO SAVEPOINT pgshift_idx');
    await driver.exec(`CREATE UNIQUE INDEX ON ${name} (id)`);
    const updated = Math.max(1, Math.floor(rows / 10));
    const update = await timed(`UPDATE ${name} SET pad = pad || 'y' WHERE id <= ${updated}`);
    const lg = Math.log2(rows);
    const mb = bytes / 1024 / 1024;
    const safe = (x: number): number => Math.max(x, 1e-6);
    const rates: CalibrationRates = {
      method,
      rows,
      seqScanMBps: round(mb / safe(scan)),
      sortRowsPerSec: Math.round(rows / safe(sort)),
      indexBuildRowsPerSec: Math.round(rows / safe(index)),
      rewriteMBps: round(mb / safe(rewrite)),
      updateRowsPerSec: Math.round(updated / safe(update)),
      parallelSpeedup: round(parallelSpeedup),
      ms: 0,
      indexCoefficient: safe(index) / (rows * lg),
      sortCoefficient: safe(sort) / (rows * lg),
      scanSecondsPerByte: safe(scan) / bytes,
      rewriteSecondsPerByte: safe(rewrite) / bytes,
      updateSecondsPerRow: safe(update) / updated,
      costUnitsPerSecond: cost / safe(scan),
      sortSpillFactor: Math.max(1, Math.min(4, spilled / safe(sort))),
    };
    rates.ms = Date.now() - started;
    return { rates };
  } catch (e) {
    return { note: `calibration failed: ${(e as Error).message}` };
  } finally {
    await driver.exec('ROLLBACK').catch(() => undefined);
  }
}

/**
 * Serial time / time with one parallel worker of a btree build on a narrow table big enough for the
 * worker to pay off (a small one is faster serial: worker start-up and the tapes a parallel sort
 * writes). Best of two each; between 1 (no gain) and 2.
 */
async function measureParallelSpeedup(
  driver: Driver,
  timed: (sql: string) => Promise<number>,
): Promise<number> {
  const t = quoteIdent(`pgshift_calibration_par_${Math.random().toString(36).slice(2, 8)}`);
  await driver.exec('SAVEPOINT pgshift_par');
  try {
    await driver.exec(`CREATE TABLE ${t} (k int8 NOT NULL) WITH (parallel_workers = 1)`);
    await driver.exec(`INSERT INTO ${t} SELECT hashint8(g) FROM generate_series(1, 300000) g`);
    const build = async (workers: number): Promise<number> => {
      await driver.exec(`SET LOCAL max_parallel_maintenance_workers = ${workers}`);
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        await driver.exec('SAVEPOINT pgshift_par_idx');
        best = Math.min(best, await timed(`CREATE INDEX ON ${t} (k)`));
        await driver.exec('ROLLBACK TO SAVEPOINT pgshift_par_idx');
      }
      return best;
    };
    const serial = await build(0);
    const parallel = await build(1);
    return Math.max(1, Math.min(2, serial / Math.max(parallel, 1e-6)));
  } catch {
    return 1;
  } finally {
    await driver.exec('ROLLBACK TO SAVEPOINT pgshift_par').catch(() => undefined);
    await driver.exec('SET LOCAL max_parallel_maintenance_workers = 0').catch(() => undefined);
  }
}

/** The planner's total cost of a query (EXPLAIN without ANALYZE: nothing runs). */
async function explainCost(driver: Driver, sql: string): Promise<number> {
  const plan = await explainPlan(driver, sql);
  return Number(plan?.['Total Cost'] ?? 0);
}

/** The top plan node of EXPLAIN (FORMAT JSON). */
export async function explainPlan(driver: Driver, sql: string): Promise<Record<string, unknown> | undefined> {
  const r = await driver.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  let v = r.rows[0]?.['QUERY PLAN'];
  if (typeof v === 'string') v = JSON.parse(v);
  const top = Array.isArray(v) ? (v[0] as { Plan?: Record<string, unknown> }) : undefined;
  return top?.Plan;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
