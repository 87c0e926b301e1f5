/**
 * The tracking tables of the tools a project may be coming from, one module per tool behind the
 * Tracker interface (types.ts). When one exists, it is the source of truth for what is applied, and
 * pgshift writes to it exactly as its own tool would, in the same transaction as the migration, so the
 * tool keeps working after pgshift ran. A read-only tool's table is only read: pgshift's runner
 * refuses, naming the tool's own command. A new tool is a module here plus a line in TRACKERS.
 */
import type { Driver } from '../../db/driver';
import { PgshiftError } from '../../errors';
import type { ConcreteLayout, Migration } from '../../migrations/model';
import { runWrite, type Write } from '../write';
import { dbmateTracker } from './dbmate';
import { flywayTracker } from './flyway';
import { golangMigrateTracker } from './golang-migrate';
import { gooseTracker } from './goose';
import { liquibaseTracker } from './liquibase';
import { prismaTracker } from './prisma';
import { nodePgMigrateTracker } from './node-pg-migrate';
import { sqlxTracker } from './sqlx';
import type {
  ForeignKind,
  ForeignRecord,
  ForeignSnapshot,
  ForeignTable,
  Tracker,
  TrackerWriter,
} from './types';

export type {
  ForeignKind,
  ForeignRecord,
  ForeignSnapshot,
  ForeignTable,
  ReadOnlyMode,
  Tracker,
  TrackerWriter,
} from './types';
export { flywayChecksum } from './flyway';

/** Every tool pgshift knows the table of. Order matters only between tables of the same name. */
export const TRACKERS: readonly Tracker[] = [
  golangMigrateTracker,
  dbmateTracker,
  flywayTracker,
  prismaTracker,
  gooseTracker,
  sqlxTracker,
  nodePgMigrateTracker,
  liquibaseTracker,
];

export function trackerOf(kind: ForeignKind): Tracker {
  const t = TRACKERS.find((x) => x.kind === kind);
  if (!t) throw new Error(`no tracker for ${kind}`);
  return t;
}

/** The tool that owns a layout's migrations, when a layout belongs to one tool only (not the classic layouts). */
export function trackerForLayout(layout: ConcreteLayout): Tracker | undefined {
  return TRACKERS.find((t) => t.layouts?.includes(layout));
}

/** The trackers a run of `layout` consults: its own tool's, or for a classic layout every classic tool's. */
function candidates(layout: string | undefined): Tracker[] {
  const own = TRACKERS.filter((t) => t.layouts?.includes(layout as ConcreteLayout));
  return own.length ? own : TRACKERS.filter((t) => t.layouts === undefined);
}

export function describeForeign(t: ForeignTable): string {
  return `${t.kind} table ${t.schema}.${t.table}`;
}

/** Finds a foreign tracking table in the current schema; when several exist, the one matching the layout wins. */
export async function findForeignTable(driver: Driver, layout?: string): Promise<ForeignTable | undefined> {
  const trackers = candidates(layout);
  // constant names of the trackers' own, never user input
  const names = [...new Set(trackers.flatMap((t) => t.tables))];
  const r = await driver.query<{ schema: string; table: string; cols: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, string_agg(a.attname, ',' ORDER BY a.attnum) AS cols
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
        AND c.relname IN (${names.map((n) => `'${n}'`).join(', ')})
      GROUP BY n.nspname, c.relname`,
  );
  const found: ForeignTable[] = [];
  // per table in the order the catalog gave them, the first tool that owns it
  for (const row of r.rows) {
    const cols = row.cols.split(',');
    const owner = trackers.find((t) => t.tables.includes(row.table) && t.owns(row.table, cols));
    if (owner) found.push({ kind: owner.kind, schema: row.schema, table: row.table });
  }
  return found.find((t) => t.kind === layout) ?? found[0];
}

export function readForeign(driver: Driver, t: ForeignTable): Promise<ForeignSnapshot> {
  return trackerOf(t.kind).read(driver, t);
}

export type ForeignVerdict =
  { state: 'applied' | 'failed'; record: ForeignRecord | null } | { state: 'absent' };

// Per snapshot, its records by key: a status of thousands of migrations looks each one up once.
const byKey = new WeakMap<ForeignSnapshot, Map<string, ForeignRecord>>();

export function foreignVerdict(s: ForeignSnapshot, version: string): ForeignVerdict {
  const tracker = trackerOf(s.table.kind);
  let index = byKey.get(s);
  if (!index) {
    index = new Map();
    for (const r of s.records) {
      const k = tracker.key(r.version);
      if (!index.has(k)) index.set(k, r);
    }
    byKey.set(s, index);
  }
  const rec = index.get(tracker.key(version));
  if (rec) return { state: rec.success ? 'applied' : 'failed', record: rec };
  if (s.upTo !== undefined && tracker.below?.(version, s.upTo)) return { state: 'applied', record: null };
  return { state: 'absent' };
}

/** The checksum the tool records for a migration, to compare with its table's (sqlx: SHA-384; Prisma: pgshift's sha256). */
export function foreignScriptChecksum(s: ForeignSnapshot, m: Migration): string {
  return trackerOf(s.table.kind).scriptChecksum?.(m) ?? m.up.checksum;
}

/** Whether the checksum the tool recorded still fits the migration on disk. */
export function foreignChecksumMatches(s: ForeignSnapshot, m: Migration, recorded: string): boolean {
  const tracker = trackerOf(s.table.kind);
  return tracker.checksumMatches?.(m, recorded) ?? recorded === foreignScriptChecksum(s, m);
}

/** The version the tool's records name a migration by (its version, or Liquibase's FILENAME::ID::AUTHOR). */
export function foreignVersion(s: ForeignSnapshot, m: Migration): string {
  return trackerOf(s.table.kind).recordVersion?.(m) ?? m.version;
}

/** Takes the tool's own run lock when it has one (Liquibase); returns the release, undefined without one. */
export async function takeForeignLock(
  driver: Driver,
  t: ForeignTable,
): Promise<(() => Promise<void>) | undefined> {
  return trackerOf(t.kind).lock?.(driver, t);
}

/** Records naming no known migration: applied (or half-done) in the database, file gone. */
export function unmatchedForeign(s: ForeignSnapshot, versions: readonly string[]): ForeignRecord[] {
  const tracker = trackerOf(s.table.kind);
  const known = new Set(versions.map((v) => tracker.key(v)));
  return s.records.filter((r) => !known.has(tracker.key(r.version)));
}

/**
 * Why pgshift must not run this layout's migrations, as an error to throw, or undefined when it may.
 * `allowed`: the config's runner.runFrameworkMigrations.
 */
export function runRefusal(layout: ConcreteLayout, allowed: boolean): PgshiftError | undefined {
  const tracker = trackerForLayout(layout);
  const ro = tracker?.readOnly;
  if (!ro || (ro.overridable && allowed)) return undefined;
  return new PgshiftError(
    `pgshift does not run ${layout} migrations here: ${layout} applies them itself and its table is the truth`,
    {
      hint: ro.overridable
        ? `run \`${ro.command}\`, or set "runner": { "runFrameworkMigrations": true } in pgshift.config.json to let pgshift apply them (it writes ${tracker.tables[0]} as ${layout} does)`
        : `run \`${ro.command}\``,
      exitCode: 2,
    },
  );
}

