/**
 * Database sessions, one per environment, opened on first use and closed when idle: connection-long
 * lifetimes under the extension-long Ctx. Work on one session is queued (a session is one connection:
 * a status read must not interleave with a run's transaction). Reads get a timeout and a dead
 * connection is dropped, so nothing waits on an unreachable server for longer than the settings say;
 * every call takes an AbortSignal (a Cancel button). The embedded database is closed quickly when
 * idle, so the CLI in a terminal can open it too.
 */
import * as vscode from 'vscode';
import type { LoadedConfig } from '../../core/config';
import { DbError, type Driver } from '../../core/db/driver';
import { openDriver } from '../../core/db/open';
import { PgshiftError } from '../../core/errors';
import { targetIsAbsent, type ResolvedTarget, type RunnerSettings } from '../../core/runner';
import { backupSettings } from '../../core/project';
import type { BackupSettings } from '../../core/runner';
import type { Ctx } from '../ctx';
import { settings } from '../settings';
import { isSandbox, type Environment, type Environments } from './environments';
import { INVALID_PASSWORD } from '../../core/sqlstate';

export interface Session {
  env: Environment;
  target: ResolvedTarget;
  settings: RunnerSettings;
  loaded: LoadedConfig;
  /** backup.* for this target (off on the Local sandbox under 'auto') */
  backup: BackupSettings;
  /** undefined only for reads of an embedded database that does not exist yet */
  driver?: Driver;
}

export interface UseOptions {
  /** 'read' may skip creating the embedded database and gets the query timeout */
  purpose: 'read' | 'write';
  signal?: AbortSignal;
  /** reads only: defaults to the pgshift.queryTimeoutSeconds setting */
  timeoutMs?: number;
  /** ask for a password when the server wants one and none is known (default true) */
  prompt?: boolean;
  /** close a cached session first (Test connection measures a fresh one) */
  fresh?: boolean;
}

// Opening PGlite again costs about a second of the extension host's thread, so the sandbox stays open a
// while; a CLI run in a terminal waits up to 2 s for it, then names this process as the holder.
const IDLE_MS = { embedded: 30_000, server: 120_000 };

interface OpenSession {
  driver: Driver;
  /** the target it was opened for (a changed environment definition reopens) */
  description: string;
  idle?: NodeJS.Timeout;
}

export class TimeoutError extends PgshiftError {}

