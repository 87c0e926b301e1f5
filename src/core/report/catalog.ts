/**
 * What the estimate reads from the target's catalog: a relation's size, rows, columns, indexes and
 * constraints; the settings that shape maintenance work; and the transactions open right now that a
 * migration would queue behind. Read-only queries only.
 */
import type { Driver } from '../db/driver';
import type { QualifiedName } from '../lint/ast';
import { normalizeLockMode, type LockMode } from '../pg/lock-modes';
import type { LongTransaction } from './model';

export interface IndexInfo {
  name: string;
  /** pg_get_indexdef() */
  def: string;
  bytes: number;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** key column names; '' for an expression */
  columns: string[];
}

export interface ColumnInfo {
  name: string;
  /** format_type() */
  type: string;
  notNull: boolean;
  generated: boolean;
  /** average width from pg_stats, when analyzed */
  avgWidth?: number;
}

export interface ConstraintInfo {
  name: string;
  /** 'c' check, 'f' foreign key, 'p', 'u', 'x', 'n' (PG 18 not-null) */
  type: string;
  def: string;
  validated: boolean;
  /** for 'f': the referenced table as 'schema.name' */
  references?: string;
}

export interface RelationInfo {
  oid: number;
  schema: string;
  name: string;
  /** quote_ident(schema) || '.' || quote_ident(name) */
  sqlName: string;
  relkind: string;
  pages: number;
  rows: number;
  rowsSource: 'reltuples' | 'n_live_tup' | 'count' | 'none';
  bytes: number;
  totalBytes: number;
  indexes: IndexInfo[];
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  reloptions: string[];
  /** tables whose foreign keys point at this one */
  referencedBy: string[];
}

/** The relation `q` names on the target (search_path applies to an unqualified name), or undefined. */
export async function relationInfo(driver: Driver, q: QualifiedName): Promise<RelationInfo | undefined> {
  const r = await driver.query<{
    oid: number;
    schema: string;
    name: string;
    sqlname: string;
    relkind: string;
    relpages: number;
    reltuples: number;
    bytes: string;
    total: string;
    n_live_tup: string | null;
    block: string;
    reloptions: string[] | null;
  }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
            quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS sqlname, c.relkind::text AS relkind,
            c.relpages::int AS relpages, c.reltuples::float8 AS reltuples,
            pg_relation_size(c.oid)::text AS bytes, pg_total_relation_size(c.oid)::text AS total,
            s.n_live_tup::text AS n_live_tup, current_setting('block_size') AS block, c.reloptions
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.oid = to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2::text) ELSE quote_ident($1::text) || '.' || quote_ident($2::text) END)`,
    [q.schema ?? null, q.name],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const bytes = Number(row.bytes);
  const block = Number(row.block) || 8192;
  const pages = Math.max(Math.round(bytes / block), 0);
  // Like the planner: the density of the last ANALYZE applied to the current number of pages.
  let rows = 0;
  let rowsSource: RelationInfo['rowsSource'] = 'none';
  if (row.reltuples >= 0 && row.relpages > 0) {
    rows = Math.round((row.reltuples / row.relpages) * pages);
    rowsSource = 'reltuples';
  } else if (row.n_live_tup !== null && Number(row.n_live_tup) > 0) {
    rows = Number(row.n_live_tup);
    rowsSource = 'n_live_tup';
  } else if (pages > 0 && (row.relkind === 'r' || row.relkind === 'm')) {
    rows = await countRows(driver, row.sqlname, pages);
    rowsSource = 'count';
  }
  // one session runs one query at a time
  const indexes = await indexesOf(driver, row.oid);
  const columns = await columnsOf(driver, row.oid);
  const constraints = await constraintsOf(driver, row.oid);
  const referencedBy = await referencingTables(driver, row.oid);
  return {
    oid: row.oid,
    schema: row.schema,
    name: row.name,
    sqlName: row.sqlname,
    relkind: row.relkind,
    pages,
    rows,
    rowsSource,
    bytes,
    totalBytes: Number(row.total),
    indexes,
    columns,
    constraints,
    reloptions: row.reloptions ?? [],
    referencedBy,
  };
}

/** Never analyzed: count small tables, extrapolate a 1 % page sample of big ones. */
async function countRows(driver: Driver, sqlName: string, pages: number): Promise<number> {
  if (pages <= 12_800) {
    const r = await driver.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sqlName}`);
    return Number(r.rows[0]?.n ?? 0);
  }
  const r = await driver.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${sqlName} TABLESAMPLE SYSTEM (1) REPEATABLE (1)`,
  );
  return Number(r.rows[0]?.n ?? 0) * 100;
}

async function indexesOf(driver: Driver, oid: number): Promise<IndexInfo[]> {
  const r = await driver.query<{
    name: string;
    def: string;
    bytes: string;
    unique: boolean;
    primary: boolean;
    valid: boolean;
    columns: string[] | null;
  }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, pg_relation_size(i.indexrelid)::text AS bytes,
            i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
            ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                   WHERE k.ord <= i.indnkeyatts ORDER BY k.ord) AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1 ORDER BY c.relname`,
    [oid],
  );
  return r.rows.map((x) => ({ ...x, bytes: Number(x.bytes), columns: x.columns ?? [] }));
}

