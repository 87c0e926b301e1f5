/**
 * One `-- pgshift:batch` statement run in keyset batches of the table's key: each batch is its own
 * short transaction (BEGIN, the runner's lock_timeout, the batch, the checkpoint, COMMIT: one round
 * trip), so no lock on the table is held for longer than one batch and a crash loses at most the batch
 * in flight, which the server rolls back. Between batches: the size adapts to the target duration
 * (size=auto), the delay is slept, and a health gate waits while the table is being vacuumed or a
 * replica lags behind by more than `maxLag`, saying why.
 */
import { DbError, type Driver } from '../db/driver';
import type { BatchOptions } from '../sql/directives';
import { sleep } from '../duration';
import { loadParser } from '../sql/parser';
import type { CheckpointTable } from './backfill-progress';
import {
  backfillShape,
  batchSql,
  KEYS_SQL,
  qualifiedTable,
  remainingSql,
  type BackfillKey,
  type BackfillShape,
} from './backfill-plan';
import { durationMs, type RunnerSettings } from './settings';
import type { ScriptStatement } from './statements';
import { abortMessage } from './monitor';
import { LOCK_NOT_AVAILABLE, QUERY_CANCELED } from '../sqlstate';

/** What the runner tells about a batched statement while it runs. */
export type BackfillEvent =
  | {
      type: 'batch';
      version: string;
      /** rows done so far (of this statement) and the rows it will touch in all */
      done: number;
      total: number;
      /** this batch: its duration, rows, and the size the next batch will have */
      ms: number;
      rows: number;
      size: number;
      batches: number;
      /** estimated time left, from the rate so far */
      etaMs: number | null;
      rowsPerSecond: number;
    }
  | { type: 'paused'; version: string; reason: string }
  | { type: 'resumed'; version: string };

export interface BackfillRun {
  driver: Driver;
  settings: RunnerSettings;
  checkpoints: CheckpointTable;
  version: string;
  direction: 'up' | 'down';
  signal?: AbortSignal;
  onEvent?: (
    e: BackfillEvent | { type: 'retry'; version: string; attempt: number; error: string; delayMs: number },
  ) => void;
  /** true while the person has paused the run (the editor's Pause): no new batch starts */
  paused?: () => boolean;
  /** each batch copies the old rows it changes into this archive table first (backups) */
  archive?: string;
}

export interface Resume {
  lastKey: string | null;
  rowsDone: number;
  rowsTotal: number | null;
  batches: number;
}

export interface BatchPlanOutcome {
  shape: BackfillShape;
  key: BackfillKey;
}

const AUTO_START = 1000;
const AUTO_MIN = 10;
const AUTO_MAX = 100_000;

/** The shape of the statement and the key the batches walk; throws a DbError saying what to do. */
export async function planBatches(
  driver: Driver,
  stmt: ScriptStatement,
  options: BatchOptions,
): Promise<BatchPlanOutcome> {
  const parser = await loadParser();
  const parsed = parser.parse(stmt.sql);
  if (!parsed.ok || parsed.statements.length !== 1)
    throw new DbError('pgshift:batch must stand before exactly one statement');
  const s = backfillShape(parsed.statements[0].node, stmt.sql, (t) => parser.scan(t));
  if (!s.ok) throw new DbError(s.reason);
  const table = qualifiedTable(s.shape.table);
  const keys = (await driver.query<{ column: string; type: string; primary: boolean }>(KEYS_SQL, [table]))
    .rows;
  const key = options.key ? keys.find((k) => k.column === options.key) : keys[0];
  if (!key) {
    throw new DbError(
      options.key
        ? `key=${options.key}: ${table} has no unique index on ${options.key} alone, or the column may be NULL; batches need a unique NOT NULL key`
        : `${table} has no single-column primary key or unique NOT NULL column to batch by: add key=<column> naming one`,
    );
  }
  return { shape: s.shape, key: { column: key.column, type: key.type } };
}

/** The rows the statement will touch from `resume` on, plus those already done. */
export async function countRows(driver: Driver, plan: BatchPlanOutcome, resume?: Resume): Promise<number> {
  const after = resume?.lastKey != null;
  const r = await driver.query<{ n: string }>(
    remainingSql(plan.shape, plan.key, after),
    after ? [resume!.lastKey] : [],
  );
  return Number(r.rows[0]?.n ?? 0) + (resume?.rowsDone ?? 0);
}

