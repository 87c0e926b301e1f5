/**
 * Runs one planned step and records it truthfully.
 *  - In a transaction (the default): BEGIN and the statements in one batch (batch.ts); the history row
 *    (and the foreign table's row); COMMIT. A process killed at any point leaves nothing of the
 *    migration, not even a row.
 *  - Outside one (-- pgshift:no-transaction): a committed 'started' row, the statements one by one,
 *    then the row completed as succeeded or failed with the failing statement. A process killed
 *    halfway leaves the 'started' row: the migration reads as failed (interrupted) until resolved.
 */
import { LOCK_NOT_AVAILABLE, QUERY_CANCELED } from '../sqlstate';
import { basename } from 'node:path';
import { DbError, inTransaction, type Driver, type PipelineStep, type QueryResult } from '../db/driver';
import { sleep } from '../duration';
import { PgshiftError } from '../errors';
import type { ForeignWriter } from './foreign';
import {
  backupMade,
  backupsBefore,
  finishBackupStep,
  type BackupMade,
  type BackupSettings,
  type TargetEstimate,
} from './backup';
import type { AttemptOutcome, HistoryTable, NewAttempt } from './history';
import { invalidIndexes, type InvalidIndex } from './invalid-indexes';
import type { LockHolder } from './lock';
import { abortMessage, type Monitor, type MonitorEvent } from './monitor';
import { runBatchedScript } from './apply-batched';
import { checkAfterSteps, runChecks } from './checks';
import type { BackfillEvent } from './backfill';
import {
  buildBatch,
  locateByPosition,
  locateByReplay,
  worthReplaying,
  type Batch,
  type Located,
} from './batch';
import type { PreparedStep } from './prepare';
import type { RunnerSettings } from './settings';
import { lineOfPosition, type ScriptStatement } from './statements';

export type RunnerEvent =
  | { type: 'lock-wait'; holder?: LockHolder; message: string }
  | { type: 'lock-acquired' }
  | { type: 'warning'; message: string }
  | {
      type: 'step-start';
      version: string;
      name: string;
      direction: 'up' | 'down';
      noTransaction: boolean;
      statements: number;
    }
  | { type: 'statement'; version: string; line: number; sql: string }
  | { type: 'retry'; version: string; attempt: number; error: string; delayMs: number }
  | { type: 'step-done'; result: StepResult }
  /** before a step that destroys data: what will be copied into the archive, and its size */
  | {
      type: 'backup';
      version: string;
      schema: string;
      objects: TargetEstimate[];
      bytes: number;
      rows: number;
    }
  | BackfillEvent
  | MonitorEvent
  /** a -- pgshift:check-before / check-after query and its answer */
  | { type: 'check'; version: string; when: 'before' | 'after'; sql: string; ok: boolean };

export interface StepFailure {
  error: string;
  /** SQLSTATE when the server sent one */
  code?: string;
  statement?: string;
  file: string;
  line?: number;
  /** true: the migration ran in a transaction, so nothing of it remains */
  rolledBack: boolean;
  /** invalid indexes that appeared during this step (a broken CREATE INDEX CONCURRENTLY) */
  invalidIndexes: InvalidIndex[];
  /** what the person should do now, as a command line where possible */
  nextStep: string;
}

export interface StepResult {
  version: string;
  name: string;
  direction: 'up' | 'down';
  outcome: 'applied' | 'rolled-back' | 'failed' | 'cancelled';
  durationMs: number;
  attempts: number;
  statements: number;
  /** the script had no statements: recorded, nothing run */
  empty: boolean;
  failure?: StepFailure;
  /** the verified backups of what it destroyed (pgshift backups / restore): one, or one per statement outside a transaction */
  backups?: BackupMade[];
}

export interface ApplyContext {
  driver: Driver;
  history: HistoryTable;
  foreign?: ForeignWriter;
  settings: RunnerSettings;
  signal?: AbortSignal;
  onEvent?: (e: RunnerEvent) => void;
  /** true while the person has paused a batched backfill: no new batch starts */
  paused?: () => boolean;
  /** the live view of the run (who it waits on, who waits behind it) and its policy */
  monitor?: Monitor;
  /** backups are made of what steps destroy (their plans are on the steps) */
  backup?: BackupSettings;
}

