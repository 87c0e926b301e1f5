/**
 * up, down, redo and resolve: take the lock, read the state, plan, run step by step, stop at the
 * first failure, release the lock. State is read only once the lock is held, so six runners started
 * together apply each migration exactly once: the others find nothing left to do.
 */
import { CheckpointTable } from './backfill-progress';
import { unsoakedContracts, withPhases } from '../expand/phases';
import type { MigrationStatus } from './state';
import { PgshiftError } from '../errors';
import { findMigration } from '../migrations/discover';
import { compareVersions } from '../migrations/layouts';
import type { Migration } from '../migrations/model';
import { applyStep, type StepFailure, type StepResult } from './apply';
import { ensureArchive, planStepBackups, resizeStepBackup } from './backup';
import { pruneUnderLock } from './backup-store';
import { writeBackupFiles } from './backup-file';
import { prepareSteps, type PreparedStep } from './prepare';
import { describeInvalidIndexes, invalidIndexes } from './invalid-indexes';
import {
  label,
  planDown,
  planUp,
  refuseFailed,
  runsOutsideTransaction,
  type DownOptions,
  type Plan,
  type UpOptions,
} from './plan';
import {
  foreignWriter,
  prepareSession,
  readTracking,
  settingsOf,
  withMigrationLock,
  type RunnerInput,
  type Tracking,
} from './session';
import { createForeignTable, runRefusal, takeForeignLock } from './foreign';
import { createMonitor, type Monitor } from './monitor';
import type { RunnerSettings } from './settings';
import { appliedVersions, type MigrationState } from './state';

export interface RunResult {
  /** every planned step succeeded */
  ok: boolean;
  command: 'up' | 'down' | 'redo';
  steps: StepResult[];
  /** how many steps were planned (steps.length is smaller when one failed) */
  planned: number;
  warnings: string[];
  /** the step that failed or was cancelled, with the next step to take */
  failure?: StepFailure & { version: string; name: string; direction: 'up' | 'down' };
}

export function up(input: RunnerInput & UpOptions): Promise<RunResult> {
  return runLocked(input, 'up', (tracking, settings) => {
    const plan = planUp(input.set, tracking.state, settings, input);
    refuseUnsoaked(input, plan.steps, tracking.state.migrations);
    return plan;
  });
}

/** A contract whose expand has not soaked for minSoak stops the run before anything of it runs. */
export function refuseUnsoaked(
  input: Pick<UpOptions, 'minSoakMs' | 'soakConfirmed' | 'now'> & { set: RunnerInput['set'] },
  steps: readonly { migration: { version: string; name: string; up: { sql: string } } }[],
  migrations: MigrationStatus[],
): void {
  if (input.soakConfirmed || !input.minSoakMs) return;
  const refusals = unsoakedContracts(
    steps.map((s) => ({ version: s.migration.version, name: s.migration.name, sql: s.migration.up.sql })),
    withPhases(input.set, migrations),
    input.minSoakMs,
    input.now,
  );
  if (!refusals.length) return;
  const r = refusals[0];
  throw new PgshiftError(`refusing to contract: ${r.message}`, {
    hint: r.soakEndsAt
      ? `run it after ${r.soakEndsAt}, once every application instance runs the new code; or confirm now with --yes`
      : 'apply the expand first (pgshift up --to <its version>) and deploy the application; or confirm with --yes',
    code: 'soak',
  });
}

export function down(input: RunnerInput & DownOptions): Promise<RunResult> {
  return runLocked(input, 'down', (tracking, settings) =>
    planDown(input.set, tracking.state, settings, input),
  );
}

/** Rolls back the newest applied migration and applies it again. */
export function redo(input: RunnerInput): Promise<RunResult> {
  return runLocked(input, 'redo', (tracking, settings) => {
    const back = planDown(input.set, tracking.state, settings, { steps: 1 });
    if (!back.steps.length)
      throw new PgshiftError('nothing to redo: no migration is applied', { code: 'nothing-applied' });
    const m = back.steps[0].migration;
    const again = {
      migration: m,
      direction: 'up' as const,
      script: m.up,
      noTransaction: runsOutsideTransaction(m.up, settings),
    };
    return { steps: [...back.steps, again], warnings: back.warnings };
  });
}

/**
 * What up, down and redo share: under the migration lock, read the state (only then is it true),
 * refuse to go on past a failed migration, and run the plan `planOf` makes from that state.
 */
