/**
 * A dry run: the planned migrations executed in ONE transaction that is always rolled back, with a
 * short lock_timeout, tracing each statement: the locks it took (pg_locks of our own backend, new
 * ones only), the tables and indexes it rewrote (relfilenode changed), the rows it touched and its
 * duration. Statements PostgreSQL refuses in a transaction, and the file's own transaction control,
 * are described and never executed. Nothing is written: not the history, not the foreign table; and
 * sequences advanced by the run (nextval is not transactional) are set back when nobody else moved them.
 */
import type { BackupSummary } from './backup';
import { DbError, type Driver } from '../db/driver';
import { PgshiftError } from '../errors';
import { LOCK_MODES, normalizeLockMode } from '../pg/lock-modes';
import type { PreparedStep } from './prepare';
import { durationMs, quoteIdent, type RunnerSettings } from './settings';
import type { BatchOptions } from '../sql/directives';
import { countRows, planBatches } from './backfill';
import { batchSql } from './backfill-plan';
import { classifyStatement, type ScriptStatement } from './statements';
import { LOCK_NOT_AVAILABLE } from '../sqlstate';

export interface DryRunLock {
  /** 'ACCESS EXCLUSIVE', 'SHARE', ... */
  mode: string;
  relation: string;
  /** the relation did not exist before the dry run: the lock blocks no one */
  created?: true;
}

export interface DryRunRewrite {
  relation: string;
  kind: 'table' | 'index' | 'materialized view' | 'relation';
}

export interface DryRunStatement {
  line: number;
  sql: string;
  /** null when not executed */
  durationMs: number | null;
  locks: DryRunLock[];
  rewrites: DryRunRewrite[];
  /** rows inserted/updated/deleted (or returned), null for DDL or when not executed */
  rows: number | null;
  /** set when the statement was not executed: what it would do */
  skipped?: string;
  /** set when the statement failed: the dry run stops there */
  error?: string;
  /**
   * A `-- pgshift:batch` statement: one sample batch ran (its rows and time are `rows` and
   * `durationMs`), and the whole job is estimated from it.
   */
  batch?: { total: number; size: number | 'auto'; batches: number; estimatedMs: number; key: string };
}

export interface DryRunMigration {
  version: string;
  name: string;
  direction: 'up' | 'down';
  noTransaction: boolean;
  /** it runs outside a transaction only because it holds nothing but these commands */
  onlyNonTransactional?: string[];
  statements: DryRunStatement[];
  /** what the real run would copy into the archive first (backups on), with its size and time */
  backup?: BackupSummary;
}

export interface DryRunReport {
  direction: 'up' | 'down';
  migrations: DryRunMigration[];
  /** true when every statement ran (or was skipped as described) without error */
  ok: boolean;
  /** sequences the run had advanced, set back after the rollback */
  restoredSequences: string[];
  warnings: string[];
}

/** The longest lock wait a dry run accepts: it must never queue behind production traffic for long. */
const DRY_RUN_LOCK_TIMEOUT_MS = 2000;

interface Relation {
  name: string;
  filenode: string;
  kind: string;
}

interface Snapshot {
  relations: Map<string, Relation>;
  /** 'oid mode' of relation locks held by this backend (pg_locks spelling: 'AccessExclusiveLock') */
  locks: Set<string>;
  txStart: string;
}