/**
 * Runs one step. `latestApplied` is the newest version applied once this step succeeds (for
 * golang-migrate's single-row table). Never throws for a failure of the migration itself: it returns it.
 */
export async function applyStep(
  ctx: ApplyContext,
  step: PreparedStep,
  latestApplied: string | undefined,
): Promise<StepResult> {
  const { migration: m, direction } = step;
  const outer = ctx.signal;
  ctx.onEvent?.({
    type: 'step-start',
    version: m.version,
    name: m.name,
    direction,
    noTransaction: step.noTransaction,
    statements: step.statements.length,
  });
  // The step's own signal: aborted by the run's (the user) or by the monitor's policy, with its reason.
  const stepAbort = new AbortController();
  const forward = (): void => stepAbort.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) forward();
  ctx.signal?.addEventListener('abort', forward);
  const onAbort = (): void => void ctx.driver.cancel().catch(() => undefined);
  stepAbort.signal.addEventListener('abort', onAbort);
  const unwatch = ctx.monitor?.watch(m.version, (reason) => stepAbort.abort(reason));
  ctx = { ...ctx, signal: stepAbort.signal };
  if (step.backup && ctx.backup?.enabled)
    ctx.onEvent?.({
      type: 'backup',
      version: m.version,
      schema: ctx.backup.schema,
      objects: step.backup.estimates,
      bytes: step.backup.bytes,
      rows: step.backup.rows,
    });
  try {
    // a batched script runs its checks itself, after a resume only the after-checks
    const refused = step.script.data?.batches.length ? undefined : await runChecks(ctx, step, 'before');
    if (refused) {
      const done = result(step, 'failed', 0, 1, {
        ...failureFields(refused, undefined, step),
        rolledBack: true,
        invalidIndexes: [],
        nextStep: `nothing was run; make the check true (or fix it in ${basename(step.script.file)}) and run the command again`,
      });
      ctx.onEvent?.({ type: 'step-done', result: done });
      return done;
    }
    const outcome = step.script.data?.batches.length
      ? await runBatchedScript(ctx, step, latestApplied)
      : step.noTransaction
        ? await runOutside(ctx, step, latestApplied)
        : await runInTransaction(ctx, step, latestApplied);
    ctx.onEvent?.({ type: 'step-done', result: outcome });
    return outcome;
  } finally {
    unwatch?.();
    stepAbort.signal.removeEventListener('abort', onAbort);
    outer?.removeEventListener('abort', forward);
  }
}

export function attemptOf(step: PreparedStep, transactional: boolean): NewAttempt {
  return {
    version: step.migration.version,
    name: step.migration.name,
    direction: step.direction,
    checksum: step.script.checksum,
    transactional,
    statementsTotal: step.statements.length,
  };
}

/** Attempts that failed within this time are replayed statement by statement to name the failing one. */
const REPLAY_LIMIT_MS = 10_000;

async function runInTransaction(
  ctx: ApplyContext,
  step: PreparedStep,
  latestApplied: string | undefined,
): Promise<StepResult> {
  const { driver, settings } = ctx;
  const started = Date.now();
  const archive = ctx.backup?.enabled ? ctx.backup.schema : undefined;
  const batch = buildBatch(settings, step.statements, archive ? backupsBefore(archive, step) : undefined);
  const pipeline = transactionPipeline(ctx, step, latestApplied, batch);
  for (let attempt = 1; ; attempt++) {
    const t0 = Date.now();
    const sent = await sendAttempt(ctx, pipeline);
    const failed = sent.failed;
    if (!failed) {
      const done = result(step, 'ok', Date.now() - started, attempt);
      const made = pipeline.backupStep >= 0 ? backupMade(sent.results[pipeline.backupStep] ?? []) : undefined;
      return made ? { ...done, backups: [made] } : done;
    }
    const aborted = ctx.signal?.aborted === true;
    // Ends the transaction if the pipeline left one open (it did not run to its COMMIT) and tells whether the session is alive.
    const alive = await rollback(driver);
    const retry =
      !aborted && alive && failed.err.code === LOCK_NOT_AVAILABLE && attempt <= settings.lockRetries;
    // A replay costs as long as the attempt: worth it for a quick failure, not after a long backfill.
    const mayReplay = alive && !aborted && !retry && Date.now() - t0 < REPLAY_LIMIT_MS;
    const { err, located } = await locateFailure(ctx, batch, failed, mayReplay);
    if (alive) {
      // The attempt is worth a row even though it left nothing: history shows every try and its error.
      await ctx.history
        .recordFinished(driver, attemptOf(step, true), failureOutcome(err, located, Date.now() - t0))
        .catch(() => undefined);
    }
    if (retry) {
      await backOff(ctx, step, attempt, err);
      continue;
    }
    const failure = transactionFailure(err, located, step, aborted, alive);
    return result(step, aborted ? 'cancelled' : 'failed', Date.now() - started, attempt, failure);
  }
}

