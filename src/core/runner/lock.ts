/**
 * The migration lock: a session-level advisory lock held for a whole run. Never a transaction-level
 * one: CREATE INDEX CONCURRENTLY waits for every transaction holding locks, ours included, so it
 * would wait forever on a runner that held the lock in a transaction. A second runner polls with
 * pg_try_advisory_lock, says who holds the lock, and gives up after lockWaitSeconds (exit code 3).
 */
import type { Driver } from '../db/driver';
import { sleep } from '../duration';
import { PgshiftError } from '../errors';

/** First key: 'pgsh' as an int4; the second is derived from the history schema. Both positive, so pg_locks shows them as-is. */
const LOCK_CLASS = 0x70677368;

export interface LockHolder {
  pid: number;
  applicationName: string | null;
  user: string | null;
  clientAddr: string | null;
  clientHostname: string | null;
  /** when the holder's connection started (ISO 8601) */
  backendStart: string | null;
  /** what the holder is doing right now */
  state: string | null;
  query: string | null;
  queryStart: string | null;
}

export interface MigrationLock {
  release(): Promise<void>;
}

export interface LockOptions {
  waitSeconds: number;
  /** called once when the lock is busy, and again whenever its holder changes */
  onWait?: (holder: LockHolder | undefined) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

export function lockKey(historySchema: string): [number, number] {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(historySchema, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return [LOCK_CLASS, h & 0x7fffffff];
}

export async function acquireMigrationLock(
  driver: Driver,
  historySchema: string,
  opts: LockOptions,
): Promise<MigrationLock> {
  const [k1, k2] = lockKey(historySchema);
  // PGlite is a single session in a single process (its data dir is guarded by a lock file): nobody to wait for.
  if (!driver.supportsConcurrentSessions) return { release: async () => undefined };
  const deadline = Date.now() + opts.waitSeconds * 1000;
  const pollMs = opts.pollMs ?? 100;
  let lastHolder: number | undefined | null = null;
  for (;;) {
    const r = await driver.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2]);
    if (r.rows[0]?.ok) {
      return {
        release: async () => {
          await driver.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]);
        },
      };
    }
    const holder = await lockHolder(driver, historySchema);
    if (holder?.pid !== lastHolder) {
      lastHolder = holder?.pid;
      opts.onWait?.(holder);
    }
    if (opts.signal?.aborted)
      throw new PgshiftError('cancelled while waiting for the migration lock', { code: 'cancelled' });
    if (Date.now() >= deadline) {
      throw new PgshiftError(
        `timed out after ${opts.waitSeconds} s waiting for the migration lock, held by ${describeHolder(holder)}`,
        {
          hint: holder
            ? `another migration run is in progress on this database: wait for it to finish, or if it is stuck, end it with SELECT pg_terminate_backend(${holder.pid})`
            : 'another migration run is in progress on this database: wait for it to finish and try again',
          exitCode: 3,
          code: 'lock-timeout',
        },
      );
    }
    await sleep(Math.min(pollMs + Math.random() * pollMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

/** The session holding the migration lock, or undefined when nobody does (or we may not see it). */
export async function lockHolder(driver: Driver, historySchema: string): Promise<LockHolder | undefined> {
  if (!driver.supportsConcurrentSessions) return undefined;
  const [k1, k2] = lockKey(historySchema);
  const r = await driver.query<{
    pid: number;
    application_name: string | null;
    usename: string | null;
    client_addr: string | null;
    client_hostname: string | null;
    backend_start: string | null;
    state: string | null;
    query: string | null;
    query_start: string | null;
  }>(
    `SELECT l.pid, a.application_name, a.usename::text AS usename, host(a.client_addr) AS client_addr, a.client_hostname,
            to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS backend_start,
            a.state, left(a.query, 200) AS query,
            to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS query_start
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.pid <> pg_backend_pid()
      LIMIT 1`,
    [k1, k2],
  );
  const x = r.rows[0];
  if (!x) return undefined;
  return {
    pid: x.pid,
    applicationName: x.application_name || null,
    user: x.usename,
    clientAddr: x.client_addr,
    clientHostname: x.client_hostname,
    backendStart: x.backend_start,
    state: x.state,
    query: x.query,
    queryStart: x.query_start,
  };
}

/** 'pid 4242 (application pgshift, user app, client 10.0.0.7, connected since 2026-01-01T09:00:00Z)' */
export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another session (it released the lock or is not visible to this user)';
  const parts = [
    `application ${h.applicationName ? `"${h.applicationName}"` : '(none)'}`,
    h.user ? `user ${h.user}` : undefined,
    h.clientAddr ? `client ${h.clientHostname ?? h.clientAddr}` : 'client local socket',
    h.backendStart ? `connected since ${h.backendStart}` : undefined,
  ].filter(Boolean);
  return `pid ${h.pid} (${parts.join(', ')})`;
}