async function runLocked(
  input: RunnerInput,
  command: RunResult['command'],
  planOf: (tracking: Tracking, settings: RunnerSettings) => Plan,
): Promise<RunResult> {
  const settings = settingsOf(input);
  refuseFramework(input, settings);
  await prepareSession(input.driver);
  return withMigrationLock(input, settings, async () => {
    let tracking = await ensureAndRead(input, settings);
    // the tool's own lock too (Liquibase's databasechangeloglock), and the state read again under it
    const release = tracking.foreignTable && (await takeForeignLock(input.driver, tracking.foreignTable));
    try {
      if (release) tracking = await readTracking(input.driver, input.set, settings);
      await refuseFailedWithIndexes(input, tracking);
      return await runPlan(input, settings, tracking, planOf(tracking, settings), command);
    } finally {
      if (release) await release().catch(() => undefined);
    }
  });
}

async function ensureAndRead(input: RunnerInput, settings: RunnerSettings): Promise<Tracking> {
  // a framework's table is created as the framework does when the database has none yet
  let tracking = await readTracking(input.driver, input.set, settings);
  if (!tracking.foreignTable && (await createForeignTable(input.driver, input.set.layout)))
    tracking = await readTracking(input.driver, input.set, settings);
  await tracking.history.ensure(input.driver);
  return tracking;
}

/** A read-only tool's migrations (its own runner applies them) are not run by pgshift. */
function refuseFramework(input: RunnerInput, settings: RunnerSettings): void {
  const refusal = runRefusal(input.set.layout, settings.runFrameworkMigrations);
  if (refusal) throw refusal;
}

async function refuseFailedWithIndexes(input: RunnerInput, tracking: Tracking): Promise<void> {
  if (!tracking.state.migrations.some((m) => m.state === 'failed')) return;
  refuseFailed(tracking.state, describeInvalidIndexes(await invalidIndexes(input.driver)));
}

async function runPlan(
  input: RunnerInput,
  settings: RunnerSettings,
  tracking: Tracking,
  plan: Plan,
  command: RunResult['command'],
): Promise<RunResult> {
  for (const w of plan.warnings) input.onEvent?.({ type: 'warning', message: w });
  // Every file is checked before the first one runs: a refusal leaves the database untouched.
  const prepared: PreparedStep[] = await prepareSteps(plan.steps);
  if (input.backup?.enabled) {
    // sized and refused (over backup.maxBytes) before anything runs; only steps that destroy cost a query
    await planStepBackups(input.driver, prepared, input.backup);
  }
  const monitor = await monitorOf(input, settings);
  try {
    const result = await applySteps(input, { settings, tracking, plan, command, monitor }, prepared);
    if (input.backup && result.steps.some((r) => r.backups?.length)) {
      // retention and size are kept to after each run that added to the archive
      const pruned = await pruneUnderLock({ ...input, backup: input.backup }, settings).catch(
        () => undefined,
      );
      for (const p of pruned?.pruned ?? [])
        input.onEvent?.({
          type: 'warning',
          message: `pruned backup ${p.id} of ${p.version} (${p.reason === 'size' ? 'the archive was over backup.maxBytes' : p.reason === 'age' ? 'older than backup.retentionDays' : 'it never finished'})`,
        });
    }
    return result;
  } finally {
    await monitor?.close();
  }
}

interface RunOf {
  settings: RunnerSettings;
  tracking: Tracking;
  plan: Plan;
  command: RunResult['command'];
  monitor?: Monitor;
}

/** Runs the steps in order and stops at the first that fails (or when the run is cancelled). */
async function applySteps(input: RunnerInput, run: RunOf, prepared: PreparedStep[]): Promise<RunResult> {
  const { settings, tracking, plan, command, monitor } = run;
  // Only golang-migrate's single-row table needs "the newest applied version" after each step.
  const writer = foreignWriter(tracking);
  let applied = writer ? appliedVersions(tracking.state).filter((v) => v !== '') : [];
  const steps: StepResult[] = [];
  let archived = false;
  for (const [i, step] of prepared.entries()) {
    if (input.signal?.aborted) break;
    if (step.backup && input.backup) {
      if (i > 0) await resizeStepBackup(input.driver, step, input.backup);
      // the archive is made by the first step that backs something up, not before
      if (step.backup && !archived) archived = await ensureArchive(input.driver, input.backup.schema);
    }
    const v = step.migration.version;
    const after =
      !writer || step.migration.repeatable
        ? applied
        : step.direction === 'up'
          ? sortedWith(applied, v)
          : applied.filter((x) => compareVersions(x, v) !== 0);
    const res = await applyStep(
      {
        driver: input.driver,
        history: tracking.history,
        foreign: writer,
        settings,
        signal: input.signal,
        onEvent: input.onEvent,
        paused: input.paused,
        monitor,
        backup: input.backup,
      },
      step,
      after[after.length - 1],
    );
    if (input.backup?.file && res.backups?.length) await writeFiles(input, res);
    steps.push(res);
    if (res.failure) {
      return {
        ok: false,
        command,
        steps,
        planned: prepared.length,
        warnings: plan.warnings,
        failure: { ...res.failure, version: v, name: step.migration.name, direction: step.direction },
      };
    }
    applied = after;
  }
  const ok = steps.length === prepared.length;
  return { ok, command, steps, planned: prepared.length, warnings: plan.warnings };
}

