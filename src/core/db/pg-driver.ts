import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Client, ClientConfig, QueryResult as PgQueryResult } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../errors';
import {
  ConnectionTarget,
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
import { lookupPgpass } from './pgpass';
import {
  CANNOT_CONNECT_NOW,
  CONNECTION_FAILURE,
  INVALID_AUTHORIZATION_SPECIFICATION,
  INVALID_CATALOG_NAME,
  INVALID_PASSWORD,
  SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
  TOO_MANY_CONNECTIONS,
} from '../sqlstate';
import { oneLineMessage } from '../text';

export type PgTarget = Extract<ConnectionTarget, { kind: 'url' } | { kind: 'params' }>;
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** A 'url' or 'params' target with libpq's defaults filled in. `password` is only the one given explicitly. */
export interface PgSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslmode: SslMode;
  sslrootcert?: string;
  applicationName?: string;
  connectTimeoutMs?: number;
}

const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Resolves a target the way libpq does: URL / params first, then PGHOST, PGPORT, PGDATABASE, PGUSER,
 * PGSSLMODE, then defaults (localhost, 5432, the OS user, a database named like the user, sslmode=prefer).
 * Throws PgshiftError (exit code 2) for a malformed URL; the message never repeats the URL.
 */
export function resolvePgSettings(target: PgTarget, env: NodeJS.ProcessEnv = process.env): PgSettings {
  const given: ParsedTarget = target.kind === 'url' ? parsePgUrl(target.url) : paramsTarget(target);
  const user = given.user || env.PGUSER || safeOsUser();
  return {
    host: given.host || env.PGHOST || 'localhost',
    port: given.port ?? (env.PGPORT ? parsePort(env.PGPORT, 'PGPORT') : 5432),
    database: given.database || env.PGDATABASE || user,
    user,
    password: given.password || undefined,
    sslmode: given.sslmode ?? (env.PGSSLMODE ? parseSslMode(env.PGSSLMODE, 'PGSSLMODE') : 'prefer'),
    sslrootcert: given.sslrootcert,
    applicationName: given.applicationName,
    connectTimeoutMs: given.connectTimeoutMs,
  };
}

function paramsTarget(t: Extract<ConnectionTarget, { kind: 'params' }>): ParsedTarget {
  if (t.port !== undefined && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) {
    throw new ConfigError(`invalid port ${String(t.port)}: expected a number from 1 to 65535`);
  }
  const sslmode = t.sslmode === undefined ? undefined : parseSslMode(t.sslmode, 'sslmode');
  return { host: t.host, port: t.port, database: t.database, user: t.user, password: t.password, sslmode };
}

/** 'postgres://app@db.internal:5432/shop' — never a password. */
export function describePgSettings(s: PgSettings): string {
  const user = encodeURIComponent(s.user);
  const db = encodeURIComponent(s.database);
  if (s.host.startsWith('/')) return `postgres://${user}@localhost:${s.port}/${db}?host=${s.host}`;
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return `postgres://${user}@${host}:${s.port}/${db}`;
}

type ParsedTarget = Partial<PgSettings>;

/** Parses postgres:// and postgresql:// URLs, including ?host=/socket/dir, sslmode, sslrootcert, application_name, connect_timeout. */
export function parsePgUrl(url: string): ParsedTarget {
  const bad = (why: string, hint?: string): never => {
    throw new ConfigError(
      `invalid connection URL: ${why}`,
      hint ?? 'expected postgres://user@host:5432/database',
    );
  };
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return bad(
      'it could not be parsed',
      'expected postgres://user@host:5432/database; percent-encode special characters in the user name and password (e.g. @ as %40)',
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    bad(`unsupported scheme "${u.protocol}"`, 'use postgres://user@host:5432/database');
  }
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return bad(`the ${what} has an invalid %-escape`);
    }
  };
  const out: ParsedTarget = {};
  if (u.username) out.user = decode(u.username, 'user name');
  if (u.password) out.password = decode(u.password, 'password');
  let host = decode(u.hostname, 'host');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host) out.host = host;
  if (u.port) out.port = Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  if (path.includes('/')) bad('the path must be just the database name');
  if (path) out.database = decode(path, 'database name');

  const p = u.searchParams;
  if (p.get('host')) out.host = p.get('host')!;
  if (p.get('port')) out.port = parsePort(p.get('port')!, 'the port parameter');
  if (p.get('dbname')) out.database = p.get('dbname')!;
  if (p.get('user')) out.user = p.get('user')!;
  if (p.get('password')) out.password = p.get('password')!;
  if (p.get('sslmode')) out.sslmode = parseSslMode(p.get('sslmode')!, 'sslmode');
  else if (p.get('ssl') === 'true' || p.get('ssl') === '1') out.sslmode = 'require';
  if (p.get('sslrootcert')) out.sslrootcert = p.get('sslrootcert')!;
  if (p.get('application_name')) out.applicationName = p.get('application_name')!;
  const ct = p.get('connect_timeout');
  if (ct) {
    const seconds = Number(ct);
    if (!Number.isFinite(seconds) || seconds < 0) bad(`connect_timeout "${ct}" is not a number of seconds`);
    if (seconds > 0) out.connectTimeoutMs = seconds * 1000;
  }
  return out;
}