export class Sessions implements vscode.Disposable {
  private readonly open = new Map<string, OpenSession>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private disposed = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly environments: Environments,
  ) {}

  /** Runs `fn` on the environment's session, in turn with any other work on it. */
  async use<T>(env: Environment, fn: (s: Session) => Promise<T>, opts: UseOptions): Promise<T> {
    const resolved = await this.environments.resolve(env);
    if (opts.purpose === 'read' && targetIsAbsent(resolved.target)) {
      // reading an embedded database that was never created: it is empty, and reading must not create it
      return fn({ env, ...resolved, backup: backupSettings(resolved.loaded, resolved.target) });
    }
    const previous = this.queues.get(env.id) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.run(env, resolved, fn, opts));
    this.queues.set(env.id, mine);
    try {
      return await mine;
    } finally {
      if (this.queues.get(env.id) === mine) this.queues.delete(env.id);
    }
  }

  private async run<T>(
    env: Environment,
    resolved: { target: ResolvedTarget; settings: RunnerSettings; loaded: LoadedConfig },
    fn: (s: Session) => Promise<T>,
    opts: UseOptions,
  ): Promise<T> {
    throwIfAborted(opts.signal);
    if (opts.fresh) await this.close(env.id);
    let session = this.open.get(env.id);
    if (session && session.description !== resolved.target.description) {
      await this.close(env.id);
      session = undefined;
    }
    let target = resolved.target;
    if (!session) {
      const opened = await this.connect(env, resolved.target, opts);
      target = opened.target;
      session = { driver: opened.driver, description: resolved.target.description };
      this.open.set(env.id, session);
    }
    clearTimeout(session.idle);
    const driver = session.driver;
    try {
      const work = fn({ env, ...resolved, target, driver, backup: backupSettings(resolved.loaded, target) });
      return opts.purpose === 'read'
        ? await withDeadline(work, opts.timeoutMs ?? settings.queryTimeoutMs(), opts.signal, () => {
            // the connection may be dead or the server stuck: never reuse it
            void this.close(env.id);
            return new TimeoutError(
              `no answer from ${resolved.target.description} within ${Math.round((opts.timeoutMs ?? settings.queryTimeoutMs()) / 1000)} s`,
              { hint: 'check that the server is reachable, or raise pgshift.queryTimeoutSeconds' },
            );
          })
        : await work;
    } catch (e) {
      if (isConnectionLoss(e)) await this.close(env.id);
      throw e;
    } finally {
      this.scheduleIdleClose(env);
    }
  }

  private async connect(
    env: Environment,
    target: ResolvedTarget,
    opts: UseOptions,
  ): Promise<{ driver: Driver; target: ResolvedTarget }> {
    const connectTimeoutMs = settings.connectTimeoutMs();
    const attempt = (t: ResolvedTarget): Promise<Driver> =>
      withDeadline(
        openDriver(t.target, { connectTimeoutMs, applicationName: 'pgshift (VS Code)' }),
        connectTimeoutMs + 5_000,
        opts.signal,
        () => {
          return new TimeoutError(
            `could not connect to ${t.description} within ${Math.round(connectTimeoutMs / 1000)} s`,
            { hint: 'check the host and port, or raise pgshift.connectTimeoutSeconds' },
          );
        },
        (late) => void late.then((d) => d.close()).catch(() => undefined),
      );
    this.ctx.output.info(`connecting to ${target.description} (${env.label})`);
    try {
      return { driver: await attempt(target), target };
    } catch (e) {
      if (!(opts.prompt ?? true) || isSandbox(env) || !wantsPassword(e)) throw e;
      const password = await vscode.window.showInputBox({
        title: `pgshift: password for ${env.label}`,
        prompt: `${target.description} asks for a password. It is kept in VS Code's secret storage, never in a file.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) throw e;
      const withPassword = (await this.environments.resolve(env, password)).target;
      const driver = await attempt(withPassword);
      await this.environments.passwords.set(env.id, password);
      this.ctx.output.info(`password for ${env.label} saved in secret storage`);
      return { driver, target: withPassword };
    }
  }

  private scheduleIdleClose(env: Environment): void {
    const s = this.open.get(env.id);
    if (!s || this.disposed) return;
    clearTimeout(s.idle);
    const ms = s.driver.kind === 'pglite' ? IDLE_MS.embedded : IDLE_MS.server;
    s.idle = setTimeout(() => {
      // only when nothing is queued: a queued operation reschedules when it ends
      if (!this.queues.has(env.id)) void this.close(env.id);
    }, ms);
  }

  /** Closes the environment's session (the next use reconnects). */
  async close(id: string): Promise<void> {
    const s = this.open.get(id);
    if (!s) return;
    this.open.delete(id);
    clearTimeout(s.idle);
    await withDeadline(s.driver.close(), 5_000, undefined, () => new Error('close timed out')).catch((e) => {
      this.ctx.output.debug(`closing ${s.description}: ${(e as Error).message}`);
    });
    this.ctx.output.debug(`closed the session on ${s.description}`);
  }

  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }

  dispose(): void {
    this.disposed = true;
    void this.closeAll();
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new PgshiftError('cancelled');
}

/** `work`, unless the deadline passes or the signal aborts first. `onLate` gets the abandoned promise. */
function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  timeoutError: () => Error,
  onLate?: (p: Promise<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const timer = setTimeout(() => {
      finish(() => reject(timeoutError()));
      onLate?.(work);
    }, ms);
    const onAbort = (): void => {
      finish(() => reject(new PgshiftError('cancelled')));
      onLate?.(work);
    };
    signal?.addEventListener('abort', onAbort);
    work.then(
      (v) => finish(() => resolve(v)),
      (e) => finish(() => reject(e)),
    );
  });
}

function wantsPassword(e: unknown): boolean {
  return e instanceof DbError && e.code === INVALID_PASSWORD && /none was given/.test(e.message);
}

/** Errors after which the session cannot be trusted: lost connections, timeouts, anything unexpected. */
function isConnectionLoss(e: unknown): boolean {
  if (e instanceof DbError) return !e.code || /^(08|57P)/.test(e.code);
  return !(e instanceof PgshiftError);
}
