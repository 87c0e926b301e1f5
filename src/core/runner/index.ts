/**
 * The runner's facade, shared by the CLI and the VS Code extension: plain data in and out, progress
 * through `onEvent`, cancellation through an AbortSignal, no console output. The caller resolves the
 * target (resolveTarget), opens the driver (openDriver), discovers the migrations
 * (discoverMigrations), calls one of these, and closes the driver.
 */
import type { Driver } from '../db/driver';
import type { MigrationProblem, MigrationSet } from '../migrations/model';
import { prepareSteps } from './prepare';
import { dryRunSteps, type DryRunReport, type DryRunStatement } from './dryrun';
import { describeForeign } from './foreign';
import { HistoryTable, type HistoryEntry } from './history';
import { invalidIndexes, type InvalidIndex } from './invalid-indexes';
import { planDown, planUp, refuseFailed, type DownOptions, type UpOptions } from './plan';
import {
  lockBusy,
  prepareSession,
  readTracking,
  settingsOf,
  withMigrationLock,
  type RunnerInput,
} from './session';
import type { RunnerSettings } from './settings';
import { deriveState, type MigrationStatus } from './state';
import { backupSummary, planStepBackups, type BackupSettings } from './backup';
import {
  listBackups,
  pruneUnderLock,
  restoreBackup,
  type BackupEntry,
  type PruneResult,
  type RestoreResult,
} from './backup-store';
import { onlyNonTransactional } from './statements';
import { groupSummaries, withPhases, type GroupSummary } from '../expand/phases';

export type { GroupSummary } from '../expand/phases';

export { up, down, redo, resolve, type RunResult, type ResolveResult } from './run';
export {
  validate,
  type ValidateInput,
  type ValidationReport,
  type ValidationProblem,
  type LintSummary,
} from './validate';
export { schemaSnapshot, type SnapshotOptions } from './snapshot';
export {
  resolveTarget,
  chosenEnvironment,
  assertMayWrite,
  targetIsAbsent,
  type ResolvedTarget,
  type TargetRequest,
  type WriteCommand,
} from './connect';
export { runnerSettings, type RunnerSettings } from './settings';
export type { RunnerInput } from './session';
export type { RunnerEvent, StepResult, StepFailure } from './apply';
export {
  describeBlocker,
  MONITOR_APPLICATION_NAME,
  PolicyCancel,
  type Blocker,
  type MonitorEvent,
} from './monitor';
export type { MigrationStatus, MigrationState, FailureRecord, MigrationProgress } from './state';
export { progressText } from './state';
export { PAUSED_BY_USER } from './backfill';
export { describeProgress } from './plan';
export type { HistoryEntry } from './history';
export type { BackupSettings, BackupMade, TargetEstimate } from './backup';
export {
  describeObject,
  type BackupEntry,
  type BackupObject,
  type PruneResult,
  type RestoreResult,
} from './backup-store';
export {
  discoverSeeds,
  runSeeds,
  seedEnvironmentOf,
  seedsFor,
  seedStates,
  seedStatus,
  type SeedEvent,
  type SeedRunResult,
  type SeedSet,
  type SeedStatus,
  type SeedsFor,
} from './seed';
export type { InvalidIndex } from './invalid-indexes';
export type { DryRunReport, DryRunMigration, DryRunStatement, DryRunLock, DryRunRewrite } from './dryrun';
export type { LockHolder } from './lock';
export type { UpOptions, DownOptions } from './plan';

export interface StatusInput {
  /** omit when there is no database yet (an embedded one not created): everything reads as pending */
  driver?: Driver;
  set: MigrationSet;
  settings?: Partial<RunnerSettings>;
}

export interface StatusReport {
  /** in version order; repeatables last */
  migrations: MigrationStatus[];
  /** expand/contract groups (`-- pgshift:phase`): the state of each phase */
  groups: GroupSummary[];
  /** 'pgshift.history', plus the foreign table kept in step, e.g. 'golang-migrate table public.schema_migrations' */
  tracking: string[];
  /** another session holds the migration lock right now */
  runInProgress: boolean;
  invalidIndexes: InvalidIndex[];
  /** from discovery: duplicate versions, unreadable files, ups without downs, ... */
  problems: MigrationProblem[];
}

