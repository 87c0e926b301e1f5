/**
 * A migration holding `-- pgshift:batch` statements: run statement by statement outside a wrapping
 * transaction, with a checkpoint (backfill-progress.ts) that says which statement it is at and, in a
 * batched statement, the last key done. Killed, disconnected or cancelled, it leaves every finished
 * batch committed and none half-done; its state reads 'partial' and the next run of the same direction
 * continues from the checkpoint instead of asking for `resolve`. `-- pgshift:check-before` queries run
 * before anything (on a fresh start), `check-after` ones before it is recorded as done.
 */
import { basename } from 'node:path';
import { inTransaction, type DbError } from '../db/driver';
import {
  attemptOf,
  backOff,
  backupOutside,
  failureFields,
  failureOutcome,
  keepForeignInStep,
  result,
  rollback,
  sameIndexes,
  setTimeouts,
  throwIfAborted,
  toDbError,
  type ApplyContext,
  type StepResult,
} from './apply';
import { countRows, planBatches, runBatches } from './backfill';
import { qualifiedTable } from './backfill-plan';
import { backupMade, type BackupMade } from './backup';
import { beginCall } from './backup-plan';
import { quoteIdent } from './settings';
import { runChecks } from './checks';
import { CheckpointTable, type Checkpoint } from './backfill-progress';
import { invalidIndexes } from './invalid-indexes';
import type { PreparedStep } from './prepare';
import type { ScriptStatement } from './statements';
import { LOCK_NOT_AVAILABLE } from '../sqlstate';

export async function runBatchedScript(
  ctx: ApplyContext,
  step: PreparedStep,
  latestApplied: string | undefined,
): Promise<StepResult> {
  const { driver, settings } = ctx;
  const started = Date.now();
  const v = step.migration.version;
  const dir = step.direction;
  const data = step.script.data!;
  const checkpoints = new CheckpointTable(settings.historySchema);
  await checkpoints.ensure(driver);
  await setTimeouts(driver, settings, false);
  const found = (await checkpoints.read(driver)).find((c) => c.version === v && c.direction === dir);
  const resume = found && found.checksum === step.script.checksum ? found : undefined;
  const id = await ctx.history.recordStarted(driver, attemptOf(step, false));
  await ctx.foreign?.started(driver, step.migration);
  let at = resume?.statement ?? 0;
  const backups: BackupMade[] = [];
  const fail = (err: DbError, stmt?: ScriptStatement): Promise<StepResult> =>
    failBatched(ctx, step, id, err, stmt, at, started, checkpoints);
  try {
    if (!resume) {
      await checkpoints.start(driver, v, dir, step.script.checksum);
      const refused = await runChecks(ctx, step, 'before');
      if (refused) return await fail(refused);
    }
    const invalidBefore = await invalidIndexes(driver);
    for (; at < step.statements.length; at++) {
      const stmt = step.statements[at];
      throwIfAborted(ctx.signal);
      ctx.onEvent?.({ type: 'statement', version: v, line: stmt.line, sql: stmt.sql });
      const batch = data.batches.find((b) => b.statement === at);
      try {
        if (batch) {
          if (batch.error || !batch.options)
            throw toDbError(new Error(`pgshift:batch: ${batch.error}`), false);
          const plan = await planBatches(driver, stmt, batch.options);
          const mine = resume && resume.statement === at ? resume : undefined;
          const from = {
            lastKey: mine?.lastKey ?? null,
            rowsDone: mine?.rowsDone ?? 0,
            rowsTotal: mine?.rowsTotal ?? (await countRows(driver, plan)),
            batches: mine?.batches ?? 0,
          };
          const archive = await batchedArchive(ctx, step, at, mine !== undefined);
          const done = await runBatches(
            {
              driver,
              settings,
              checkpoints,
              version: v,
              direction: dir,
              signal: ctx.signal,
              onEvent: ctx.onEvent,
              paused: ctx.paused,
              archive: archive?.table,
            },
            plan,
            batch.options,
            from,
          );
          if (archive) backups.push(await finishBatchedArchive(ctx, step, archive.id, done.rows));
        } else {
          const made = await backupOutside(ctx, step, at);
          if (made) backups.push(made);
          await execWithRetries(ctx, step, stmt, invalidBefore);
        }
      } catch (e) {
        return await fail(toDbError(e, ctx.signal), stmt);
      }
      await checkpoints.statementDone(driver, v, dir, at + 1);
    }
    const refused = await runChecks(ctx, step, 'after');
    if (refused) return await fail(refused);
  } catch (e) {
    return await fail(toDbError(e, ctx.signal));
  }
  const ms = Date.now() - started;
  try {
    await driver.exec('BEGIN');
    await ctx.history.complete(driver, id, { success: true, executionMs: ms, statementsApplied: at });
    await keepForeignInStep(ctx, step, ms, latestApplied);
    const done = checkpoints.finishedWrite(v, dir);
    await driver.query(done.sql, done.params);
    await driver.exec('COMMIT');
  } catch (e) {
    await rollback(driver);
    return result(step, 'failed', ms, 1, {
      error: `every statement ran, but recording the outcome failed: ${toDbError(e, false).message}`,
      file: step.script.file,
      rolledBack: false,
      invalidIndexes: [],
      nextStep: `run \`pgshift ${dir}\` again: the checkpoint says every statement is done, so only the record is written`,
    });
  }
  const ok = result(step, 'ok', ms, 1);
  return backups.length ? { ...ok, backups } : ok;
}