/** Opens one session on a real server. The password, when not in the target, comes from PGPASSWORD or the pgpass file. */
export async function openPgDriver(target: PgTarget, opts: DriverOptions = {}): Promise<Driver> {
  const s = resolvePgSettings(target);
  const timeoutMs = s.connectTimeoutMs ?? opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const base: ClientConfig = {
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: passwordSource(s),
    application_name: s.applicationName ?? opts.applicationName ?? 'pgshift',
    connectionTimeoutMillis: timeoutMs,
    keepAlive: true,
  };
  const isSocket = s.host.startsWith('/');
  const ssl = isSocket ? false : sslOptions(s);
  try {
    return await connect(s, { ...base, ssl });
  } catch (e) {
    // sslmode=prefer: like libpq, fall back to a plain connection when TLS is unavailable or refused.
    if (s.sslmode === 'prefer' && ssl !== false && isSslFailure(e)) {
      return await connect(s, { ...base, ssl: false });
    }
    throw e;
  }
}

async function connect(s: PgSettings, config: ClientConfig): Promise<Driver> {
  const client = createClient(config);
  try {
    await client.connect();
  } catch (e) {
    client.end().catch(() => undefined);
    throw connectError(e, s, config.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }
  const pid = (client as unknown as { processID: number | null }).processID;
  return new PgDriver(client, config, s, pid ?? undefined);
}

class PgDriver implements Driver {
  readonly kind = 'pg';
  readonly supportsConcurrentSessions = true;
  readonly description: string;
  private inFlight = 0;
  private lost: Error | undefined;
  private closed = false;
  private version: ServerVersion | undefined;

  constructor(
    private readonly client: Client,
    private readonly config: ClientConfig,
    private readonly settings: PgSettings,
    private pid: number | undefined,
  ) {
    this.description = describePgSettings(settings);
    client.on('error', (e) => (this.lost = e));
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    // queryMode 'extended' keeps one-statement semantics even without parameters (pg would use the simple protocol).
    const config = { text: sql, values: [...params], queryMode: 'extended' };
    const r = (await this.run(() =>
      this.client.query(config as { text: string; values: unknown[] }),
    )) as PgQueryResult;
    return toResult<R>(r);
  }

  async exec(sql: string): Promise<QueryResult[]> {
    const r = (await this.run(() => this.client.query(sql))) as PgQueryResult | PgQueryResult[];
    const list = Array.isArray(r) ? r : [r];
    // An empty or comment-only string gives one result with no command; it is not a statement.
    return list.filter((x) => x.command != null).map((x) => toResult(x));
  }

  /**
   * node-pg's pipeline mode, switched on for these steps only: every message goes out in one write
   * before the first reply is read (each query still ends in its own Sync). The rest of pgshift's
   * traffic stays one query at a time. A pg without pipeline mode gets the steps one by one.
   */
  async pipeline(steps: readonly PipelineStep[]): Promise<PipelineOutcome[]> {
    const c = this.client as unknown as PipelineCapable;
    if (steps.length < 2 || typeof c.pipeline !== 'boolean' || this.inFlight > 0 || this.closed || this.lost)
      return pipelineOneByOne(this, steps);
    const stream = c.connection?.stream;
    const pending: Promise<unknown>[] = [];
    c.pipeline = true;
    this.inFlight++;
    stream?.cork?.();
    try {
      for (const s of steps) {
        const config = s.params ? { text: s.sql, values: [...s.params], queryMode: 'extended' } : s.sql;
        try {
          pending.push(this.client.query(config as string));
        } catch (e) {
          pending.push(Promise.reject(e));
        }
      }
    } finally {
      stream?.uncork?.();
    }
    try {
      const settled = await Promise.allSettled(pending);
      return settled.map((r): PipelineOutcome => {
        if (r.status === 'rejected') return { ok: false, error: this.failure(r.reason) };
        const list = Array.isArray(r.value) ? (r.value as PgQueryResult[]) : [r.value as PgQueryResult];
        return { ok: true, results: list.filter((x) => x.command != null).map((x) => toResult(x)) };
      });
    } finally {
      // Only once every sent query has its answer: the queue of sent queries is read in pipeline mode only.
      c.pipeline = false;
      this.inFlight--;
    }
  }

  async copyOut(sql: string, sink: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    await this.run(async () => {
      const stream = this.client.query(copyTo(sql));
      for await (const chunk of stream) await sink(chunk as Buffer);
    });
  }

  async serverVersion(): Promise<ServerVersion> {
    this.version ??= await queryServerVersion(this);
    return this.version;
  }

  async backendPid(): Promise<number> {
    if (this.pid === undefined) {
      const r = await this.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.pid = r.rows[0].pid;
    }
    return this.pid;
  }

  /** Cancels from a second short-lived session (pg_cancel_backend), which works through TLS and poolers alike. */
  async cancel(): Promise<void> {
    if (this.inFlight === 0 || this.closed || this.pid === undefined) return;
    const other = createClient({ ...this.config, application_name: 'pgshift-cancel' });
    try {
      await other.connect();
      await other.query('SELECT pg_cancel_backend($1)', [this.pid]);
    } catch (e) {
      throw connectError(e, this.settings, this.config.connectionTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } finally {
      await other.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }

  /** A failed call as a DbError: the server's error, or the lost connection. */
  private failure(e: unknown): DbError {
    return isServerError(e) ? serverError(e) : lostError(e, this.description);
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new DbError(`the connection to ${this.description} is closed`);
    if (this.lost) throw lostError(this.lost, this.description);
    this.inFlight++;
    try {
      return await fn();
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.inFlight--;
    }
  }
}

/** What pipeline() needs of node-pg's Client (8.23+): the pipeline switch and the connection's socket. */
interface PipelineCapable {
  pipeline?: boolean;
  connection?: { stream?: { cork?: () => void; uncork?: () => void } };
}

function createClient(config: ClientConfig): Client {
  // Loaded on first connect so that importing this module (e.g. at extension activation) costs nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require('pg') as typeof import('pg');
  const client = new pg.Client(config);
  // pg emits 'error' for failures outside a pending call; without a listener that would crash the process.
  client.on('error', () => undefined);
  return client;
}

function toResult<R>(r: PgQueryResult): QueryResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? null, command: r.command ?? undefined };
}

/** Asked for only when the server wants a password; an explicit one wins, then PGPASSWORD, then the pgpass file. */
function passwordSource(s: PgSettings): () => Promise<string> {
  return async () => {
    const pw =
      s.password ??
      (process.env.PGPASSWORD || undefined) ??
      lookupPgpass({ host: s.host, port: s.port, database: s.database, user: s.user });
    if (pw === undefined) throw new NoPasswordError();
    return pw;
  };
}

class NoPasswordError extends Error {
  constructor() {
    super('no password');
  }
}

function sslOptions(s: PgSettings): false | ConnectionOptions {
  const ca = s.sslrootcert ? readCa(s.sslrootcert) : undefined;
  switch (s.sslmode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ca };
  }
}

function readCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `cannot read sslrootcert file ${file}`,
      'point sslrootcert at the CA certificate (PEM)',
    );
  }
}

function isSslFailure(e: unknown): boolean {
  if (!(e instanceof DbError)) return false;
  return e.code === INVALID_AUTHORIZATION_SPECIFICATION || /\bSSL\b|TLS|certificate/i.test(e.message);
}

interface ErrorLike {
  message?: string;
  code?: string;
  severity?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

function isServerError(e: unknown): e is ErrorLike & { code: string } {
  const x = e as ErrorLike | null;
  return !!x && typeof x.code === 'string' && typeof x.severity === 'string';
}

function serverError(e: ErrorLike & { code: string }): DbError {
  const position = e.position ? Number(e.position) : undefined;
  return new DbError(oneLineMessage(e.message ?? 'database error'), e.code, position, e.detail, e.hint);
}

function lostError(e: unknown, where: string): DbError {
  const msg = oneLineMessage((e as ErrorLike | null)?.message ?? String(e));
  if (/terminated|ECONNRESET|EPIPE|not queryable|closed/i.test(msg)) {
    return new DbError(
      `lost the connection to ${where} (${msg}) — the server closed it (restart, crash or pg_terminate_backend); reconnect and check what was applied`,
      CONNECTION_FAILURE,
    );
  }
  return new DbError(msg);
}

/** One line naming the target (never the password) and the next step. Client-side failures use SQLSTATE 08001. */
function connectError(e: unknown, s: PgSettings, timeoutMs: number): DbError {
  const where = s.host.startsWith('/') ? `socket ${s.host}/.s.PGSQL.${s.port}` : `${s.host}:${s.port}`;
  const x = (e ?? {}) as ErrorLike;
  const raw = oneLineMessage(x.message ?? String(e));
  const fail = (msg: string, code = SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION) =>
    new DbError(scrub(msg, s), code);

  if (e instanceof NoPasswordError) {
    return fail(
      `the server at ${where} asked for a password for user "${s.user}" and none was given — set it (SecretStorage, PGPASSWORD or ~/.pgpass)`,
      INVALID_PASSWORD,
    );
  }
  if (isServerError(e)) {
    switch (x.code) {
      case INVALID_PASSWORD:
        return fail(
          `password authentication failed for user "${s.user}" — check the password (SecretStorage, PGPASSWORD or ~/.pgpass)`,
          x.code,
        );
      case INVALID_CATALOG_NAME:
        return fail(
          `database "${s.database}" does not exist on ${where} — create it or fix the database name`,
          x.code,
        );
      case INVALID_AUTHORIZATION_SPECIFICATION:
        return fail(
          `${raw} — ask the server's administrator to allow this connection in pg_hba.conf, or try another sslmode`,
          x.code,
        );
      case TOO_MANY_CONNECTIONS:
        return fail(
          `${where} has too many connections — close idle sessions or raise max_connections`,
          x.code,
        );
      case CANNOT_CONNECT_NOW:
        return fail(
          `${where} is not accepting connections yet (${raw}) — wait until it is ready and try again`,
          x.code,
        );
      default:
        return fail(`could not connect to ${where}: ${raw}`, x.code);
    }
  }
  switch (x.code) {
    case 'ECONNREFUSED':
      return fail(
        `could not connect to ${where}: connection refused — is the server running and accepting TCP connections?`,
      );
    case 'ENOENT':
      return fail(
        `could not connect to ${where}: no such socket — is the server running on this machine and port?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(`could not connect to ${where}: host "${s.host}" not found — check the host name`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail(
        `could not connect to ${where}: host unreachable (${x.code}) — check the host, the port and any firewall or VPN`,
      );
  }
  if (/timeout/i.test(raw)) {
    return fail(
      `could not connect to ${where}: timed out after ${timeoutMs / 1000} s — is the host reachable and the port right? (raise the connect timeout for a slow server)`,
    );
  }
  if (/does not support SSL/i.test(raw)) {
    return fail(
      `could not connect to ${where}: the server does not support SSL — use sslmode=prefer or sslmode=disable`,
    );
  }
  if (/certificate|self.signed|CERT_/i.test(raw) || /CERT/.test(x.code ?? '')) {
    return fail(
      `could not verify the TLS certificate of ${where} (${raw}) — set sslrootcert to the CA file, or use sslmode=require`,
    );
  }
  if (/terminated|ECONNRESET|socket hang up/i.test(raw)) {
    return fail(
      `the server at ${where} closed the connection during start-up (${raw}) — check the server log, sslmode and pg_hba.conf`,
    );
  }
  return fail(`could not connect to ${where}: ${raw}`);
}

/** Belt and braces: whatever a library put in a message, the password never leaves this module. */
function scrub(msg: string, s: PgSettings): string {
  const secrets = [s.password, process.env.PGPASSWORD].filter((p): p is string => !!p && p.length >= 3);
  return secrets.reduce((m, p) => m.split(p).join('********'), msg);
}

function parsePort(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) {
    throw new ConfigError(`invalid port in ${what}: expected a number from 1 to 65535`);
  }
  return n;
}

function parseSslMode(v: string, what: string): SslMode {
  if (!SSL_MODES.includes(v)) {
    throw new ConfigError(
      `invalid ${what} "${v}"`,
      'use one of disable, prefer, require, verify-ca, verify-full',
    );
  }
  // libpq's 'allow' tries plain first; 'prefer' tries TLS first. Both end up connected when either works.
  return (v === 'allow' ? 'prefer' : v) as SslMode;
}

function safeOsUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** pg-copy-streams' COPY TO STDOUT query, loaded on the first backup file (no other command needs it). */
function copyTo(sql: string): import('pg-copy-streams').CopyToStreamQuery {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see the comment
  const { to } = require('pg-copy-streams') as typeof import('pg-copy-streams');
  return to(sql);
}