export async function status(input: StatusInput): Promise<StatusReport> {
  const settings = settingsOf(input);
  const historyName = `${settings.historySchema}.history`;
  if (!input.driver) {
    const migrations = withPhases(
      input.set,
      await withOnlyNonTransactional(input.set, deriveState(input.set, []).migrations, settings),
    );
    return {
      migrations,
      groups: groupSummaries(migrations),
      tracking: [historyName],
      runInProgress: false,
      invalidIndexes: [],
      problems: input.set.problems,
    };
  }
  const busy = await lockBusy(input.driver, settings);
  const t = await readTracking(input.driver, input.set, settings, busy);
  const migrations = withPhases(
    input.set,
    await withOnlyNonTransactional(input.set, t.state.migrations, settings),
  );
  return {
    migrations,
    groups: groupSummaries(migrations),
    tracking: [historyName, ...(t.foreignTable ? [describeForeign(t.foreignTable)] : [])],
    runInProgress: busy,
    invalidIndexes: await invalidIndexes(input.driver),
    problems: input.set.problems,
  };
}

/** Marks the migrations that run outside a transaction only because of what they hold (see prepareSteps). */
async function withOnlyNonTransactional(
  set: MigrationSet,
  migrations: MigrationStatus[],
  settings: RunnerSettings,
): Promise<MigrationStatus[]> {
  if (settings.transactionMode === 'none') return migrations;
  // by file and version: a Liquibase changelog holds many migrations
  const byFile = new Map(set.migrations.map((m) => [`${m.up.file}\0${m.version}`, m]));
  return Promise.all(
    migrations.map(async (s) => {
      const m = s.file && !s.noTransaction ? byFile.get(`${s.file}\0${s.version}`) : undefined;
      // a Liquibase changeset runs in a transaction unless it says runInTransaction:false
      const only = m && !m.changeSet ? await onlyNonTransactional(m.up) : undefined;
      return only ? { ...s, noTransaction: true, onlyNonTransactional: only } : s;
    }),
  );
}

export interface HistoryInput {
  driver?: Driver;
  settings?: Partial<RunnerSettings>;
  version?: string;
  /** the newest N attempts */
  limit?: number;
}

/** Every attempt pgshift recorded, oldest first. */
export async function history(input: HistoryInput): Promise<HistoryEntry[]> {
  if (!input.driver) return [];
  const settings = settingsOf(input);
  return new HistoryTable(settings.historySchema).read(input.driver, {
    version: input.version,
    limit: input.limit,
  });
}

export type DryRunInput = RunnerInput &
  UpOptions &
  DownOptions & {
    direction: 'up' | 'down';
    /** called as each statement is traced */
    onStatement?: (version: string, s: DryRunStatement) => void;
  };

/**
 * Runs what `up` (or `down`) would run inside one transaction that is always rolled back. It refuses
 * exactly when the real command would, and writes nothing: the history schema is not even created.
 */
export async function dryRun(input: DryRunInput): Promise<DryRunReport> {
  const settings = settingsOf(input);
  await prepareSession(input.driver);
  return withMigrationLock(input, settings, async () => {
    const t = await readTracking(input.driver, input.set, settings);
    if (t.state.migrations.some((m) => m.state === 'failed')) refuseFailed(t.state);
    const plan =
      input.direction === 'up'
        ? planUp(input.set, t.state, settings, input)
        : planDown(input.set, t.state, settings, input);
    const steps = await prepareSteps(plan.steps);
    if (input.backup?.enabled) await planStepBackups(input.driver, steps, input.backup);
    const report = await dryRunSteps(input.driver, steps, input.direction, settings, input.onStatement);
    report.warnings.unshift(...plan.warnings);
    for (const [i, step] of steps.entries()) {
      const b = step.backup;
      const m = report.migrations[i];
      if (b && m && m.version === step.migration.version) m.backup = backupSummary(b);
    }
    return report;
  });
}

export interface BackupsInput {
  driver?: Driver;
  backup: BackupSettings;
}

/** The backups in the archive schema, newest first. */
export async function backups(input: BackupsInput): Promise<BackupEntry[]> {
  if (!input.driver) return [];
  return listBackups(input.driver, input.backup.schema);
}

/** Puts a backup back (see restoreBackup), holding the migration lock so no migration runs meanwhile. */
export async function restore(
  input: RunnerInput & { backup: BackupSettings; id: number; dryRun?: boolean },
): Promise<RestoreResult> {
  const settings = settingsOf(input);
  return withMigrationLock(input, settings, () =>
    restoreBackup(input.driver, input.backup.schema, input.id, { dryRun: input.dryRun }),
  );
}

/** backup.retentionDays and backup.maxBytes applied now; the newest backup of each applied migration stays. */
export async function prune(input: RunnerInput & { backup: BackupSettings }): Promise<PruneResult> {
  const settings = settingsOf(input);
  return withMigrationLock(input, settings, () => pruneUnderLock(input, settings));
}
