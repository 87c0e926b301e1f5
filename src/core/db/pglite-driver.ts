import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PGlite, Results } from '@electric-sql/pglite';
import {
  DbError,
  Driver,
  DriverOptions,
  pipelineOneByOne,
  queryServerVersion,
  type PipelineOutcome,
  type PipelineStep,
  QueryResult,
  ServerVersion,
} from './driver';
import {
  defaultPgliteTemplate,
  isNewDataDir,
  readPgliteTemplate,
  unpackPgliteTemplate,
} from './pglite-template';
import { OBJECT_IN_USE } from '../sqlstate';
import { oneLineMessage } from '../text';

/*
 * The embedded database: PGlite (PostgreSQL compiled to WASM) on a data directory on disk. PGlite is
 * one session in one process, so the directory is guarded by `<dataDir>.lock` holding the owner's pid.
 */

export interface PgliteDriverOptions extends DriverOptions {
  /** How long to wait for another live process to release the data dir. Default 2 000 ms. */
  lockWaitMs?: number;
  /**
   * The archive a new data dir is unpacked from (see pglite-template.ts); false runs PGlite's initdb
   * instead. Default: the one the build made, beside the bundles.
   */
  template?: string | false;
}

interface LockHolder {
  pid: number;
  host: string;
}

const LOCK_POLL_MS = 100;
/** A lock file still empty after this long was left by a process that died while writing it. */
const EMPTY_LOCK_STALE_MS = 2_000;
/**
 * initdb sizes shared_buffers for a server (128 MB), and PGlite's WASM memory holds all of it, zeroed
 * at start: 128 MB of RSS and ~100 ms per open. A sandbox's tables fit in far less; beyond it, pages
 * come from the OS's cache. Given on the command line, so it holds for data dirs made before too.
 */
const SHARED_BUFFERS = '16MB';

export function pgliteLockPath(dataDir: string): string {
  return path.resolve(dataDir) + '.lock';
}

/** How a data dir came to be opened: made from the template, made by initdb, or there already. */
export type PgliteOrigin = 'template' | 'initdb' | 'existing';

/** Opens (creating on first use) the PGlite database in `dataDir`. PGlite is loaded here, never at import time. */
export async function openPgliteDriver(
  dataDir: string,
  opts: PgliteDriverOptions = {},
): Promise<Driver & { readonly origin: PgliteOrigin }> {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = await acquireLock(pgliteLockPath(dir), dir, opts.lockWaitMs ?? 2_000);
  try {
    const { db, origin } = await startInDataDir(dir, opts.template ?? defaultPgliteTemplate() ?? false);
    return new PgliteDriver(db, dir, lock, origin);
  } catch (e) {
    lock.release();
    throw new DbError(
      `could not open the embedded database at ${dir}: ${oneLineMessage(e instanceof Error ? e.message : String(e))} — ` +
        `if it is damaged or was made by another version of pgshift, delete the directory (its data is lost) or move it away to start afresh`,
    );
  }
}