/** Runs the batches from the checkpoint to the end; throws the DbError of a batch that failed for good. */
export async function runBatches(
  run: BackfillRun,
  plan: BatchPlanOutcome,
  options: BatchOptions,
  resume: Resume,
): Promise<{ rows: number; batches: number }> {
  const { driver, version } = run;
  let lastKey = resume.lastKey;
  let done = resume.rowsDone;
  let batches = resume.batches;
  const total = resume.rowsTotal ?? (await countRows(driver, plan, resume));
  let size = options.size === 'auto' ? AUTO_START : options.size;
  const started = Date.now();
  const doneAtStart = done;
  for (;;) {
    await waitUntilHealthy(run, plan);
    const first = lastKey === null;
    const params: unknown[] = [...(first ? [size] : [lastKey, size]), version, run.direction, total];
    const t0 = Date.now();
    const res = await batchWithRetries(
      run,
      batchSql(plan.shape, plan.key, first, run.checkpoints.qualified, run.archive),
      params,
    );
    const ms = Date.now() - t0;
    if (res.keys === 0) break;
    lastKey = res.last ?? lastKey;
    done += res.rows;
    batches++;
    const rate = ((done - doneAtStart) / Math.max(1, Date.now() - started)) * 1000;
    const asked = size;
    if (options.size === 'auto') size = nextSize(size, ms, options.targetMs);
    run.onEvent?.({
      type: 'batch',
      version,
      done,
      total,
      ms,
      rows: res.rows,
      size,
      batches,
      rowsPerSecond: Math.round(rate),
      etaMs: rate > 0 ? Math.max(0, Math.round(((total - done) / rate) * 1000)) : null,
    });
    if (res.keys < asked) break;
    if (options.delayMs > 0) await sleep(options.delayMs, run.signal);
  }
  return { rows: done, batches };
}

/** GitLab's batch optimizer in small: scale toward the target duration, at most ×2 or ÷2 per batch. */
function nextSize(size: number, ms: number, targetMs: number): number {
  const factor = Math.min(2, Math.max(0.5, targetMs / Math.max(ms, 1)));
  return Math.round(Math.min(AUTO_MAX, Math.max(AUTO_MIN, size * factor)));
}

interface BatchRow {
  rows: number;
  keys: number;
  last: string | null;
}

/**
 * One batch in autocommit: the statement holds the batch and its checkpoint, so it commits whole or
 * not at all. A lock timeout is retried with the runner's back-off (lockRetries).
 */
async function batchWithRetries(run: BackfillRun, sql: string, params: unknown[]): Promise<BatchRow> {
  for (let attempt = 1; ; attempt++) {
    if (run.signal?.aborted) throw new DbError(abortMessage(run.signal), QUERY_CANCELED);
    try {
      const r = (await run.driver.query<{ rows: string; keys: string; last: string | null }>(sql, params))
        .rows[0];
      return { rows: Number(r.rows), keys: Number(r.keys), last: r.last };
    } catch (e) {
      if (run.signal?.aborted) throw new DbError(abortMessage(run.signal), QUERY_CANCELED);
      const err = e instanceof DbError ? e : new DbError(e instanceof Error ? e.message : String(e));
      if (err.code !== LOCK_NOT_AVAILABLE || attempt > run.settings.lockRetries) throw err;
      const delayMs = Math.min(1000 * 2 ** (attempt - 1), 10_000);
      run.onEvent?.({ type: 'retry', version: run.version, attempt, error: err.message, delayMs });
      await sleep(delayMs, run.signal);
    }
  }
}

/**
 * Before each batch: no new batch while the person has paused the run, while autovacuum (or a
 * VACUUM) works on the table, or while a replica's replay lag is over maxLag.
 */
/** The `paused` event's reason when the person's Pause took effect (the editor tells it apart from the gate's). */
export const PAUSED_BY_USER = 'paused by the user';

async function waitUntilHealthy(run: BackfillRun, plan: BatchPlanOutcome): Promise<void> {
  let said: string | undefined;
  for (;;) {
    if (run.signal?.aborted) throw new DbError(abortMessage(run.signal), QUERY_CANCELED);
    const reason = run.paused?.() ? PAUSED_BY_USER : await unhealthy(run, plan);
    if (!reason) break;
    if (reason !== said) run.onEvent?.({ type: 'paused', version: run.version, reason });
    said = reason;
    await sleep(reason === PAUSED_BY_USER ? 200 : 1000, run.signal);
  }
  if (said) run.onEvent?.({ type: 'resumed', version: run.version });
}

const HEALTH_SQL = `
  SELECT (SELECT count(*) FROM pg_stat_progress_vacuum WHERE relid = $1::regclass)::int AS vacuums,
         (SELECT (EXTRACT(EPOCH FROM max(replay_lag)) * 1000)::int8 FROM pg_stat_replication) AS lag_ms`;

async function unhealthy(run: BackfillRun, plan: BatchPlanOutcome): Promise<string | undefined> {
  let row: { vacuums: number; lag_ms: string | null } | undefined;
  try {
    row = (
      await run.driver.query<{ vacuums: number; lag_ms: string | null }>(HEALTH_SQL, [
        qualifiedTable(plan.shape.table),
      ])
    ).rows[0];
  } catch {
    return undefined; // no statistics views (an embedded database): nothing to wait for
  }
  const table = qualifiedTable(plan.shape.table);
  if (row && row.vacuums > 0 && run.settings.waitForVacuum)
    return `${table} is being vacuumed; the next batch waits until it is done`;
  const maxLag = durationMs(run.settings.maxLag);
  const lag = row?.lag_ms == null ? undefined : Number(row.lag_ms);
  if (maxLag !== undefined && lag !== undefined && lag > maxLag)
    return `a replica is ${Math.round(lag / 100) / 10} s behind (runner.maxLag is ${run.settings.maxLag}); the next batch waits until it catches up`;
  return undefined;
}
