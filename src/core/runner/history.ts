/**
 * pgshift's own tracking: an append-only table with one row per attempt, in its own schema. Current
 * state is derived from it (see state.ts), never stored. A transactional migration inserts its row
 * inside its own transaction; a non-transactional one inserts a 'started' row first and completes that
 * same row afterwards, so an interrupted run leaves a row with no finished_at: the truth.
 */
import * as os from 'node:os';
import { relationExists, type Driver } from '../db/driver';
import { PGSHIFT_VERSION } from '../version';
import { quoteIdent } from './settings';
import { runWrite, type Write } from './write';

export type Direction = 'up' | 'down' | 'resolve';

export interface HistoryEntry {
  id: number;
  version: string;
  name: string;
  direction: Direction;
  /** for direction 'resolve': what the person declared */
  resolvedAs: 'applied' | 'rolled-back' | null;
  checksum: string | null;
  /** false when the script ran outside a transaction */
  transactional: boolean;
  startedAt: string;
  finishedAt: string | null;
  executionMs: number | null;
  /** null while running, or when the process died before finishing (non-transactional only) */
  success: boolean | null;
  error: string | null;
  errorStatement: string | null;
  errorLine: number | null;
  /** position reported by the server within the failing statement (1-based characters) */
  errorPosition: number | null;
  statementsApplied: number | null;
  statementsTotal: number | null;
  appliedBy: string;
  osUser: string | null;
  host: string | null;
  pgshiftVersion: string;
}

export interface NewAttempt {
  version: string;
  name: string;
  direction: Direction;
  resolvedAs?: 'applied' | 'rolled-back';
  checksum: string | null;
  transactional: boolean;
  statementsTotal?: number;
}

/** Milliseconds from the start of the current transaction until now, as the server counts them. */
export const SERVER_ELAPSED_MS = `(EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1000)::integer`;

export interface AttemptOutcome {
  success: boolean;
  /** 'server': measured by the server when the row is written (finishedWrite only) */
  executionMs: number | 'server';
  statementsApplied?: number;
  error?: string;
  errorStatement?: string;
  errorLine?: number;
  errorPosition?: number;
}

export class HistoryTable {
  readonly qualified: string;

  constructor(readonly schema: string) {
    this.qualified = `${quoteIdent(schema)}.history`;
  }

  async exists(driver: Driver): Promise<boolean> {
    return relationExists(driver, this.qualified);
  }

  /** Idempotent; call only while holding the migration lock (CREATE SCHEMA IF NOT EXISTS races otherwise). */
  async ensure(driver: Driver): Promise<void> {
    if (await this.exists(driver)) return;
    await driver.exec(`
      CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)};
      CREATE TABLE IF NOT EXISTS ${this.qualified} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        version text NOT NULL,
        name text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('up', 'down', 'resolve')),
        resolved_as text CHECK (resolved_as IN ('applied', 'rolled-back')),
        checksum text,
        transactional boolean NOT NULL,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz,
        execution_time_ms integer,
        success boolean,
        error text,
        error_statement text,
        error_line integer,
        error_position integer,
        statements_applied integer,
        statements_total integer,
        applied_by text NOT NULL DEFAULT current_user,
        os_user text,
        host text,
        pgshift_version text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS history_version_idx ON ${this.qualified} (version, id);
      COMMENT ON TABLE ${this.qualified} IS 'pgshift: one row per migration attempt (append-only); state is derived from the latest rows';
    `);
  }

  /** All rows, oldest first. Empty when the table does not exist (nothing was ever run by pgshift). */
  async read(driver: Driver, filter: { version?: string; limit?: number } = {}): Promise<HistoryEntry[]> {
    if (!(await this.exists(driver))) return [];
    const where = filter.version !== undefined ? 'WHERE version = $1' : '';
    const params: unknown[] = filter.version !== undefined ? [filter.version] : [];
    let sql = `SELECT ${COLUMNS} FROM ${this.qualified} ${where} ORDER BY id`;
    if (filter.limit !== undefined) {
      params.push(filter.limit);
      sql = `SELECT * FROM (SELECT ${COLUMNS} FROM ${this.qualified} ${where} ORDER BY id DESC LIMIT $${params.length}) t ORDER BY id`;
    }
    const r = await driver.query<Row>(sql, params);
    return r.rows.map(toEntry);
  }