/**
 * For a run of a framework's layout on a database without its table: creates the table in the
 * current schema as the framework itself does on its first run. True when it did.
 */
export async function createForeignTable(driver: Driver, layout: ConcreteLayout): Promise<boolean> {
  const tracker = trackerForLayout(layout);
  if (!tracker?.create) return false;
  const r = await driver.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  const schema = r.rows[0]?.schema;
  if (!schema) return false;
  for (const sql of tracker.create(schema)) await driver.query(sql);
  return true;
}

/**
 * Keeps the foreign table in step. Every method runs on the caller's session: inside the migration's
 * transaction for a transactional migration, so the foreign row commits or vanishes with it.
 */
export class ForeignWriter {
  private readonly w: TrackerWriter;
  constructor(t: ForeignTable) {
    this.w = trackerOf(t.kind).writer(t);
  }

  /** Before a non-transactional script runs: golang-migrate marks the version dirty, as it does itself. */
  started(driver: Driver, m: Migration): Promise<void> {
    return this.w.started(driver, m);
  }

  /**
   * The foreign table's change for a successful step, as writes to run in order inside the step's
   * transaction; none reads anything back, so the runner pipelines them with the history row.
   * `latestApplied` is the newest version applied once this step is done (golang-migrate stores only
   * that; an out-of-order migration does not move it back, and a down may leave none).
   */
  stepWrites(
    direction: 'up' | 'down',
    m: Migration,
    executionMs: number | 'server',
    latestApplied: string | undefined,
  ): Write[] {
    return this.w.stepWrites(direction, m, executionMs, latestApplied);
  }

  /** After a successful up, on the caller's transaction. */
  async applied(driver: Driver, m: Migration, executionMs: number, latestApplied: string): Promise<void> {
    for (const w of this.stepWrites('up', m, executionMs, latestApplied)) await runWrite(driver, w);
  }

  /** After a successful down, on the caller's transaction. `latestApplied` is the newest version still applied, if any. */
  async rolledBack(
    driver: Driver,
    m: Migration,
    executionMs: number,
    latestApplied: string | undefined,
  ): Promise<void> {
    for (const w of this.stepWrites('down', m, executionMs, latestApplied)) await runWrite(driver, w);
  }

  /** A non-transactional script failed or was interrupted. */
  failed(driver: Driver, m: Migration, direction: 'up' | 'down', executionMs: number): Promise<void> {
    return this.w.failed(driver, m, direction, executionMs);
  }

  /** `pgshift resolve`: a failed (or any) migration declared applied or rolled back by a person. */
  async resolved(
    driver: Driver,
    m: Migration,
    as: 'applied' | 'rolled-back',
    latestApplied: string | undefined,
  ): Promise<void> {
    if ((await this.w.resolved?.(driver, m, as, latestApplied)) === 'done') return;
    if (as === 'applied') return this.applied(driver, m, 0, latestApplied ?? m.version);
    return this.rolledBack(driver, m, 0, latestApplied);
  }
}
