/**
 * The safety net around a migration that destroys data: which backups it needs (backup-plan.ts), how
 * big they will be (from the catalog, before anything runs), and the settings that decide whether they
 * are made. The copies themselves are made by the server in the migration's transaction (backup-sql.ts);
 * listing, pruning and restoring them is backup-store.ts.
 */
import type { Driver, PipelineStep } from '../db/driver';
import { PgshiftError } from '../errors';
import { formatName } from '../lint/ast';
import { fmtBytes as formatBytes } from '../text';
import { qualifiedTable } from './backfill-plan';
import {
  backupCall,
  beginCall,
  describeTarget,
  planBackups,
  typeChanges,
  type BackupTarget,
  type PlannedBackup,
} from './backup-plan';
import { ARCHIVE_REVISION, archiveDdl } from './backup-sql';
import type { PreparedStep } from './prepare';
import type { ScriptStatement } from './statements';
import { quoteIdent } from './settings';

export interface BackupSettings {
  /** make backups at all (backup.mode not 'off', not the Local sandbox under 'auto', no --no-backup) */
  enabled: boolean;
  /** also write each backup to a compressed file in `dir` (backup.mode 'file') */
  file: boolean;
  schema: string;
  /** absolute */
  dir: string;
  /** refuse a migration whose backup would be bigger; null = no limit */
  maxBytes: number | null;
  retentionDays: number | null;
}

export interface TargetEstimate {
  target: BackupTarget;
  /** 'column users.email', ... */
  what: string;
  rows: number;
  bytes: number;
}

/** A step's backups, once planned and sized. */
export interface StepBackup {
  plans: PlannedBackup[];
  estimates: TargetEstimate[];
  bytes: number;
  rows: number;
}

/** Copies go at about this rate on a 2-core server (bench/backup.mjs: 37–46 MB/s), for the time the dry run states. */
export const COPY_BYTES_PER_SECOND = 40 * 1024 * 1024;

/**
 * Plans and sizes the backups of every step before the first runs, and refuses the run (nothing done)
 * when one would be over backup.maxBytes. Steps that destroy nothing get no plan and cost no query.
 */
export async function planStepBackups(
  driver: Driver,
  steps: PreparedStep[],
  settings: BackupSettings,
): Promise<void> {
  if (!settings.enabled) return;
  let version: number | undefined;
  for (const step of steps) {
    // what a statement destroys does not depend on the server's version: asked first, the catalog only when it matters
    const plans = await planBackups(step.statements, { postgresVersion: 16 });
    if (!plans.length) continue;
    version ??= (await driver.serverVersion()).major;
    step.backup = await sizeBackup(driver, step.statements, version, plans);
    if (step.backup) refuseTooBig(step, settings);
  }
}

/**
 * Sizes a step's backups again right before it runs (a table made by an earlier step of the same run
 * had no size when the run was planned), and refuses it when it has grown over backup.maxBytes.
 */
export async function resizeStepBackup(
  driver: Driver,
  step: PreparedStep,
  settings: BackupSettings,
): Promise<void> {
  if (!step.backup) return;
  step.backup = await sizeBackup(driver, step.statements, (await driver.serverVersion()).major);
  if (step.backup) refuseTooBig(step, settings, ' (the migrations before it were applied)');
}

/**
 * The plans of `statements` with each type change settled by the column's current type, and their
 * sizes from the catalog; undefined when they destroy nothing. `first`: their plans, when known.
 */
export async function sizeBackup(
  driver: Driver,
  statements: readonly ScriptStatement[],
  version: number,
  first?: PlannedBackup[],
): Promise<StepBackup | undefined> {
  first ??= await planBackups(statements, { postgresVersion: version });
  const types = new Map<string, string>();
  // tables a type change alters that do not exist yet (made by an earlier step of this run): size 0 for now
  const absent = new Set<string>();
  for (const c of typeChanges(first)) {
    const r = await driver.query<{ t: string | null; exists: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists,
              (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT attisdropped) AS t`,
      [qualifiedTable(c.table), c.column],
    );
    if (r.rows[0]?.t) types.set(`${formatName(c.table)}.${c.column}`, r.rows[0].t);
    if (!r.rows[0]?.exists) absent.add(formatName(c.table));
  }
  const plans = types.size
    ? await planBackups(statements, {
        postgresVersion: version,
        columnType: (t, c) => types.get(`${formatName(t)}.${c}`),
      })
    : first;
  if (!plans.length) return undefined;
  const estimates: TargetEstimate[] = [];
  for (const p of plans)
    for (const t of p.targets)
      estimates.push(
        t.kind === 'column' && absent.has(formatName(t.table))
          ? { target: t, what: describeTarget(t), rows: 0, bytes: 0 }
          : await estimate(driver, t),
      );
  const bytes = estimates.reduce((n, e) => n + e.bytes, 0);
  const rows = estimates.reduce((n, e) => n + e.rows, 0);
  return { plans, estimates, bytes, rows };
}

export interface BackupSummary {
  objects: { what: string; rows: number; bytes: number }[];
  rows: number;
  bytes: number;
  seconds: number;
}

/** What the dry run and the report say of a backup: each object, the totals, and ≈ seconds at the measured rate. */
export function backupSummary(b: StepBackup): BackupSummary {
  return {
    objects: b.estimates.map((e) => ({ what: e.what, rows: e.rows, bytes: e.bytes })),
    rows: b.rows,
    bytes: b.bytes,
    seconds: Math.round((b.bytes / COPY_BYTES_PER_SECOND) * 10) / 10,
  };
}

function refuseTooBig(step: PreparedStep, settings: BackupSettings, note = ''): void {
  const b = step.backup!;
  if (settings.maxBytes === null || b.bytes <= settings.maxBytes) return;
  throw new PgshiftError(
    `nothing of ${step.migration.version} ${step.migration.name} was run${note}: it destroys ${b.estimates.map((e) => e.what).join(', ')}, whose backup would be about ${formatBytes(b.bytes)}, over backup.maxBytes (${formatBytes(settings.maxBytes)})`,
    {
      hint: 'raise backup.maxBytes in pgshift.config.json (null: no limit), or run with --no-backup to go on without a backup',
      code: 'backup-too-big',
    },
  );
}

/** The rows and bytes a target's copy will have, from the catalog (0 for a table that does not exist yet). */
async function estimate(driver: Driver, t: BackupTarget): Promise<TargetEstimate> {
  const what = describeTarget(t);
  const one = async (sql: string, params: unknown[]): Promise<{ rows: number; bytes: number }> => {
    const r = await driver.query<{ rows: string | null; bytes: string | null }>(sql, params);
    return { rows: Number(r.rows[0]?.rows ?? 0), bytes: Number(r.rows[0]?.bytes ?? 0) };
  };
  switch (t.kind) {
    case 'table':
      return { target: t, what, ...(await one(TABLE_SIZE, [qualifiedTable(t.table)])) };
    case 'schema':
      return { target: t, what, ...(await one(SCHEMA_SIZE, [t.schema])) };
    case 'column':
      return { target: t, what, ...(await one(COLUMN_SIZE, [qualifiedTable(t.table), t.column])) };
    case 'rows': {
      if (!t.select) return { target: t, what, ...(await one(TABLE_SIZE, [qualifiedTable(t.table)])) };
      try {
        const r = await driver.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${t.select}`);
        const raw = r.rows[0]?.['QUERY PLAN'];
        const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, number> }[];
        const rows = Math.round(plan[0].Plan['Plan Rows'] ?? 0);
        return { target: t, what, rows, bytes: rows * ((plan[0].Plan['Plan Width'] ?? 0) + 24) };
      } catch {
        // the table does not exist yet (made by an earlier statement of the same migration)
        return { target: t, what, rows: 0, bytes: 0 };
      }
    }
  }
}

