/**
 * The state of every migration, derived from the files, pgshift's history and (when the project comes
 * from another tool) that tool's table, which then decides what counts as applied.
 */
import type { Migration, MigrationSet } from '../migrations/model';
import { compareVersions, versionKey } from '../migrations/layouts';
import type { ForeignKind, ForeignSnapshot } from './foreign';
import { foreignChecksumMatches, foreignVerdict, foreignVersion, unmatchedForeign } from './foreign';
import type { Checkpoint } from './backfill-progress';
import type { HistoryEntry } from './history';

export type MigrationState =
  'applied' | 'pending' | 'failed' | 'modified' | 'missing' | 'out-of-order' | 'running' | 'partial';

/**
 * Where an unfinished migration with batched statements stands (its checkpoint): `up` (or `down`)
 * continues from here. `rowsDone` / `rowsTotal` are those of the batched statement it is in.
 */
export interface MigrationProgress {
  direction: 'up' | 'down';
  /** statements done, of `statements` */
  statement: number;
  statements: number | null;
  rowsDone: number;
  rowsTotal: number | null;
  batches: number;
  updatedAt: string;
}

export interface FailureRecord {
  direction: 'up' | 'down';
  startedAt: string | null;
  /** true when the process died or lost its connection before it could record an outcome */
  interrupted: boolean;
  error: string | null;
  statement: string | null;
  line: number | null;
  statementsApplied: number | null;
  statementsTotal: number | null;
}

export interface MigrationStatus {
  /** '' for repeatable migrations (Flyway R__), which are known by name */
  version: string;
  name: string;
  state: MigrationState;
  appliedAt: string | null;
  executionMs: number | null;
  /** sha256 of the up script on disk (null when the file is gone) */
  checksum: string | null;
  /** sha256 recorded when it was applied (null when not applied, or applied by another tool) */
  appliedChecksum: string | null;
  hasDown: boolean;
  noTransaction: boolean;
  /** runs outside a transaction because it holds only statements PostgreSQL refuses in one: their commands */
  onlyNonTransactional?: string[];
  repeatable: boolean;
  /** the up script's file, when there is one */
  file: string | null;
  failure?: FailureRecord;
  /** state 'partial' (or 'running' with batches): the checkpoint */
  progress?: MigrationProgress;
  /** `-- pgshift:phase` of the up script: one phase of an expand/contract group */
  phase?: import('../sql/directives').Phase;
  group?: string;
}

export interface TrackingState {
  migrations: MigrationStatus[];
  /** the foreign tracking table kept in step, if any */
  foreign?: ForeignKind;
}

/** How history rows and files are matched: '0001' is '1'; repeatables (version '') go by name. */
export function trackingKey(m: { version: string; name: string; repeatable?: boolean }): string {
  return m.repeatable || m.version === '' ? `R:${m.name}` : `V:${versionKey(m.version)}`;
}

interface OwnVerdict {
  state: 'applied' | 'pending' | 'failed' | 'none';
  entry?: HistoryEntry;
  failure?: FailureRecord;
}

/** What pgshift's own history says about each version. */
function ownVerdicts(history: readonly HistoryEntry[]): Map<string, OwnVerdict> {
  const out = new Map<string, OwnVerdict>();
  for (const e of history) {
    // A transactional attempt that failed left nothing behind: it does not change the state.
    if (e.success === false && e.transactional) continue;
    if (e.direction === 'resolve') {
      out.set(
        trackingKey(e),
        e.resolvedAs === 'applied' ? { state: 'applied', entry: e } : { state: 'pending', entry: e },
      );
    } else if (e.success === true) {
      out.set(
        trackingKey(e),
        e.direction === 'up' ? { state: 'applied', entry: e } : { state: 'pending', entry: e },
      );
    } else {
      const interrupted = e.success === null;
      out.set(trackingKey(e), {
        state: 'failed',
        entry: e,
        failure: {
          direction: e.direction,
          startedAt: e.startedAt,
          interrupted,
          error: interrupted ? null : e.error,
          statement: e.errorStatement,
          line: e.errorLine,
          statementsApplied: e.statementsApplied,
          statementsTotal: e.statementsTotal,
        },
      });
    }
  }
  return out;
}