/** One transactional attempt as pipeline steps, and which of them are the script's. */
interface TransactionPipeline {
  steps: PipelineStep[];
  /** the step holding the script's statements, -1 when it has none */
  batchStep: number;
  /** steps before this index are the script's (BEGIN, timeouts, statements, check-after); the rest record it */
  scriptSteps: number;
  /** the step that marks the backup verified and returns it, -1 when there is none */
  backupStep: number;
}

/**
 * The whole attempt goes to the server at once: BEGIN and the statements, the history row, the
 * foreign tool's row, COMMIT. PostgreSQL runs them in order; if any fails, the ones after it fail
 * and the COMMIT rolls back. The rows' execution times are measured by the server.
 */
function transactionPipeline(
  ctx: ApplyContext,
  step: PreparedStep,
  latestApplied: string | undefined,
  batch: Batch,
): TransactionPipeline {
  const steps: PipelineStep[] = [];
  if (!batch.selfContained) {
    steps.push({ sql: 'BEGIN' });
    const timeouts = timeoutsStep(ctx.settings, true);
    if (timeouts.sql) steps.push(timeouts);
  }
  const batchStep = batch.sql ? steps.push({ sql: batch.sql }) - 1 : -1;
  steps.push(...checkAfterSteps(step));
  const scriptSteps = steps.length;
  steps.push(
    ctx.history.finishedWrite(attemptOf(step, true), {
      success: true,
      executionMs: 'server',
      statementsApplied: step.statements.length,
    }),
    ...(ctx.foreign?.stepWrites(step.direction, step.migration, 'server', latestApplied) ?? []),
  );
  const backupStep =
    step.backup && ctx.backup?.enabled
      ? steps.push(finishBackupStep(ctx.backup.schema, ctx.history.qualified, step.migration.version)) - 1
      : -1;
  steps.push({ sql: 'COMMIT' });
  return { steps, batchStep, scriptSteps, backupStep };
}

/** Why an attempt did not commit, and in which part of the pipeline: the script, recording it, or COMMIT. */
interface FailedAttempt {
  err: DbError;
  phase: 'script' | 'record' | 'commit';
  /** the failing step is the script's statements, so the server's position says which one */
  inBatch: boolean;
}

/** Sends the pipeline once: no `failed` when it committed (then each step's rows), else what failed. */
async function sendAttempt(
  ctx: ApplyContext,
  pipeline: TransactionPipeline,
): Promise<{ failed?: FailedAttempt; results: Record<string, unknown>[][] }> {
  const { steps, batchStep, scriptSteps } = pipeline;
  const no = (failed: FailedAttempt) => ({ failed, results: [] });
  try {
    throwIfAborted(ctx.signal);
    const outcomes = await ctx.driver.pipeline(steps);
    const failed = outcomes.findIndex((o) => !o.ok);
    if (failed < 0) {
      const commit = outcomes[outcomes.length - 1] as { ok: true; results: QueryResult[] };
      // Committed, even if the person pressed Cancel meanwhile: the result says what happened.
      if (commit.results[commit.results.length - 1]?.command === 'COMMIT')
        return { results: outcomes.map((o) => (o.ok ? (o.results[o.results.length - 1]?.rows ?? []) : [])) };
      return no({
        err: new DbError('the server rolled the transaction back at COMMIT'),
        phase: 'commit',
        inBatch: false,
      });
    }
    return no({
      err: toDbError((outcomes[failed] as { ok: false; error: DbError }).error, ctx.signal),
      phase: failed < scriptSteps ? 'script' : failed === steps.length - 1 ? 'commit' : 'record',
      inBatch: failed === batchStep,
    });
  } catch (e) {
    return no({ err: toDbError(e, ctx.signal), phase: 'script', inBatch: false });
  }
}