const TABLE_SIZE = `
  SELECT greatest(c.reltuples, 0)::int8 AS rows, pg_table_size(c.oid) AS bytes
    FROM pg_class c WHERE c.oid = to_regclass($1)`;

const SCHEMA_SIZE = `
  SELECT sum(greatest(c.reltuples, 0))::int8 AS rows, sum(pg_table_size(c.oid))::int8 AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`;

// the key and the column: their share of the table by average width (pg_stats when analyzed)
const COLUMN_SIZE = `
  WITH t AS (SELECT c.oid, greatest(c.reltuples, 0) AS n, pg_table_size(c.oid) AS size, n.nspname, c.relname
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)),
       w AS (SELECT a.attname, a.attnum, coalesce(s.avg_width, CASE WHEN a.attlen > 0 THEN a.attlen ELSE 32 END) AS width
               FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
               LEFT JOIN pg_stats s ON s.schemaname = t.nspname AND s.tablename = t.relname AND s.attname = a.attname)
  SELECT t.n::int8 AS rows,
         (t.size * (SELECT sum(width) FROM w WHERE attname = $2
                     OR attnum = ANY (SELECT unnest(indkey::int2[]) FROM pg_index WHERE indrelid = t.oid AND indisprimary))
                 / greatest((SELECT sum(width) FROM w), 1))::int8 AS bytes
    FROM t`;

/** Creates the archive schema, its tables and functions (under the migration lock; idempotent). */
export async function ensureArchive(driver: Driver, schema: string): Promise<true> {
  const r = await driver.query<{ ok: boolean }>(`SELECT to_regprocedure($1) IS NOT NULL AS ok`, [
    `${schema}.${ARCHIVE_REVISION}()`,
  ]);
  if (!r.rows[0]?.ok) await driver.exec(archiveDdl(schema));
  return true;
}

/** A backup as the run reports it. */
export interface BackupMade {
  id: number;
  objects: number;
  rows: number;
  bytes: number;
  /** backup.mode 'file': the folder its files were written to */
  file?: string;
}

/**
 * The calls that copy what statement i destroys, to send right before it: the first also begins the
 * attempt's backup. Undefined for a statement that destroys nothing.
 */
export function backupsBefore(
  schema: string,
  step: PreparedStep,
  /** 'each': every statement's copies are a backup of their own (outside a transaction) */
  begin: 'first' | 'each' = 'first',
): ((i: number) => string | undefined) | undefined {
  const plans = step.backup?.plans;
  if (!plans?.length) return undefined;
  const first = plans[0].statement;
  return (i) => {
    const p = plans.find((x) => x.statement === i);
    if (!p) return undefined;
    const calls = p.targets.map((t) => backupCall(schema, t));
    if (begin === 'each' || i === first)
      calls.unshift(beginCall(schema, step.migration.version, step.migration.name, step.direction));
    return calls.join(';\n');
  };
}

/** After the history row: the backup belongs to it and is verified, in the same commit. Returns BackupMade's columns. */
export function finishBackupStep(schema: string, historyTable: string, version: string): PipelineStep {
  return {
    sql: `SELECT id, objects, rows::text AS rows, bytes::text AS bytes FROM ${quoteIdent(schema)}.finish_backup($1::regclass, $2)`,
    params: [historyTable, version],
  };
}

export function backupMade(rows: readonly Record<string, unknown>[]): BackupMade | undefined {
  const r = rows[0];
  if (!r || r.id == null) return undefined;
  return { id: Number(r.id), objects: Number(r.objects), rows: Number(r.rows), bytes: Number(r.bytes) };
}
