/**
 * The tracking tables of the tools a project may be coming from. When one exists, it is the source of
 * truth for what is applied, and pgshift writes to it exactly as its own tool would, in the same
 * transaction as the migration, so the old tool keeps working after pgshift ran:
 *  - golang-migrate: schema_migrations(version bigint, dirty bool), one row = the current version;
 *  - dbmate: schema_migrations(version varchar), one row per applied version;
 *  - Flyway: flyway_schema_history, one row per applied script (UNDO_SQL rows for undos).
 */
import { basename } from 'node:path';
import type { Driver } from '../db/driver';
import type { Migration } from '../migrations/model';
import { quoteIdent } from './settings';
import { SERVER_ELAPSED_MS } from './history';
import { runWrite, type Write } from './write';

export type ForeignKind = 'golang-migrate' | 'dbmate' | 'flyway';

export interface ForeignTable {
  kind: ForeignKind;
  schema: string;
  table: string;
}

export interface ForeignRecord {
  /** the version as the foreign table stores it */
  version: string;
  appliedAt: string | null;
  executionMs: number | null;
  /** false: the foreign tool says this version is half-done (golang-migrate dirty, Flyway success = false) */
  success: boolean;
}

export interface ForeignSnapshot {
  table: ForeignTable;
  /** per version, the latest record (applied ones and failed ones) */
  records: ForeignRecord[];
  /** golang-migrate and Flyway baselines: every version up to this one counts as applied */
  upTo?: string;
}

export function describeForeign(t: ForeignTable): string {
  return `${t.kind} table ${t.schema}.${t.table}`;
}