export async function dryRunSteps(
  driver: Driver,
  steps: readonly PreparedStep[],
  direction: 'up' | 'down',
  settings: RunnerSettings,
  onStatement?: (version: string, s: DryRunStatement) => void,
): Promise<DryRunReport> {
  const report: DryRunReport = { direction, migrations: [], ok: true, restoredSequences: [], warnings: [] };
  const sequencesBefore = await readSequences(driver);
  await driver.exec('BEGIN');
  try {
    const lockMs = Math.min(
      durationMs(settings.lockTimeout) ?? DRY_RUN_LOCK_TIMEOUT_MS,
      DRY_RUN_LOCK_TIMEOUT_MS,
    );
    const params: unknown[] = [`${lockMs}ms`];
    let sql = `SELECT set_config('lock_timeout', $1, true)`;
    if (settings.statementTimeout !== null) {
      params.push(settings.statementTimeout);
      sql += `, set_config('statement_timeout', $2, true)`;
    }
    await driver.query(sql, params);
    const initial = await snapshot(driver);
    let before = initial;
    outer: for (const step of steps) {
      const mig: DryRunMigration = {
        version: step.migration.version,
        name: step.migration.name,
        direction: step.direction,
        noTransaction: step.noTransaction,
        ...(step.onlyNonTransactional ? { onlyNonTransactional: step.onlyNonTransactional } : {}),
        statements: [],
      };
      report.migrations.push(mig);
      for (const [index, stmt] of step.statements.entries()) {
        const batch = step.script.data?.batches.find((b) => b.statement === index);
        const entry: DryRunStatement = {
          line: stmt.line,
          sql: stmt.sql,
          durationMs: null,
          locks: [],
          rewrites: [],
          rows: null,
        };
        mig.statements.push(entry);
        const kind = await classifyStatement(stmt.sql);
        if (kind.kind === 'transaction-control') {
          entry.skipped = `${kind.command}: transaction control, never executed by a dry run`;
        } else if (kind.kind === 'no-transaction') {
          entry.skipped = `${kind.command} cannot run inside a transaction, so the dry run does not execute it: it ${kind.detail}`;
        } else {
          const t0 = process.hrtime.bigint();
          try {
            if (batch?.options) await sampleBatch(driver, stmt, batch.options, entry);
            else {
              const res = await driver.exec(stmt.sql);
              entry.durationMs = elapsed(t0);
              const last = res[res.length - 1];
              entry.rows = last && last.command && ROW_COMMANDS.has(last.command) ? last.rowCount : null;
            }
          } catch (e) {
            entry.durationMs = elapsed(t0);
            entry.error = describeError(e);
            report.ok = false;
            onStatement?.(mig.version, entry);
            break outer;
          }
          const after = await snapshot(driver);
          if (after.txStart !== initial.txStart) {
            // Something ended our transaction: its work may be committed. Say so and stop at once.
            throw new PgshiftError(
              `the dry run's transaction was ended by ${step.migration.version} line ${stmt.line}; its changes may have been committed`,
              {
                hint: 'inspect the database; report this statement to the pgshift maintainers',
                code: 'dry-run-escaped',
              },
            );
          }
          entry.locks = newLocks(before, after, initial);
          entry.rewrites = rewrites(before, after);
          before = after;
        }
        onStatement?.(mig.version, entry);
      }
    }
  } finally {
    await driver.exec('ROLLBACK');
  }
  report.restoredSequences = await restoreSequences(driver, sequencesBefore);
  if (report.migrations.length > 1) {
    report.warnings.push(
      'all migrations ran in one transaction: a lock an earlier migration already held is not listed again for a later one (a real run commits between migrations)',
    );
  }
  return report;
}

const SAMPLE_SIZE = 1000;

/**
 * A batched statement in a dry run: the rows it would touch in all, then one batch of the size it
 * would start with (rolled back with the rest), and the whole job estimated from that sample.
 */
async function sampleBatch(
  driver: Driver,
  stmt: ScriptStatement,
  options: BatchOptions,
  entry: DryRunStatement,
): Promise<void> {
  const plan = await planBatches(driver, stmt, options);
  const total = await countRows(driver, plan);
  const size = options.size === 'auto' ? SAMPLE_SIZE : options.size;
  const t0 = process.hrtime.bigint();
  const r = await driver.query<{ rows: string }>(batchSql(plan.shape, plan.key, true), [size]);
  entry.durationMs = elapsed(t0);
  entry.rows = Number(r.rows[0]?.rows ?? 0);
  const perRow = entry.rows > 0 ? entry.durationMs / entry.rows : 0;
  // size=auto settles on batches of about the target duration
  const rowsPerBatch =
    options.size === 'auto'
      ? perRow > 0
        ? Math.max(1, Math.round(options.targetMs / perRow))
        : total
      : size;
  const batches = total > 0 ? Math.ceil(total / Math.max(1, rowsPerBatch)) : 0;
  entry.batch = {
    total,
    size: options.size,
    batches,
    estimatedMs: Math.round(total * perRow + batches * options.delayMs),
    key: plan.key.column,
  };
}

function elapsed(t0: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100;
}

const ROW_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SELECT', 'COPY', 'MOVE', 'FETCH']);

const USER_NAMESPACES = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