export function deriveState(
  set: MigrationSet,
  history: readonly HistoryEntry[],
  foreign?: ForeignSnapshot,
  lockHeldElsewhere = false,
  checkpoints: readonly Checkpoint[] = [],
): TrackingState {
  const own = ownVerdicts(history);
  const rows: MigrationStatus[] = [];
  for (const m of set.migrations) {
    const row = statusOf(m, own.get(trackingKey(m)) ?? { state: 'none' }, foreign, lockHeldElsewhere);
    rows.push(withCheckpoint(row, m, checkpoints));
  }

  const known = new Set(set.migrations.map(trackingKey));
  if (foreign) {
    const versions = set.migrations.filter((m) => !m.repeatable).map((m) => foreignVersion(foreign, m));
    for (const r of unmatchedForeign(foreign, versions)) {
      const ours = own.get(trackingKey({ version: r.version, name: '' }));
      rows.push(
        goneRow(
          r.version,
          ours?.entry?.name ?? r.name ?? '',
          r.success ? 'missing' : 'failed',
          r.appliedAt,
          r.executionMs,
          ours,
        ),
      );
    }
  } else {
    for (const [key, v] of own) {
      if (
        known.has(key) ||
        (v.state !== 'applied' && v.state !== 'failed') ||
        !v.entry ||
        v.entry.version === ''
      )
        continue;
      rows.push(
        goneRow(
          v.entry.version,
          v.entry.name,
          v.state === 'applied' ? 'missing' : 'failed',
          v.entry?.finishedAt ?? null,
          v.entry?.executionMs ?? null,
          v,
        ),
      );
    }
  }

  const versioned = rows.filter((r) => !r.repeatable).sort((a, b) => compareVersions(a.version, b.version));
  const repeatables = rows.filter((r) => r.repeatable);
  // Liquibase runs every changeset not yet run, wherever it stands: none is out of order
  if (set.layout !== 'liquibase') markOutOfOrder(versioned);
  return { migrations: [...versioned, ...repeatables], foreign: foreign?.table.kind };
}

function statusOf(
  m: Migration,
  ours: OwnVerdict,
  foreign: ForeignSnapshot | undefined,
  lockHeldElsewhere: boolean,
): MigrationStatus {
  const base: MigrationStatus = {
    version: m.version,
    name: m.name,
    state: 'pending',
    appliedAt: null,
    executionMs: null,
    checksum: m.up.checksum,
    appliedChecksum: null,
    hasDown: m.down !== undefined,
    noTransaction: m.up.noTransaction,
    repeatable: m.repeatable === true,
    file: m.up.file,
  };
  let state: 'applied' | 'pending' | 'failed';
  let appliedAt: string | null = null;
  let executionMs: number | null = null;
  let foreignChecksum: string | null = null;
  if (foreign && !m.repeatable) {
    const f = foreignVerdict(foreign, foreignVersion(foreign, m));
    if (f.state === 'failed') state = 'failed';
    else if (f.state === 'applied') {
      state = 'applied';
      appliedAt = f.record?.appliedAt ?? null;
      executionMs = f.record?.executionMs ?? null;
      // compared with what the tool would record for the file on disk (its own checksum algorithm)
      foreignChecksum =
        f.record?.checksum === undefined
          ? null
          : foreignChecksumMatches(foreign, m, f.record.checksum)
            ? m.up.checksum
            : `${f.record.checksum} (${foreign.table.kind})`;
    } else state = ours.state === 'failed' ? 'failed' : 'pending';
  } else {
    state = ours.state === 'none' ? 'pending' : ours.state;
  }
  if (state === 'failed') {
    // An unfinished attempt is a running one while another session holds the migration lock.
    const running = ours.failure?.interrupted && lockHeldElsewhere;
    return {
      ...base,
      state: running ? 'running' : 'failed',
      failure: ours.failure ?? {
        direction: 'up',
        startedAt: null,
        interrupted: false,
        error: 'marked dirty (failed) in the foreign tracking table',
        statement: null,
        line: null,
        statementsApplied: null,
        statementsTotal: null,
      },
    };
  }
  if (state === 'pending') return base;
  // applied
  const e = ours.state === 'applied' ? ours.entry : undefined;
  const appliedChecksum = e?.checksum ?? foreignChecksum;
  const row: MigrationStatus = {
    ...base,
    state: 'applied',
    appliedAt: e?.finishedAt ?? appliedAt,
    executionMs: e ? e.executionMs : executionMs,
    appliedChecksum,
  };
  if (appliedChecksum !== null && appliedChecksum !== m.up.checksum)
    row.state = m.repeatable ? 'pending' : 'modified';
  return row;
}