async function columnsOf(driver: Driver, oid: number): Promise<ColumnInfo[]> {
  const r = await driver.query<{
    name: string;
    type: string;
    notnull: boolean;
    generated: boolean;
    avg_width: number | null;
  }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            a.attgenerated <> '' AS generated, s.avg_width
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  return r.rows.map((x) => ({
    name: x.name,
    type: x.type,
    notNull: x.notnull,
    generated: x.generated,
    avgWidth: x.avg_width ?? undefined,
  }));
}

async function constraintsOf(driver: Driver, oid: number): Promise<ConstraintInfo[]> {
  const r = await driver.query<{
    name: string;
    type: string;
    def: string;
    validated: boolean;
    references: string | null;
  }>(
    `SELECT co.conname AS name, co.contype::text AS type, pg_get_constraintdef(co.oid) AS def, co.convalidated AS validated,
            CASE WHEN co.contype = 'f' THEN (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = co.confrelid) END AS references
       FROM pg_constraint co WHERE co.conrelid = $1 ORDER BY co.conname`,
    [oid],
  );
  return r.rows.map((x) => ({
    name: x.name,
    type: x.type,
    def: x.def,
    validated: x.validated,
    references: x.references ?? undefined,
  }));
}

async function referencingTables(driver: Driver, oid: number): Promise<string[]> {
  const r = await driver.query<{ t: string }>(
    `SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t
       FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE co.contype = 'f' AND co.confrelid = $1 AND co.conrelid <> $1 ORDER BY 1`,
    [oid],
  );
  return r.rows.map((x) => x.t);
}

const SETTINGS = [
  'maintenance_work_mem',
  'work_mem',
  'max_parallel_maintenance_workers',
  'max_parallel_workers',
  'max_worker_processes',
  'min_parallel_table_scan_size',
  'shared_buffers',
  'block_size',
  'TimeZone',
  'lock_timeout',
  'statement_timeout',
  'default_statistics_target',
  'wal_level',
  'fsync',
  'synchronous_commit',
  'transaction_read_only',
];

/** The settings that shape the estimate, as the server reports them (units resolved to bytes/ms where numeric). */
export async function serverSettings(driver: Driver): Promise<Record<string, string>> {
  const r = await driver.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])`,
    [SETTINGS],
  );
  const out: Record<string, string> = {};
  for (const row of r.rows) out[row.name] = row.setting + (row.unit ? ` ${row.unit}` : '');
  return out;
}

/** A pg_settings value with a unit ('8 kB', '65536 kB') in bytes; plain numbers as they are. */
export function settingBytes(settings: Record<string, string>, name: string): number | undefined {
  const v = settings[name];
  if (v === undefined) return undefined;
  const m = /^(-?\d+)(?:\s*(\d*)\s*(B|kB|MB|GB))?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult = Number(m[2] || 1);
  const unit = m[3] ?? '';
  const f = unit === 'kB' ? 1024 : unit === 'MB' ? 1024 ** 2 : unit === 'GB' ? 1024 ** 3 : 1;
  return n * mult * f;
}

export interface OpenTransaction extends LongTransaction {
  /** relation locks it holds (granted), by relation oid */
  locks: { oid: number; relation: string; mode: LockMode }[];
}

/**
 * Sessions whose transaction has been open for at least `minAgeSeconds`, other than ours, with the
 * relation locks they hold: a DDL statement that needs a conflicting lock waits for them, and every
 * query on the table then waits behind the DDL.
 */
export async function openTransactions(driver: Driver, minAgeSeconds = 5): Promise<OpenTransaction[]> {
  if (!driver.supportsConcurrentSessions) return [];
  const r = await driver.query<{
    pid: number;
    usename: string | null;
    application_name: string | null;
    state: string | null;
    age: number;
    query: string | null;
    locks: { oid: number; relation: string; mode: string }[] | null;
  }>(
    `SELECT a.pid, a.usename::text, a.application_name, a.state,
            extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS age, left(a.query, 400) AS query,
            (SELECT json_agg(json_build_object('oid', l.relation::int, 'relation', l.relation::regclass::text, 'mode', l.mode))
               FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks
       FROM pg_stat_activity a
      WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend'
        AND a.xact_start < clock_timestamp() - make_interval(secs => $1)
      ORDER BY a.xact_start`,
    [minAgeSeconds],
  );
  return r.rows.map((x) => ({
    pid: x.pid,
    user: x.usename,
    application: x.application_name,
    state: x.state,
    ageSeconds: Math.round(x.age * 10) / 10,
    query: scrubQuery(x.query),
    locks: (x.locks ?? []).flatMap((l) => {
      const mode = normalizeLockMode(l.mode);
      return mode ? [{ oid: l.oid, relation: l.relation, mode }] : [];
    }),
  }));
}

/**
 * A query text safe to show: string literals after PASSWORD / secret-looking words become '***', a
 * connection URL loses its password, and it is cut at 120 characters.
 */
function scrubQuery(q: string | null): string | null {
  if (q === null) return null;
  let s = q.replace(/\s+/g, ' ').trim();
  s = s.replace(
    /(password|passwd|secret|token|api[_-]?key)(\s*(=|=>|:)?\s*)('(?:[^']|'')*'|"[^"]*"|\S+)/gi,
    '$1$2***',
  );
  s = s.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