/**
 * The failing statement and the error as the person should read it. The server's position finds the
 * statement in the batch; failing that, a script failure is replayed statement by statement when
 * `mayReplay` (the session is alive, nothing will retry, and the attempt was quick).
 */
async function locateFailure(
  ctx: ApplyContext,
  batch: Batch,
  failed: FailedAttempt,
  mayReplay: boolean,
): Promise<{ err: DbError; located: Located | undefined }> {
  const { driver, settings } = ctx;
  let { err } = failed;
  let located = failed.inBatch ? locateByPosition(batch, err) : undefined;
  if (!located && failed.phase === 'script' && mayReplay && worthReplaying(err)) {
    located = await locateByReplay(driver, batch, () => setTimeouts(driver, settings, true));
    // The replay's error is the same failure, now with a position relative to its statement.
    if (located && located.error.code === err.code) err = located.error;
  }
  if (failed.phase === 'record')
    err = new DbError(
      `every statement ran, but recording the outcome failed, so all of it was rolled back: ${err.message}`,
      err.code,
    );
  return { err, located };
}

/** A transactional attempt that failed for good: nothing of it remains, and what to do next. */
function transactionFailure(
  err: DbError,
  located: Located | undefined,
  step: PreparedStep,
  aborted: boolean,
  alive: boolean,
): StepFailure {
  return {
    ...failureFields(err, located, step),
    rolledBack: true,
    invalidIndexes: [],
    nextStep: aborted
      ? 'nothing of it was committed; run the command again when ready'
      : alive
        ? `nothing of it was committed; fix ${basename(step.script.file)} and run the command again`
        : 'the connection was lost, so the transaction was rolled back by the server and nothing of it was committed; run the command again',
  };
}

async function runOutside(
  ctx: ApplyContext,
  step: PreparedStep,
  latestApplied: string | undefined,
): Promise<StepResult> {
  const { driver, settings } = ctx;
  const started = Date.now();
  await setTimeouts(driver, settings, false);
  const invalidBefore = await invalidIndexes(driver);
  const id = await ctx.history.recordStarted(driver, attemptOf(step, false));
  await ctx.foreign?.started(driver, step.migration);
  let done = 0;
  let attempts = 1;
  const backups: BackupMade[] = [];
  for (const [i, stmt] of step.statements.entries()) {
    for (let attempt = 1; ; attempt++) {
      try {
        throwIfAborted(ctx.signal);
        ctx.onEvent?.({ type: 'statement', version: step.migration.version, line: stmt.line, sql: stmt.sql });
        if (attempt === 1) {
          const made = await backupOutside(ctx, step, i);
          if (made) backups.push(made);
        }
        await driver.exec(stmt.sql);
        done++;
        break;
      } catch (e) {
        const aborted = ctx.signal?.aborted === true;
        const err = toDbError(e, ctx.signal);
        const canRetry = !aborted && err.code === LOCK_NOT_AVAILABLE && attempt <= settings.lockRetries;
        // A statement that timed out on a lock did nothing, unless it left an invalid index behind.
        if (canRetry && sameIndexes(await invalidIndexes(driver).catch(() => undefined), invalidBefore)) {
          attempts++;
          await backOff(ctx, step, attempt, err);
          continue;
        }
        const failed = await failOutside(
          ctx,
          step,
          id,
          err,
          stmt,
          done,
          started,
          attempts,
          invalidBefore,
          aborted,
        );
        return backups.length ? { ...failed, backups } : failed;
      }
    }
  }
  const ms = Date.now() - started;
  try {
    await driver.exec('BEGIN');
    await ctx.history.complete(driver, id, { success: true, executionMs: ms, statementsApplied: done });
    await keepForeignInStep(ctx, step, ms, latestApplied);
    await driver.exec('COMMIT');
  } catch (e) {
    await rollback(driver);
    const err = toDbError(e, false);
    const failure: StepFailure = {
      error: `every statement ran, but recording the outcome failed: ${err.message}`,
      code: err.code,
      file: step.script.file,
      rolledBack: false,
      invalidIndexes: [],
      nextStep: `the migration's changes are in place: run \`pgshift resolve ${step.migration.version} --${step.direction === 'up' ? 'applied' : 'rolled-back'}\``,
    };
    return result(step, 'failed', ms, attempts, failure);
  }
  const ok = result(step, 'ok', ms, attempts);
  return backups.length ? { ...ok, backups } : ok;
}