/** Finds a foreign tracking table in the current schema; when several exist, the one matching the layout wins. */
export async function findForeignTable(driver: Driver, layout?: string): Promise<ForeignTable | undefined> {
  const r = await driver.query<{ schema: string; table: string; cols: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, string_agg(a.attname, ',' ORDER BY a.attnum) AS cols
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
        AND c.relname IN ('schema_migrations', 'flyway_schema_history')
      GROUP BY n.nspname, c.relname`,
  );
  const found: ForeignTable[] = [];
  for (const row of r.rows) {
    const cols = row.cols.split(',');
    if (row.table === 'flyway_schema_history' && cols.includes('installed_rank'))
      found.push({ kind: 'flyway', schema: row.schema, table: row.table });
    else if (row.table === 'schema_migrations' && cols.includes('version')) {
      found.push({
        kind: cols.includes('dirty') ? 'golang-migrate' : 'dbmate',
        schema: row.schema,
        table: row.table,
      });
    }
  }
  return found.find((t) => t.kind === layout) ?? found[0];
}

function qualified(t: ForeignTable): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

export async function readForeign(driver: Driver, t: ForeignTable): Promise<ForeignSnapshot> {
  const q = qualified(t);
  if (t.kind === 'golang-migrate') {
    const r = await driver.query<{ version: string; dirty: boolean }>(
      `SELECT version::text AS version, dirty FROM ${q} LIMIT 1`,
    );
    const row = r.rows[0];
    if (!row || Number(row.version) < 0) return { table: t, records: [] };
    return {
      table: t,
      records: [{ version: row.version, appliedAt: null, executionMs: null, success: !row.dirty }],
      upTo: row.version,
    };
  }
  if (t.kind === 'dbmate') {
    const r = await driver.query<{ version: string }>(`SELECT version::text AS version FROM ${q}`);
    return {
      table: t,
      records: r.rows.map((x) => ({ version: x.version, appliedAt: null, executionMs: null, success: true })),
    };
  }
  const r = await driver.query<{
    version: string | null;
    type: string;
    success: boolean;
    installed_on: string;
    execution_time: number | null;
  }>(
    `SELECT version, type, success, execution_time,
            to_char(installed_on, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS installed_on
       FROM ${q} ORDER BY installed_rank`,
  );
  const latest = new Map<string, ForeignRecord | null>();
  let upTo: string | undefined;
  for (const row of r.rows) {
    if (row.version === null || row.type === 'SCHEMA' || row.type === 'DELETE') continue;
    const key = flywayKey(row.version);
    if (row.type === 'BASELINE' || row.type === 'SQL_BASELINE') upTo = row.version;
    if (row.type === 'UNDO_SQL' && row.success) latest.set(key, null);
    else
      latest.set(key, {
        version: row.version,
        appliedAt: row.installed_on,
        executionMs: row.execution_time,
        success: row.success,
      });
  }
  return { table: t, records: [...latest.values()].filter((x): x is ForeignRecord => x !== null), upTo };
}

/** A version as the foreign tool tells versions apart: golang-migrate by number, Flyway per numeric part. */
function foreignKey(kind: ForeignKind, v: string): string {
  if (kind === 'golang-migrate') return numericKey(v)?.toString() ?? `?${v}`;
  if (kind === 'flyway') return flywayKey(v);
  return v;
}

export type ForeignVerdict =
  { state: 'applied' | 'failed'; record: ForeignRecord | null } | { state: 'absent' };

// Per snapshot, its records by key: a status of thousands of migrations looks each one up once.
const byKey = new WeakMap<ForeignSnapshot, Map<string, ForeignRecord>>();

export function foreignVerdict(s: ForeignSnapshot, version: string): ForeignVerdict {
  let index = byKey.get(s);
  if (!index) {
    index = new Map();
    for (const r of s.records) {
      const k = foreignKey(s.table.kind, r.version);
      if (!index.has(k)) index.set(k, r);
    }
    byKey.set(s, index);
  }
  const rec = index.get(foreignKey(s.table.kind, version));
  if (rec) return { state: rec.success ? 'applied' : 'failed', record: rec };
  if (s.upTo !== undefined && below(s.table.kind, version, s.upTo)) return { state: 'applied', record: null };
  return { state: 'absent' };
}

/** Records naming no known migration: applied (or half-done) in the database, file gone. */
export function unmatchedForeign(s: ForeignSnapshot, versions: readonly string[]): ForeignRecord[] {
  const known = new Set(versions.map((v) => foreignKey(s.table.kind, v)));
  return s.records.filter((r) => !known.has(foreignKey(s.table.kind, r.version)));
}

function below(kind: ForeignKind, version: string, upTo: string): boolean {
  if (kind === 'golang-migrate') {
    const a = numericKey(version);
    const b = numericKey(upTo);
    return a !== undefined && b !== undefined && a < b;
  }
  const a = flywayKey(version).split('.').map(Number);
  const b = flywayKey(upTo).split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return true;
}

function numericKey(v: string): bigint | undefined {
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}

/** Flyway compares versions numerically per part: '1.01' = '1.1', '1_2' = '1.2', '1.0' = '1'. */
function flywayKey(v: string): string {
  const parts = v.split(/[._]/).map((p) => (/^\d+$/.test(p) ? String(BigInt(p)) : p));
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts.join('.');
}

/**
 * Keeps the foreign table in step. Every method runs on the caller's session: inside the migration's
 * transaction for a transactional migration, so the foreign row commits or vanishes with it.
 */
export class ForeignWriter {
  constructor(private readonly t: ForeignTable) {}

  /** Before a non-transactional script runs: golang-migrate marks the version dirty, as it does itself. */
  async started(driver: Driver, m: Migration): Promise<void> {
    if (this.t.kind === 'golang-migrate') await this.setGolang(driver, m.version, true);
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
    const q = qualified(this.t);
    if (this.t.kind === 'golang-migrate') {
      const v = direction === 'up' ? (latestApplied ?? m.version) : latestApplied;
      return v === undefined ? [{ sql: `DELETE FROM ${q}`, params: [] }] : this.golangWrites(v, false);
    }
    if (this.t.kind === 'dbmate')
      return [
        direction === 'up'
          ? { sql: `INSERT INTO ${q} (version) VALUES ($1) ON CONFLICT DO NOTHING`, params: [m.version] }
          : { sql: `DELETE FROM ${q} WHERE version = $1`, params: [m.version] },
      ];
    return [this.flywayWrite(m, direction === 'up' ? 'SQL' : 'UNDO_SQL', executionMs, true)];
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
  async failed(driver: Driver, m: Migration, direction: 'up' | 'down', executionMs: number): Promise<void> {
    if (this.t.kind === 'golang-migrate') await this.setGolang(driver, m.version, true);
    else if (this.t.kind === 'flyway')
      await this.flywayRow(driver, m, direction === 'up' ? 'SQL' : 'UNDO_SQL', executionMs, false);
    // dbmate has no way to say "half-done": pgshift's own history holds that truth.
  }

  /** `pgshift resolve`: a failed (or any) migration declared applied or rolled back by a person. */
  async resolved(
    driver: Driver,
    m: Migration,
    as: 'applied' | 'rolled-back',
    latestApplied: string | undefined,
  ): Promise<void> {
    const q = qualified(this.t);
    if (this.t.kind === 'flyway') {
      // What `flyway repair` does with failed rows: remove them; then say what the person declared.
      await driver.query(`DELETE FROM ${q} WHERE version = $1 AND NOT success`, [m.version]);
      const now = foreignVerdict(await readForeign(driver, this.t), m.version).state;
      if (as === 'applied' && now !== 'applied') await this.flywayRow(driver, m, 'SQL', 0, true);
      if (as === 'rolled-back' && now === 'applied') await this.flywayRow(driver, m, 'UNDO_SQL', 0, true);
      return;
    }
    if (as === 'applied') return this.applied(driver, m, 0, latestApplied ?? m.version);
    return this.rolledBack(driver, m, 0, latestApplied);
  }

  private async setGolang(driver: Driver, version: string, dirty: boolean): Promise<void> {
    for (const w of this.golangWrites(version, dirty)) await runWrite(driver, w);
  }

  /** golang-migrate's one row replaced: two statements, as the order of two writes on one table inside one statement is not defined. */
  private golangWrites(version: string, dirty: boolean): Write[] {
    const q = qualified(this.t);
    return [
      { sql: `DELETE FROM ${q}`, params: [] },
      { sql: `INSERT INTO ${q} (version, dirty) VALUES ($1::bigint, $2)`, params: [version, dirty] },
    ];
  }

  private async flywayRow(
    driver: Driver,
    m: Migration,
    type: 'SQL' | 'UNDO_SQL',
    executionMs: number,
    success: boolean,
  ): Promise<void> {
    await runWrite(driver, this.flywayWrite(m, type, executionMs, success));
  }

  /** executionMs 'server': measured by the server when the row is written, like the history row's. */
  private flywayWrite(
    m: Migration,
    type: 'SQL' | 'UNDO_SQL',
    executionMs: number | 'server',
    success: boolean,
  ): Write {
    const script = type === 'UNDO_SQL' ? m.down : m.up;
    return {
      sql: `INSERT INTO ${qualified(this.t)}
         (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, $5, current_user, COALESCE($6, ${SERVER_ELAPSED_MS}), $7 FROM ${qualified(this.t)}`,
      params: [
        m.repeatable ? null : m.version,
        m.name.replace(/_/g, ' '),
        type,
        script ? basename(script.file) : m.name,
        script ? flywayChecksum(script.sql) : null,
        executionMs === 'server' ? null : Math.round(executionMs),
        success,
      ],
    };
  }
}

/** Flyway's checksum: CRC-32 over the UTF-8 bytes of each line without its line break, BOM dropped, as a signed int. */
export function flywayChecksum(text: string): number {
  // Line breaks never reach the CRC, so empty lines and the final newline change nothing.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let crc = 0xffffffff;
  for (const line of lines) {
    for (const b of Buffer.from(line, 'utf8')) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) | 0;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();
