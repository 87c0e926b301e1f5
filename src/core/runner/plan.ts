/**
 * What a run will do, or why it refuses: from the state of every migration to an ordered list of
 * steps. Pure: no database access. Every refusal names the migrations concerned and the next step.
 */
import { basename } from 'node:path';
import { PgshiftError } from '../errors';
import type { Migration, MigrationScript, MigrationSet } from '../migrations/model';
import { compareVersions } from '../migrations/layouts';
import type { RunnerSettings } from './settings';
import { trackingKey, type MigrationStatus, type TrackingState } from './state';

export interface PlanStep {
  migration: Migration;
  direction: 'up' | 'down';
  script: MigrationScript;
  /** runs statement by statement outside a transaction */
  noTransaction: boolean;
  /**
   * set when it runs outside a transaction only because every statement of it is one PostgreSQL
   * refuses in a transaction (their commands, e.g. ['CREATE INDEX CONCURRENTLY']): no directive needed
   */
  onlyNonTransactional?: string[];
}

export interface Plan {
  steps: PlanStep[];
  /** things worth saying that do not stop the run */
  warnings: string[];
}

export interface UpOptions {
  /** apply up to and including this version */
  to?: string;
  /** apply at most this many */
  steps?: number;
  allowOutOfOrder?: boolean;
  /**
   * zeroDowntime.minSoak: a contract migration (`-- pgshift:phase contract`) whose group's expand was
   * applied less than this long ago is refused, unless `soakConfirmed` (--yes, or the editor's confirmation)
   */
  minSoakMs?: number;
  soakConfirmed?: boolean;
  /** the clock, for tests */
  now?: Date;
}

export interface DownOptions {
  /** roll back every migration newer than this version (it stays applied) */
  to?: string;
  /** roll back this many (default 1) */
  steps?: number;
  all?: boolean;
}

export function planUp(
  set: MigrationSet,
  state: TrackingState,
  settings: RunnerSettings,
  opts: UpOptions = {},
): Plan {
  refuseBadFiles(set);
  refuseFailed(state);
  const modified = state.migrations.filter((m) => m.state === 'modified');
  if (modified.length) {
    throw new PgshiftError(
      `${modified.length === 1 ? 'an applied migration was' : `${modified.length} applied migrations were`} edited after it ran: ${modified.map(label).join(', ')}`,
      {
        hint: `restore ${modified.length === 1 ? 'the file' : 'the files'} as applied (see git log -p), and put the change in a new migration`,
        code: 'modified',
      },
    );
  }
  if (opts.to !== undefined && !set.migrations.some((m) => compareVersions(m.version, opts.to!) === 0)) {
    throw new PgshiftError(`--to ${opts.to}: no migration has this version`, {
      hint: 'run `pgshift status` for the list of versions',
      exitCode: 2,
      code: 'usage',
    });
  }
  const byKey = new Map(set.migrations.map((m) => [trackingKey(m), m]));
  refusePartial(state, 'down');
  // a migration whose batches stopped partway continues from its checkpoint, before anything newer
  let candidates = state.migrations.filter(
    (m) =>
      m.state === 'pending' ||
      m.state === 'out-of-order' ||
      (m.state === 'partial' && m.progress?.direction === 'up'),
  );
  if (opts.to !== undefined)
    candidates = candidates.filter((m) => !m.repeatable && compareVersions(m.version, opts.to!) <= 0);
  if (opts.steps !== undefined) candidates = candidates.slice(0, opts.steps);
  const outOfOrder = candidates.filter((m) => m.state === 'out-of-order');
  if (outOfOrder.length && !opts.allowOutOfOrder) {
    const newest = newestApplied(state);
    throw new PgshiftError(
      `${outOfOrder.map(label).join(', ')} ${outOfOrder.length === 1 ? 'has' : 'have'} not run but ${outOfOrder.length === 1 ? 'is' : 'are'} older than the newest applied migration${newest ? ` (${newest})` : ''}`,
      {
        hint: 'give it a version newer than the applied ones, or run with --allow-out-of-order if it does not depend on the migrations after it',
        code: 'out-of-order',
      },
    );
  }
  const warnings = missingWarnings(state);
  const steps = candidates.map((m) => {
    const migration = byKey.get(trackingKey(m))!;
    return {
      migration,
      direction: 'up' as const,
      script: migration.up,
      noTransaction: runsOutsideTransaction(migration.up, settings),
    };
  });
  return { steps, warnings };
}