/**
 * Outside a transaction, the backup of what statement i destroys is its own transaction, committed
 * (and verified) before the statement runs; it belongs to the attempt's 'started' history row.
 */
export async function backupOutside(
  ctx: ApplyContext,
  step: PreparedStep,
  i: number,
): Promise<BackupMade | undefined> {
  const calls = ctx.backup?.enabled ? backupsBefore(ctx.backup.schema, step, 'each')?.(i) : undefined;
  if (!calls || !ctx.backup) return undefined;
  const backup = ctx.backup;
  return inTransaction(ctx.driver, async () => {
    await ctx.driver.exec(calls);
    const fin = finishBackupStep(backup.schema, ctx.history.qualified, step.migration.version);
    return backupMade((await ctx.driver.query(fin.sql, fin.params)).rows);
  });
}

async function failOutside(
  ctx: ApplyContext,
  step: PreparedStep,
  id: number,
  err: DbError,
  stmt: ScriptStatement,
  done: number,
  started: number,
  attempts: number,
  invalidBefore: InvalidIndex[],
  aborted: boolean,
): Promise<StepResult> {
  const { driver } = ctx;
  const ms = Date.now() - started;
  let recorded = false;
  try {
    await driver.exec('BEGIN');
    await ctx.history.complete(driver, id, failureOutcome(err, { stmt, position: err.position }, ms, done));
    await ctx.foreign?.failed(driver, step.migration, step.direction, ms);
    await driver.exec('COMMIT');
    recorded = true;
  } catch {
    await rollback(driver);
  }
  const after = recorded ? await invalidIndexes(driver).catch(() => []) : [];
  const fresh = after.filter((i) => !invalidBefore.some((b) => b.schema === i.schema && b.name === i.name));
  const v = step.migration.version;
  const drops = fresh.length
    ? `first remove the invalid ${fresh.length === 1 ? 'index' : 'indexes'} it left: ${fresh.map((i) => i.drop).join(' ')}; then `
    : '';
  const failure: StepFailure = {
    ...failureFields(err, { stmt, position: err.position }, step),
    rolledBack: false,
    invalidIndexes: fresh,
    nextStep:
      `${done} of ${step.statements.length} statements had run outside a transaction and stay applied. ${drops}` +
      `either undo them and run \`pgshift resolve ${v} --rolled-back\`, or complete them by hand and run \`pgshift resolve ${v} --applied\`` +
      (recorded
        ? ''
        : ' (the failure could not be recorded: the connection was lost; the history shows the attempt as interrupted)'),
  };
  return result(step, aborted ? 'cancelled' : 'failed', ms, attempts, failure);
}

export async function keepForeignInStep(
  ctx: ApplyContext,
  step: PreparedStep,
  ms: number,
  latestApplied: string | undefined,
): Promise<void> {
  if (!ctx.foreign) return;
  if (step.direction === 'up')
    await ctx.foreign.applied(ctx.driver, step.migration, ms, latestApplied ?? step.migration.version);
  else await ctx.foreign.rolledBack(ctx.driver, step.migration, ms, latestApplied);
}