async function startInDataDir(
  dir: string,
  template: string | false,
): Promise<{ db: PGlite; origin: PgliteOrigin }> {
  if (!isNewDataDir(dir)) return { db: await startPglite(dir), origin: 'existing' };
  if (template && unpackTemplate(template, dir)) {
    try {
      return { db: await startPglite(dir), origin: 'template' };
    } catch {
      // a template from another PGlite (a stale build): start over as PGlite does by itself
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { db: await startPglite(dir), origin: 'initdb' };
}

/** False when the template cannot be read or written: the caller runs initdb, slower but the same database. */
function unpackTemplate(template: string, dir: string): boolean {
  try {
    unpackPgliteTemplate(readPgliteTemplate(template).entries, dir);
    return true;
  } catch {
    return false;
  }
}

/** PGlite on `dir` (initdb when it holds no database); a failure says what PostgreSQL said, not only PGlite's "failed to initialize". */
async function startPglite(dir: string): Promise<PGlite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: 25 ms to load, ~130 MB once opened
  const { PGlite: PGliteCtor } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const said: string[] = [];
  let starting = true;
  try {
    return await PGliteCtor.create(dir, {
      // Same JS types as node-postgres, so callers see one shape whatever the driver:
      // int8 as string (not bigint, which JSON cannot serialise) and bytea as Buffer.
      parsers: {
        20: (v: string) => v,
        17: (v: string) => (v.startsWith('\\x') ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v, 'binary')),
      },
      startParams: [...PGliteCtor.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
      onStderr: (line: string) => {
        const m = starting && /\b(?:FATAL|PANIC|DETAIL):\s+(.*)$/.exec(line);
        if (m && said.length < 4) said.push(m[1].trim());
        return false;
      },
    });
  } catch (e) {
    if (said.length) throw new Error(said.join(': '));
    throw e;
  } finally {
    starting = false;
  }
}

class PgliteDriver implements Driver {
  readonly kind = 'pglite';
  readonly supportsConcurrentSessions = false;
  readonly description: string;
  private closed = false;
  private version: ServerVersion | undefined;

  constructor(
    private readonly db: PGlite,
    dataDir: string,
    private readonly lock: HeldLock,
    /** how the data dir came to be: tests and the benchmark tell a template start from initdb by it */
    readonly origin: PgliteOrigin,
  ) {
    this.description = `embedded PGlite at ${dataDir}`;
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    const r = await this.run(() => this.db.query<R>(sql, [...params]));
    return toResult(r);
  }

  async exec(sql: string): Promise<QueryResult[]> {
    const rs = await this.run(() => this.db.exec(sql));
    // An empty or comment-only string gives one result with no command; it is not a statement.
    return rs.filter((r) => r.command != null).map((r) => toResult(r));
  }

  /** No round trips to save in-process: the steps run one after the other, with the same outcomes. */
  pipeline(steps: readonly PipelineStep[]): Promise<PipelineOutcome[]> {
    return pipelineOneByOne(this, steps);
  }

  /** PGlite has no client stream: `TO STDOUT` becomes its in-memory '/dev/blob' (embedded data is small). */
  async copyOut(sql: string, sink: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    const blobSql = sql.replace(/\bTO\s+STDOUT\b/i, `TO '/dev/blob'`);
    const r = await this.run(() => this.db.query(blobSql));
    if (r.blob) await sink(Buffer.from(await r.blob.arrayBuffer()));
  }

  async serverVersion(): Promise<ServerVersion> {
    this.version ??= await queryServerVersion(this);
    return this.version;
  }

  async backendPid(): Promise<number> {
    const r = await this.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return r.rows[0].pid;
  }

  /** A no-op: PGlite runs each statement to completion on the JS thread; use statement_timeout to bound one. */
  async cancel(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new DbError(`${this.description} is closed`);
    try {
      return await fn();
    } catch (e) {
      throw toDbError(e);
    }
  }
}

function toResult<R>(r: Results<R>): QueryResult<R> {
  // PGlite's rowCount is per statement like pg's (its affectedRows adds up over a multi-statement exec).
  const rowCount = r.rowCount ?? (r.command === 'SELECT' ? r.rows.length : null);
  return { rows: r.rows, rowCount, command: r.command };
}

function toDbError(e: unknown): DbError {
  const x = (e ?? {}) as {
    message?: string;
    code?: string;
    position?: string;
    detail?: string;
    hint?: string;
  };
  const message = oneLineMessage(x.message ?? String(e));
  if (typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code)) {
    return new DbError(message, x.code, x.position ? Number(x.position) : undefined, x.detail, x.hint);
  }
  return new DbError(message);
}

interface HeldLock {
  release(): void;
}

async function acquireLock(lockPath: string, dataDir: string, waitMs: number): Promise<HeldLock> {
  const deadline = Date.now() + waitMs;
  const mine =
    JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }) + '\n';
  for (;;) {
    try {
      fs.writeFileSync(lockPath, mine, { flag: 'wx' });
      return heldLock(lockPath, mine);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DbError(
          `cannot create the lock file ${lockPath}: ${(e as Error).message} — check the permissions of the folder`,
        );
      }
    }
    const seen = readLock(lockPath);
    if (seen === undefined) continue; // removed between our attempt and the read: try again at once
    const holder = parseHolder(seen.text);
    const stale = holder
      ? holder.host === os.hostname() && !isAlive(holder.pid)
      : Date.now() - seen.mtimeMs > EMPTY_LOCK_STALE_MS;
    if (stale) {
      takeOver(lockPath, seen.text);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? holder.pid === process.pid
          ? `this process (pid ${holder.pid})`
          : `another process (pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''})`
        : 'another process';
      throw new DbError(
        `the embedded database ${dataDir} is in use by ${who} — close that pgshift window or command and try again ` +
          `(PGlite allows one process at a time; if no such process exists, delete ${lockPath})`,
        OBJECT_IN_USE,
      );
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

function heldLock(lockPath: string, mine: string): HeldLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only remove the file if it is still ours (someone may have deleted a lock they believed stale).
    if (readLock(lockPath)?.text === mine) fs.rmSync(lockPath, { force: true });
  };
  process.on('exit', release);
  return { release };
}

/**
 * Moves the stale file aside before deleting it, so two processes that both saw it stale cannot
 * delete each other's fresh lock: only the one whose rename carried the stale content deletes it.
 */
function takeOver(lockPath: string, staleText: string): void {
  const aside = `${lockPath}.${process.pid}.${Date.now()}.stale`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return; // someone else got there first
  }
  if (readLock(aside)?.text !== staleText) {
    // We moved a lock that became live meanwhile: put it back unless a new one already exists.
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // a newer lock is in place; the live holder keeps running either way
    }
  }
  fs.rmSync(aside, { force: true });
}

function readLock(lockPath: string): { text: string; mtimeMs: number } | undefined {
  try {
    const mtimeMs = fs.statSync(lockPath).mtimeMs;
    return { text: fs.readFileSync(lockPath, 'utf8'), mtimeMs };
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  // A bare pid is accepted too, as a person or another tool might write one.
  const rec = (typeof v === 'number' ? { pid: v } : v) as Partial<LockHolder> | null;
  if (rec && typeof rec.pid === 'number' && Number.isInteger(rec.pid) && rec.pid > 0) {
    return { pid: rec.pid, host: typeof rec.host === 'string' ? rec.host : os.hostname() };
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
