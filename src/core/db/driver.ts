/**
 * The one seam between pgshift and a database. The runner, the dry-run tracer and the report
 * only talk to this interface, so every behaviour is tested on a real server ('pg') and on the
 * embedded PGlite database alike.
 */

export interface QueryResult<R = Record<string, unknown>> {
  rows: R[];
  /** Rows affected for INSERT/UPDATE/DELETE/..., rows returned for SELECT, null when not applicable. */
  rowCount: number | null;
  /** The command tag's verb, e.g. 'CREATE', 'UPDATE' (when the driver reports it). */
  command?: string;
}

export interface ServerVersion {
  /** server_version_num, e.g. 150004 */
  num: number;
  /** major version, e.g. 15 */
  major: number;
  /** full text of version(), e.g. 'PostgreSQL 15.4 on x86_64 ...' */
  text: string;
}

/** One message of a pipeline: with `params`, one statement (extended protocol); without, a simple-protocol string that may hold several. */
export interface PipelineStep {
  sql: string;
  params?: readonly unknown[];
}

export type PipelineOutcome = { ok: true; results: QueryResult[] } | { ok: false; error: DbError };

/** Where to connect. Never contains a password in a form that is printed: see describeTarget(). */
export type ConnectionTarget =
  | { kind: 'url'; url: string }
  | {
      kind: 'params';
      host?: string;
      port?: number;
      database?: string;
      user?: string;
      password?: string;
      sslmode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
    }
  | { kind: 'embedded'; dataDir: string };

export interface DriverOptions {
  /** Connection attempt timeout. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** application_name reported to the server. Default 'pgshift'. */
  applicationName?: string;
}

export interface Driver {
  readonly kind: 'pg' | 'pglite';
  /** Human description of the target without secrets, e.g. 'postgres://app@db.internal:5432/shop'. */
  readonly description: string;
  /** False for PGlite: one connection only, no lock contention between sessions. */
  readonly supportsConcurrentSessions: boolean;

  /** One statement, with $1.. parameters (extended protocol). Values are never interpolated into SQL. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements in one string (simple protocol); one result per statement. */
  exec(sql: string): Promise<QueryResult[]>;
  /**
   * Sends every step at once and waits for all of them: one round trip on a real server (node-pg's
   * pipeline mode), one after the other on PGlite. Each step ends in its own Sync, so each runs whatever
   * happened to the one before, exactly as PostgreSQL runs pipelined messages: inside an explicit
   * transaction, a failed step aborts it, the steps after it fail with 25P02, and a COMMIT step then
   * rolls back (its command is ROLLBACK). Never rejects for a step's failure: the outcome says it.
   */
  pipeline(steps: readonly PipelineStep[]): Promise<PipelineOutcome[]>;
  /**
   * `COPY … TO STDOUT`: the data, chunk by chunk, to `sink` (awaited, so a slow disk slows the copy
   * rather than filling memory on a real server). Backups' files are written this way.
   */
  copyOut(sql: string, sink: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  serverVersion(): Promise<ServerVersion>;
  /** pg_backend_pid() of this session. */
  backendPid(): Promise<number>;
  /** Ask the server to cancel the statement this session is running (no-op when idle). */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A database error reduced to what a person needs. `message` is one line and never contains a password.
 * `code` is the SQLSTATE when the server sent one; `position` is the 1-based character position in the
 * statement when the server reported one.
 */
export class DbError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly position?: number,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DbError';
  }
}

/** The server's version, read once per driver (both drivers cache it: it cannot change on a session). */
export async function queryServerVersion(driver: Pick<Driver, 'query'>): Promise<ServerVersion> {
  const r = await driver.query<{ num: string; text: string }>(
    `SELECT current_setting('server_version_num') AS num, version() AS text`,
  );
  const num = Number(r.rows[0].num);
  return { num, major: Math.floor(num / 10000), text: r.rows[0].text };
}

/** A pipeline run step by step: for drivers with no round trips to save (PGlite), and as pg's fallback. */
export async function pipelineOneByOne(
  driver: Pick<Driver, 'query' | 'exec'>,
  steps: readonly PipelineStep[],
): Promise<PipelineOutcome[]> {
  const out: PipelineOutcome[] = [];
  for (const s of steps) {
    try {
      out.push({
        ok: true,
        results: s.params ? [await driver.query(s.sql, s.params)] : await driver.exec(s.sql),
      });
    } catch (e) {
      out.push({
        ok: false,
        error: e instanceof DbError ? e : new DbError(e instanceof Error ? e.message : String(e)),
      });
    }
  }
  return out;
}

/** `fn` between BEGIN and COMMIT; on any error ROLLBACK (whose own failure is ignored) and rethrow. */
/** Whether a table (or any relation) by this qualified, quoted name exists, e.g. '"pgshift".history'. */
export async function relationExists(driver: Pick<Driver, 'query'>, qualified: string): Promise<boolean> {
  const r = await driver.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified]);
  return r.rows[0]?.t != null;
}

export async function inTransaction<T>(driver: Driver, fn: () => Promise<T>): Promise<T> {
  await driver.exec('BEGIN');
  try {
    const out = await fn();
    await driver.exec('COMMIT');
    return out;
  } catch (e) {
    await driver.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