/**
 * A failed or interrupted attempt of a script with batches whose checkpoint belongs to the same file is
 * not stuck: it is 'partial', and the next run of its direction continues from the checkpoint.
 */
function withCheckpoint(
  row: MigrationStatus,
  m: Migration,
  checkpoints: readonly Checkpoint[],
): MigrationStatus {
  if (row.state !== 'failed' && row.state !== 'running') return row;
  const c = checkpoints.find(
    (x) =>
      versionKey(x.version) === versionKey(m.version) && x.direction === (row.failure?.direction ?? 'up'),
  );
  const script = c?.direction === 'down' ? m.down : m.up;
  if (!c || !script || c.checksum !== script.checksum) return row;
  return {
    ...row,
    state: row.state === 'running' ? 'running' : 'partial',
    progress: {
      direction: c.direction,
      statement: c.statement,
      statements: row.failure?.statementsTotal ?? null,
      rowsDone: c.rowsDone,
      rowsTotal: c.rowsTotal,
      batches: c.batches,
      updatedAt: c.updatedAt,
    },
  };
}

function goneRow(
  version: string,
  name: string,
  state: 'missing' | 'failed',
  appliedAt: string | null,
  executionMs: number | null,
  ours: OwnVerdict | undefined,
): MigrationStatus {
  return {
    version,
    name,
    state,
    appliedAt,
    executionMs,
    checksum: null,
    appliedChecksum: ours?.entry?.checksum ?? null,
    hasDown: false,
    noTransaction: false,
    repeatable: false,
    file: null,
    failure: state === 'failed' ? ours?.failure : undefined,
  };
}

/** Pending migrations older than the newest applied one. */
function markOutOfOrder(rows: MigrationStatus[]): void {
  let newestApplied: string | undefined;
  for (const r of rows) {
    if (
      r.state === 'applied' ||
      r.state === 'modified' ||
      r.state === 'missing' ||
      r.state === 'failed' ||
      r.state === 'running' ||
      r.state === 'partial'
    ) {
      if (newestApplied === undefined || compareVersions(r.version, newestApplied) > 0)
        newestApplied = r.version;
    }
  }
  if (newestApplied === undefined) return;
  for (const r of rows)
    if (r.state === 'pending' && compareVersions(r.version, newestApplied) < 0) r.state = 'out-of-order';
}

/** '40,000 / 1,000,000 rows (4%)' of the batched statement, or 'statement 2 of 3'. */
export function progressText(m: MigrationStatus): string {
  const p = m.progress;
  if (!p) return '';
  if (p.rowsTotal !== null && (p.batches > 0 || p.rowsDone > 0)) {
    const pct = p.rowsTotal > 0 ? Math.floor((p.rowsDone / p.rowsTotal) * 100) : 100;
    return `${p.rowsDone.toLocaleString('en-US')} / ${p.rowsTotal.toLocaleString('en-US')} rows (${pct}%)`;
  }
  return `statement ${p.statement + 1}${p.statements !== null ? ` of ${p.statements}` : ''}`;
}
/** Versions counted as applied (applied or modified), in apply order. */
export function appliedVersions(state: TrackingState): string[] {
  return state.migrations
    .filter((m) => m.state === 'applied' || m.state === 'modified' || m.state === 'missing')
    .map((m) => m.version);
}