async function snapshot(driver: Driver): Promise<Snapshot> {
  const rels = await driver.query<{ oid: string; name: string; filenode: string; kind: string; tx: string }>(
    `SELECT c.oid::int8::text AS oid, c.oid::regclass::text AS name, c.relfilenode::int8::text AS filenode, c.relkind::text AS kind,
            now()::text AS tx
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NAMESPACES}`,
  );
  const locks = await driver.query<{ oid: string; mode: string; tx: string }>(
    `SELECT l.relation::int8::text AS oid, l.mode, now()::text AS tx
       FROM pg_locks l
      WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  const txStart =
    rels.rows[0]?.tx ?? (await driver.query<{ tx: string }>('SELECT now()::text AS tx')).rows[0].tx;
  return {
    relations: new Map(rels.rows.map((r) => [r.oid, { name: r.name, filenode: r.filenode, kind: r.kind }])),
    locks: new Set(locks.rows.map((l) => `${l.oid} ${l.mode}`)),
    txStart,
  };
}

/**
 * The locks this statement added: per relation, the strongest new mode, unless the transaction already
 * held one at least as strong (then the statement made nobody wait longer).
 */
function newLocks(before: Snapshot, after: Snapshot, initial: Snapshot): DryRunLock[] {
  const held = (snap: Snapshot): Map<string, number> => {
    const m = new Map<string, number>();
    for (const key of snap.locks) {
      const [oid, mode] = key.split(' ');
      const rank = LOCK_MODES.indexOf(normalizeLockMode(mode) ?? 'ACCESS SHARE');
      m.set(oid, Math.max(m.get(oid) ?? -1, rank));
    }
    return m;
  };
  const was = held(before);
  const out: DryRunLock[] = [];
  for (const [oid, rank] of held(after)) {
    if (rank <= (was.get(oid) ?? -1)) continue;
    // Locks on catalogs, and on relations created and dropped within the statement, are not the user's concern.
    const rel = after.relations.get(oid) ?? before.relations.get(oid);
    if (!rel) continue;
    // nextval() takes ROW EXCLUSIVE on the sequence, which makes no one wait: noise in a lock report.
    if (rel.kind === 'S' && rank <= LOCK_MODES.indexOf('ROW EXCLUSIVE')) continue;
    const lock: DryRunLock = { mode: LOCK_MODES[rank], relation: rel.name };
    if (!initial.relations.has(oid)) lock.created = true;
    out.push(lock);
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation));
}

function rewrites(before: Snapshot, after: Snapshot): DryRunRewrite[] {
  const out: DryRunRewrite[] = [];
  for (const [oid, rel] of after.relations) {
    const old = before.relations.get(oid);
    if (!old || old.filenode === rel.filenode || old.filenode === '0') continue;
    const kind =
      rel.kind === 'r'
        ? 'table'
        : rel.kind === 'i'
          ? 'index'
          : rel.kind === 'm'
            ? 'materialized view'
            : 'relation';
    if (rel.kind === 't' || rel.kind === 'S') continue;
    out.push({ relation: rel.name, kind });
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation));
}

interface SequenceValue {
  name: string;
  lastValue: string;
  isCalled: boolean;
}

async function readSequences(driver: Driver): Promise<SequenceValue[]> {
  const seqs = await driver.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND ${USER_NAMESPACES} AND has_table_privilege(c.oid, 'SELECT')`,
  );
  if (!seqs.rows.length) return [];
  const parts = seqs.rows.map((s, i) => {
    const q = `${quoteIdent(s.schema)}.${quoteIdent(s.name)}`;
    return `SELECT ${i} AS i, last_value::text AS last_value, is_called FROM ${q}`;
  });
  const r = await driver.query<{ i: number; last_value: string; is_called: boolean }>(
    parts.join(' UNION ALL '),
  );
  return r.rows.map((x) => {
    const s = seqs.rows[x.i];
    return {
      name: `${quoteIdent(s.schema)}.${quoteIdent(s.name)}`,
      lastValue: x.last_value,
      isCalled: x.is_called,
    };
  });
}

/** Sets back the sequences the dry run advanced, only where the value is still the one the run left. */
async function restoreSequences(driver: Driver, before: SequenceValue[]): Promise<string[]> {
  if (!before.length) return [];
  const now = await readSequences(driver);
  const restored: string[] = [];
  for (const b of before) {
    const n = now.find((x) => x.name === b.name);
    if (!n || (n.lastValue === b.lastValue && n.isCalled === b.isCalled)) continue;
    const r = await driver.query<{ v: string | null }>(
      `SELECT setval($1::regclass, $2::bigint, $3) AS v FROM ${b.name} WHERE last_value = $4::bigint AND is_called = $5`,
      [b.name, b.lastValue, b.isCalled, n.lastValue, n.isCalled],
    );
    if (r.rows.length) restored.push(b.name);
  }
  return restored;
}

function describeError(e: unknown): string {
  if (e instanceof DbError) {
    if (e.code === LOCK_NOT_AVAILABLE)
      return `${e.message} — another session holds a conflicting lock; a real run would wait up to lock_timeout for it`;
    return e.code ? `${e.message} (SQLSTATE ${e.code})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