/** lock_timeout / statement_timeout for this migration; values go in as parameters, never as SQL text. */
export async function setTimeouts(driver: Driver, s: RunnerSettings, local: boolean): Promise<void> {
  const t = timeoutsStep(s, local);
  if (t.sql) await driver.query(t.sql, t.params);
}

function timeoutsStep(s: RunnerSettings, local: boolean): { sql: string; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [local];
  if (s.lockTimeout !== null) {
    params.push(s.lockTimeout);
    sets.push(`set_config('lock_timeout', $${params.length}, $1)`);
  }
  if (s.statementTimeout !== null) {
    params.push(s.statementTimeout);
    sets.push(`set_config('statement_timeout', $${params.length}, $1)`);
  }
  return sets.length ? { sql: `SELECT ${sets.join(', ')}`, params } : { sql: '', params: [] };
}

export function result(
  step: PreparedStep,
  outcome: 'ok' | 'failed' | 'cancelled',
  durationMs: number,
  attempts: number,
  failure?: StepFailure,
): StepResult {
  return {
    version: step.migration.version,
    name: step.migration.name,
    direction: step.direction,
    outcome: outcome === 'ok' ? (step.direction === 'up' ? 'applied' : 'rolled-back') : outcome,
    durationMs,
    attempts,
    statements: step.statements.length,
    empty: step.statements.length === 0,
    failure,
  };
}

/** Where a failure happened: the statement, and the server's position within it when known. */
export interface At {
  stmt: ScriptStatement;
  position?: number;
}

export function failureFields(
  err: DbError,
  at: At | undefined,
  step: PreparedStep,
): Pick<StepFailure, 'error' | 'code' | 'statement' | 'file' | 'line'> {
  return {
    error: err.message,
    code: err.code,
    statement: at?.stmt.sql,
    file: step.script.file,
    line: at ? lineOfPosition(at.stmt, at.position) : undefined,
  };
}

export function failureOutcome(
  err: DbError,
  at: At | undefined,
  ms: number,
  done?: number,
): AttemptOutcome & { executionMs: number } {
  return {
    success: false,
    executionMs: ms,
    statementsApplied: done,
    error: err.code ? `${err.message} (SQLSTATE ${err.code})` : err.message,
    errorStatement: at?.stmt.sql,
    errorLine: at ? lineOfPosition(at.stmt, at.position) : undefined,
    errorPosition: at?.position,
  };
}

/**
 * The error as the runner reports it. Given the run's signal, a cancellation it caused is named for
 * who cancelled: the user, or the monitor's policy (monitor.ts), whose reason then reaches history.
 */
export function toDbError(e: unknown, signal: AbortSignal | false | undefined): DbError {
  if (
    signal &&
    signal.aborted &&
    (!(e instanceof DbError) || e.code === QUERY_CANCELED || e.code === undefined)
  ) {
    return new DbError(abortMessage(signal), e instanceof DbError ? e.code : QUERY_CANCELED);
  }
  if (e instanceof DbError) return e;
  if (e instanceof PgshiftError) return new DbError(e.message);
  return new DbError(e instanceof Error ? e.message : String(e));
}

/** Rolls back whatever is open; false when the connection is gone. */
export async function rollback(driver: Driver): Promise<boolean> {
  try {
    await driver.exec('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DbError(abortMessage(signal), QUERY_CANCELED);
}

export function sameIndexes(a: InvalidIndex[] | undefined, b: InvalidIndex[]): boolean {
  return (
    a !== undefined &&
    a.length === b.length &&
    a.every((x, i) => x.schema === b[i].schema && x.name === b[i].name)
  );
}

/** Before another try after a lock timeout: 1 s, 2 s, 4 s ... up to 10 s, announced. */
export async function backOff(
  ctx: ApplyContext,
  step: PreparedStep,
  attempt: number,
  err: DbError,
): Promise<void> {
  const delayMs = Math.min(1000 * 2 ** (attempt - 1), 10_000);
  ctx.onEvent?.({ type: 'retry', version: step.migration.version, attempt, error: err.message, delayMs });
  await sleep(delayMs);
}