/** backup.mode 'file': the step's backups leave the server too; a failure to write them is said, never fatal (the archive has them). */
async function writeFiles(input: RunnerInput, res: StepResult): Promise<void> {
  const b = input.backup!;
  for (const made of res.backups ?? []) {
    try {
      made.file = (await writeBackupFiles(input.driver, b.schema, b.dir, made.id)).folder;
    } catch (e) {
      input.onEvent?.({
        type: 'warning',
        message: `backup ${made.id} is verified in ${b.schema}, but its file could not be written to ${b.dir}: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
}

/** The live view, where the driver can have a second session (not the embedded database). */
async function monitorOf(input: RunnerInput, settings: RunnerSettings): Promise<Monitor | undefined> {
  if (!settings.monitor || !input.openMonitor || !input.driver.supportsConcurrentSessions) return undefined;
  return createMonitor({
    open: input.openMonitor,
    pid: await input.driver.backendPid(),
    settings,
    onEvent: input.onEvent,
  });
}

function sortedWith(list: readonly string[], v: string): string[] {
  return [...list.filter((x) => compareVersions(x, v) !== 0), v].sort(compareVersions);
}

export interface ResolveResult {
  version: string;
  name: string;
  from: MigrationState;
  to: 'applied' | 'pending';
}

/**
 * A person's word on a migration's state, recorded as a history row: `applied` (its changes are in the
 * database) or `rolled-back` (they are not). Meant for failed non-transactional migrations; also
 * baselines a pending migration (--applied) or forgets an applied one (--rolled-back).
 */
export async function resolve(
  input: RunnerInput & { version: string; as: 'applied' | 'rolled-back' },
): Promise<ResolveResult> {
  const settings = settingsOf(input);
  refuseFramework(input, settings);
  await prepareSession(input.driver);
  return withMigrationLock(input, settings, async () => {
    const tracking = await ensureAndRead(input, settings);
    const row = tracking.state.migrations.find(
      (m) => m.version !== '' && compareVersions(m.version, input.version) === 0,
    );
    if (!row)
      throw new PgshiftError(`no migration has version ${input.version}`, {
        hint: 'run `pgshift status` for the list of versions',
        exitCode: 2,
        code: 'usage',
      });
    const allowed: Record<'applied' | 'rolled-back', MigrationState[]> = {
      applied: ['failed', 'partial', 'pending', 'out-of-order', 'modified'],
      'rolled-back': ['failed', 'partial', 'applied', 'modified', 'missing'],
    };
    if (!allowed[input.as].includes(row.state)) {
      throw new PgshiftError(`${label(row)} is ${row.state}: it cannot be resolved as ${input.as}`, {
        hint: `resolve --${input.as} applies to migrations that are ${allowed[input.as].join(', ')}`,
        code: 'resolve-state',
      });
    }
    const m: Migration = findMigration(input.set, row.version) ?? {
      version: row.version,
      name: row.name,
      up: { file: '', sql: '', offset: 0, checksum: row.appliedChecksum ?? '', noTransaction: false },
    };
    const applied = appliedVersions(tracking.state).filter((v) => compareVersions(v, row.version) !== 0);
    const after = input.as === 'applied' ? sortedWith(applied, row.version) : applied;
    const { driver } = input;
    await driver.exec('BEGIN');
    try {
      await tracking.history.recordFinished(
        driver,
        {
          version: m.version,
          name: m.name,
          direction: 'resolve',
          resolvedAs: input.as,
          checksum: input.as === 'applied' ? m.up.checksum || null : null,
          transactional: true,
        },
        { success: true, executionMs: 0 },
      );
      await foreignWriter(tracking)?.resolved(driver, m, input.as, after[after.length - 1]);
      await new CheckpointTable(settings.historySchema).discard(driver, [m.version, row.version]);
      await driver.exec('COMMIT');
    } catch (e) {
      await driver.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return {
      version: row.version,
      name: row.name,
      from: row.state,
      to: input.as === 'applied' ? 'applied' : 'pending',
    };
  });
}
