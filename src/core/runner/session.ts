/**
 * What every runner operation shares: the input it is given, the session set-up, reading the
 * tracking state, and holding the migration lock around a piece of work.
 */
import type { Driver } from '../db/driver';
import { CheckpointTable } from './backfill-progress';
import type { MigrationSet } from '../migrations/model';
import type { RunnerEvent } from './apply';
import type { BackupSettings } from './backup';
import { findForeignTable, readForeign, ForeignWriter, type ForeignTable } from './foreign';
import { HistoryTable, type HistoryEntry } from './history';
import { acquireMigrationLock, describeHolder, lockHolder } from './lock';
import { runnerSettings, type RunnerSettings } from './settings';
import { deriveState, type TrackingState } from './state';

export interface RunnerInput {
  /** an open session on the target (the caller opens and closes it) */
  driver: Driver;
  /** the migrations on disk (discoverMigrations) */
  set: MigrationSet;
  /** the config's runner section, with any environment overrides (defaults fill the rest) */
  settings?: Partial<RunnerSettings>;
  /** progress: lock waits, each step and statement, retries, warnings */
  onEvent?: (e: RunnerEvent) => void;
  /** aborting cancels the running statement (pg_cancel_backend) and stops after it, leaving a truthful state */
  signal?: AbortSignal;
  /** true while the person has paused the run (the editor's Pause): a batched backfill starts no new batch */
  paused?: () => boolean;
  /**
   * Opens a second session on the same database for the live view (who the migration waits on, who
   * waits behind it) and the runner.maxBlockingMs / maxQueued policy; without it there is neither.
   */
  openMonitor?: () => Promise<Driver>;
  /** backups of what migrations destroy (backup.* in the config); none without it */
  backup?: BackupSettings;
}

export interface Tracking {
  state: TrackingState;
  history: HistoryTable;
  foreignTable?: ForeignTable;
  entries: HistoryEntry[];
}

export function settingsOf(input: { settings?: Partial<RunnerSettings> }): RunnerSettings {
  return runnerSettings(input.settings);
}

/** Lets the server notice a vanished client within a second (PG 14+), so a killed runner's locks go quickly. */
export async function prepareSession(driver: Driver): Promise<void> {
  if (!driver.supportsConcurrentSessions) return;
  try {
    const v = await driver.serverVersion();
    if (v.major >= 14)
      await driver.query(`SELECT set_config('client_connection_check_interval', '1000', false)`);
  } catch {
    // not important enough to fail a run for
  }
}

export async function readTracking(
  driver: Driver,
  set: MigrationSet,
  settings: RunnerSettings,
  lockHeldElsewhere = false,
): Promise<Tracking> {
  const history = new HistoryTable(settings.historySchema);
  const entries = await history.read(driver);
  const foreignTable = await findForeignTable(driver, set.layout);
  const foreign = foreignTable ? await readForeign(driver, foreignTable) : undefined;
  const checkpoints = await new CheckpointTable(settings.historySchema).read(driver);
  return {
    state: deriveState(set, entries, foreign, lockHeldElsewhere, checkpoints),
    history,
    foreignTable,
    entries,
  };
}

export function foreignWriter(t: Tracking): ForeignWriter | undefined {
  return t.foreignTable ? new ForeignWriter(t.foreignTable) : undefined;
}

/** Whether another session holds the migration lock right now (a run is in progress). */
export async function lockBusy(driver: Driver, settings: RunnerSettings): Promise<boolean> {
  return (await lockHolder(driver, settings.historySchema)) !== undefined;
}

/** Runs `fn` while holding the session-level migration lock; always releases it. */
export async function withMigrationLock<T>(
  input: Pick<RunnerInput, 'driver' | 'signal' | 'onEvent'>,
  settings: RunnerSettings,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = await acquireMigrationLock(input.driver, settings.historySchema, {
    waitSeconds: settings.lockWaitSeconds,
    signal: input.signal,
    onWait: (holder) =>
      input.onEvent?.({
        type: 'lock-wait',
        holder,
        message: `waiting up to ${settings.lockWaitSeconds} s for the migration lock, held by ${describeHolder(holder)}`,
      }),
  });
  input.onEvent?.({ type: 'lock-acquired' });
  try {
    return await fn();
  } finally {
    await lock.release().catch(() => undefined);
  }
}