export function planDown(
  set: MigrationSet,
  state: TrackingState,
  settings: RunnerSettings,
  opts: DownOptions = {},
): Plan {
  refuseBadFiles(set);
  refuseFailed(state);
  refusePartial(state, 'up');
  const partialDown = state.migrations.filter(
    (m) => m.state === 'partial' && m.progress?.direction === 'down',
  );
  const applied = state.migrations
    .filter(
      (m) => !m.repeatable && (m.state === 'applied' || m.state === 'modified' || m.state === 'missing'),
    )
    .reverse();
  let targets: MigrationStatus[];
  if (opts.all) targets = applied;
  else if (opts.to !== undefined) {
    const known = state.migrations.some((m) => compareVersions(m.version, opts.to!) === 0);
    if (!known)
      throw new PgshiftError(`--to ${opts.to}: no migration has this version`, {
        hint: 'run `pgshift status` for the list of versions',
        exitCode: 2,
        code: 'usage',
      });
    targets = applied.filter((m) => compareVersions(m.version, opts.to!) > 0);
  } else targets = applied.slice(0, opts.steps ?? 1);
  // a down whose batches stopped partway is finished first
  if (partialDown.length)
    targets = [...partialDown, ...targets.slice(0, opts.all || opts.to ? undefined : 0)];

  const byKey = new Map(set.migrations.map((m) => [trackingKey(m), m]));
  const noDown = targets.filter((t) => !byKey.get(trackingKey(t))?.down);
  if (noDown.length) {
    const gone = noDown.filter((t) => t.state === 'missing');
    throw new PgshiftError(
      `cannot roll back ${noDown.map(label).join(', ')}: ${gone.length === noDown.length ? 'the migration file is gone' : 'it has no down script'}`,
      {
        hint:
          gone.length === noDown.length
            ? 'restore the migration files (e.g. from git) and try again'
            : 'write the down script next to the up script, or use --to / --steps to stop before this migration',
        code: 'no-down',
      },
    );
  }
  const warnings = targets
    .filter((t) => t.state === 'modified')
    .map(
      (t) =>
        `${label(t)} was edited after it was applied: its down script may not match what is in the database`,
    );
  const steps = targets.map((t) => {
    const migration = byKey.get(trackingKey(t))!;
    const script = migration.down!;
    return {
      migration,
      direction: 'down' as const,
      script,
      noTransaction: runsOutsideTransaction(script, settings),
    };
  });
  return { steps, warnings };
}

export function runsOutsideTransaction(script: MigrationScript, settings: RunnerSettings): boolean {
  return script.noTransaction || settings.transactionMode === 'none';
}

/** Discovery errors (duplicate versions, unreadable or non-UTF-8 files, ...) stop everything. */
function refuseBadFiles(set: MigrationSet): void {
  const errors = set.problems.filter((p) => p.severity === 'error');
  if (!errors.length) return;
  const first = errors[0];
  throw new PgshiftError(
    `nothing was run: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the migration files, first: ${basename(first.file)}: ${first.message}`,
    { hint: 'fix the files (run `pgshift validate` for the full list)', code: 'bad-files' },
  );
}

/** A migration stopped partway in one direction must be finished (or resolved) before a run the other way. */
function refusePartial(state: TrackingState, direction: 'up' | 'down'): void {
  const p = state.migrations.find((m) => m.state === 'partial' && m.progress?.direction === direction);
  if (!p) return;
  throw new PgshiftError(
    `${label(p)} stopped partway through its ${direction} (${describeProgress(p)}); finish it before running the other way`,
    {
      hint: `run \`pgshift ${direction}\` to continue it from its checkpoint, or \`pgshift resolve ${p.version} --${direction === 'up' ? 'applied' : 'rolled-back'}\` once it is complete by hand`,
      code: 'partial',
    },
  );
}

/** '2 of 3 statements done; 40,000 of 1,000,000 rows of the batched statement' */
export function describeProgress(m: MigrationStatus): string {
  const p = m.progress;
  if (!p) return '';
  const statements =
    p.statements !== null
      ? `${p.statement} of ${p.statements} statements done`
      : `${p.statement} statements done`;
  const rows =
    p.rowsTotal !== null
      ? `${p.rowsDone.toLocaleString('en-US')} of ${p.rowsTotal.toLocaleString('en-US')} rows`
      : `${p.rowsDone.toLocaleString('en-US')} rows`;
  return p.batches || p.rowsDone
    ? `${statements}; ${rows} of the batched statement in ${p.batches} batches`
    : statements;
}

/** A failed non-transactional migration blocks every run until a person says what state it is in. */
export function refuseFailed(state: TrackingState, invalidIndexHint?: string): void {
  const running = state.migrations.find((m) => m.state === 'running');
  if (running) {
    throw new PgshiftError(`${label(running)} is being run by another session right now`, {
      hint: 'wait for it to finish, then run `pgshift status`',
      code: 'running',
    });
  }
  const failed = state.migrations.find((m) => m.state === 'failed');
  if (!failed) return;
  const f = failed.failure;
  const how = f?.interrupted
    ? 'was interrupted before it finished'
    : `failed${f?.line ? ` at line ${f.line}` : ''}${f?.error ? `: ${f.error}` : ''}`;
  const partly =
    f?.statementsApplied != null && f.statementsTotal != null
      ? ` (${f.statementsApplied} of ${f.statementsTotal} statements had run)`
      : '';
  throw new PgshiftError(
    `${label(failed)} ${how}${partly}; it ran outside a transaction, so part of it may be in the database`,
    {
      hint:
        `check the database, then run \`pgshift resolve ${failed.version} --applied\` if its changes are all in place, or \`pgshift resolve ${failed.version} --rolled-back\` once they are undone` +
        (invalidIndexHint ? `; ${invalidIndexHint}` : ''),
      code: 'failed',
    },
  );
}

function missingWarnings(state: TrackingState): string[] {
  return state.migrations
    .filter((m) => m.state === 'missing')
    .map((m) => `${label(m)} is applied in the database but its file is gone`);
}

function newestApplied(state: TrackingState): string | undefined {
  const applied = state.migrations.filter(
    (m) => m.state === 'applied' || m.state === 'modified' || m.state === 'missing',
  );
  return applied.length ? applied[applied.length - 1].version : undefined;
}

export function label(m: { version: string; name: string }): string {
  if (!m.version) return `repeatable ${m.name}`;
  return m.name ? `${m.version} (${m.name})` : m.version;
}