/**
 * The archive table a batched UPDATE / DELETE copies each batch's old rows into: the one an
 * interrupted run of the same statement began (`resuming`), else a new backup, committed empty.
 */
async function batchedArchive(
  ctx: ApplyContext,
  step: PreparedStep,
  at: number,
  resuming: boolean,
): Promise<{ id: number; table: string } | undefined> {
  const b = ctx.backup;
  const target = step.backup?.plans.find((p) => p.statement === at)?.targets[0];
  if (!b?.enabled || target?.kind !== 'rows' || !target.select) return undefined;
  const s = quoteIdent(b.schema);
  if (resuming) {
    const r = await ctx.driver.query<{ id: string; t: string }>(
      `SELECT b.id, o.archive_table AS t FROM ${s}.backups b JOIN ${s}.backup_objects o ON o.backup_id = b.id AND o.seq = 1
        WHERE b.version = $1 AND b.direction = $2 AND NOT b.verified ORDER BY b.id DESC LIMIT 1`,
      [step.migration.version, step.direction],
    );
    if (r.rows[0]) return { id: Number(r.rows[0].id), table: `${s}.${quoteIdent(r.rows[0].t)}` };
  }
  return inTransaction(ctx.driver, async () => {
    const begin = beginCall(b.schema, step.migration.version, step.migration.name, step.direction);
    const id = Number((await ctx.driver.query<{ begin_backup: string }>(begin)).rows[0].begin_backup);
    const r = await ctx.driver.query<{ t: string }>(`SELECT ${s}.begin_batched($1, $2, $3, $4) AS t`, [
      qualifiedTable(target.table),
      target.how,
      target.set ?? null,
      target.select,
    ]);
    return { id, table: r.rows[0].t };
  });
}

async function finishBatchedArchive(
  ctx: ApplyContext,
  step: PreparedStep,
  id: number,
  rows: number,
): Promise<BackupMade> {
  const s = quoteIdent(ctx.backup!.schema);
  const r = await ctx.driver.query(
    `SELECT id, objects, rows::text AS rows, bytes::text AS bytes FROM ${s}.finish_batched($1, $2::regclass, $3, $4)`,
    [id, ctx.history.qualified, step.migration.version, rows],
  );
  return backupMade(r.rows)!;
}

/** A statement of the file that is not batched: on its own, with the runner's lock retries. */
async function execWithRetries(
  ctx: ApplyContext,
  step: PreparedStep,
  stmt: ScriptStatement,
  invalidBefore: Awaited<ReturnType<typeof invalidIndexes>>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      throwIfAborted(ctx.signal);
      await ctx.driver.exec(stmt.sql);
      return;
    } catch (e) {
      const err = toDbError(e, ctx.signal);
      const canRetry =
        !ctx.signal?.aborted && err.code === LOCK_NOT_AVAILABLE && attempt <= ctx.settings.lockRetries;
      if (!canRetry || !sameIndexes(await invalidIndexes(ctx.driver).catch(() => undefined), invalidBefore))
        throw err;
      await backOff(ctx, step, attempt, err);
    }
  }
}

async function failBatched(
  ctx: ApplyContext,
  step: PreparedStep,
  id: number,
  err: DbError,
  stmt: ScriptStatement | undefined,
  done: number,
  started: number,
  checkpoints: CheckpointTable,
): Promise<StepResult> {
  const { driver } = ctx;
  const ms = Date.now() - started;
  const aborted = ctx.signal?.aborted === true;
  try {
    await driver.exec('BEGIN');
    const at = stmt ? { stmt, position: err.position } : undefined;
    await ctx.history.complete(driver, id, failureOutcome(err, at, ms, done));
    await ctx.foreign?.failed(driver, step.migration, step.direction, ms);
    await driver.exec('COMMIT');
  } catch {
    await rollback(driver);
  }
  const point = await checkpoints
    .read(driver)
    .then((all) => all.find((c) => c.version === step.migration.version && c.direction === step.direction))
    .catch(() => undefined);
  const failure = {
    ...failureFields(err, stmt ? { stmt, position: err.position } : undefined, step),
    rolledBack: false,
    invalidIndexes: [],
    nextStep: continueHint(step, point),
  };
  return result(step, aborted ? 'cancelled' : 'failed', ms, 1, failure);
}

function continueHint(step: PreparedStep, c: Checkpoint | undefined): string {
  const cmd = `pgshift ${step.direction}`;
  if (!c) return `fix ${basename(step.script.file)} if needed and run \`${cmd}\` again`;
  const rows = c.batches
    ? `; ${c.rowsDone.toLocaleString('en-US')}${c.rowsTotal !== null ? ` of ${c.rowsTotal.toLocaleString('en-US')}` : ''} rows of the batched statement are committed (${c.batches} batches)`
    : '';
  return `${c.statement} of ${step.statements.length} statements are done${rows}: \`${cmd}\` continues from there, nothing is done twice`;
}