  /**
   * A finished attempt as one statement, to run inside the migration's transaction so that it commits
   * or vanishes with it. started_at is the transaction's start (now()), finished_at the current time;
   * an execution time of 'server' is measured by the server the same way, for a row sent before the
   * migration's statements have run (the runner pipelines them).
   */
  finishedWrite(a: NewAttempt, o: AttemptOutcome): Write {
    return {
      sql: `INSERT INTO ${this.qualified} (version, name, direction, resolved_as, checksum, transactional, started_at, finished_at,
         execution_time_ms, success, error, error_statement, error_line, error_position, statements_applied, statements_total,
         os_user, host, pgshift_version)
       VALUES ($1, $2, $3, $4, $5, $6, now(), clock_timestamp(), COALESCE($7, ${SERVER_ELAPSED_MS}), $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      params: [
        a.version,
        a.name,
        a.direction,
        a.resolvedAs ?? null,
        a.checksum,
        a.transactional,
        ...outcomeParams(o),
        a.statementsTotal ?? null,
        osUser(),
        hostName(),
        PGSHIFT_VERSION,
      ],
    };
  }

  async recordFinished(driver: Driver, a: NewAttempt, o: AttemptOutcome): Promise<void> {
    await runWrite(driver, this.finishedWrite(a, o));
  }

  /** The 'started' row of a non-transactional attempt, committed at once. */
  async recordStarted(driver: Driver, a: NewAttempt): Promise<number> {
    const r = await driver.query<{ id: string }>(
      `INSERT INTO ${this.qualified} (version, name, direction, checksum, transactional, statements_total, os_user, host, pgshift_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        a.version,
        a.name,
        a.direction,
        a.checksum,
        a.transactional,
        a.statementsTotal ?? null,
        osUser(),
        hostName(),
        PGSHIFT_VERSION,
      ],
    );
    return Number(r.rows[0].id);
  }

  /** Completes a 'started' row; only ever once (finished_at IS NULL guards against a second writer). */
  async complete(driver: Driver, id: number, o: AttemptOutcome & { executionMs: number }): Promise<void> {
    await driver.query(
      `UPDATE ${this.qualified}
         SET finished_at = clock_timestamp(), execution_time_ms = $2, success = $3, error = $4, error_statement = $5,
             error_line = $6, error_position = $7, statements_applied = $8
       WHERE id = $1 AND finished_at IS NULL`,
      [id, ...outcomeParams(o)],
    );
  }
}

/** An outcome's columns in the order both writes use: execution_time_ms, success, error, error_statement, error_line, error_position, statements_applied. */
function outcomeParams(o: AttemptOutcome): unknown[] {
  return [
    o.executionMs === 'server' ? null : Math.round(o.executionMs),
    o.success,
    o.error ?? null,
    o.errorStatement ?? null,
    o.errorLine ?? null,
    o.errorPosition ?? null,
    o.statementsApplied ?? null,
  ];
}

const COLUMNS = `id, version, name, direction, resolved_as, checksum, transactional,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at,
  execution_time_ms, success, error, error_statement, error_line, error_position, statements_applied, statements_total,
  applied_by, os_user, host, pgshift_version`;

interface Row {
  id: string | number;
  version: string;
  name: string;
  direction: Direction;
  resolved_as: 'applied' | 'rolled-back' | null;
  checksum: string | null;
  transactional: boolean;
  started_at: string;
  finished_at: string | null;
  execution_time_ms: number | null;
  success: boolean | null;
  error: string | null;
  error_statement: string | null;
  error_line: number | null;
  error_position: number | null;
  statements_applied: number | null;
  statements_total: number | null;
  applied_by: string;
  os_user: string | null;
  host: string | null;
  pgshift_version: string;
}

function toEntry(r: Row): HistoryEntry {
  return {
    id: Number(r.id),
    version: r.version,
    name: r.name,
    direction: r.direction,
    resolvedAs: r.resolved_as,
    checksum: r.checksum,
    transactional: r.transactional,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    executionMs: r.execution_time_ms,
    success: r.success,
    error: r.error,
    errorStatement: r.error_statement,
    errorLine: r.error_line,
    errorPosition: r.error_position,
    statementsApplied: r.statements_applied,
    statementsTotal: r.statements_total,
    appliedBy: r.applied_by,
    osUser: r.os_user,
    host: r.host,
    pgshiftVersion: r.pgshift_version,
  };
}

// Read once per process: os.userInfo() reads the passwd database, and a run writes a row per migration.
let user: string | null | undefined;
function osUser(): string | null {
  if (user === undefined) {
    try {
      user = os.userInfo().username;
    } catch {
      user = null;
    }
  }
  return user;
}

let host: string | undefined;
function hostName(): string {
  return (host ??= os.hostname());
}
