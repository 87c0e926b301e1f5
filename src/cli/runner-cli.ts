/**
 * What the runner commands (status, up, down, redo, validate, history, resolve) share: their options,
 * turning options into a target, a migration set and settings, opening the database, and rendering.
 */
import { isAbsolute, relative } from 'node:path';
import { loadConfig, type LoadedConfig } from '../core/config';
import { codeProjectOf, codeRunRefusal, type CodeProject } from '../core/frameworks/project';
import type { Driver } from '../core/db/driver';
import { openDriver } from '../core/db/open';
import { PgshiftError } from '../core/errors';
import type { MigrationSet } from '../core/migrations/model';
import type { MigrationsChoice } from '../core/migrations/choose';
import { backupSettings, openProject, type ProjectRequest, type TargetChoice } from '../core/project';
import type { BackupSettings } from '../core/runner/backup';
import { fmtBytes, countText } from '../core/text';
import {
  assertMayWrite,
  targetIsAbsent,
  type ResolvedTarget,
  type RunnerEvent,
  type RunnerInput,
  type RunnerSettings,
  type WriteCommand,
} from '../core/runner';
import { ms, oneLineSql } from '../core/text';
import { formatOption, type Options, type Values } from './command';
import type { Io } from './io';
import { monitorLines } from './monitor-lines';

export const RUNNER_OPTIONS: Options = {
  db: { type: 'string' },
  env: { type: 'string' },
  dir: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
};

/** up, down and redo: --no-backup runs a migration that destroys data without copying it first. */
export const BACKUP_OPTIONS: Options = { 'no-backup': { type: 'boolean' } };
export const BACKUP_USAGE = `--no-backup             do not copy what the migrations destroy into the archive first (backup.*)`;

export const TARGET_USAGE = `--db URL | --env NAME   the database (default: DATABASE_URL, then the config's defaultEnvironment,
                          then the embedded database in .pgshift/db)
  --dir D                 migrations directory (default: the config's migrationsDir)
  --config F              pgshift.config.json to use
  --format text|json`;

export interface RunnerContext {
  loaded: LoadedConfig;
  set: MigrationSet;
  /** how the migrations folder and layout were chosen (config or detection) */
  migrations: MigrationsChoice;
  settings: RunnerSettings;
  backup: BackupSettings;
  target: ResolvedTarget;
  format: 'text' | 'json';
  /** undefined when the embedded database does not exist yet and the command only reads */
  driver?: Driver;
  /** the project's migrations are a code-based tool's (Django, Rails, ...): read from its table, never run */
  code?: CodeProject;
  close(): Promise<void>;
}

/** The commands that would apply or unapply migrations: a code-based tool's are its own to run. */
const RUNS_MIGRATIONS: ReadonlySet<string> = new Set(['up', 'down', 'redo', 'resolve']);

export interface ContextOptions {
  /** the command writes: read-only environments refuse, production ones need --yes */
  write?: WriteCommand;
  /** the command needs a database even if the embedded one must be created (dry runs) */
  needsDatabase?: boolean;
}

function formatOf(values: Values): 'text' | 'json' {
  return formatOption(values, ['text', 'json'], 'text');
}

async function runnerContext(values: Values, io: Io, opts: ContextOptions = {}): Promise<RunnerContext> {
  const format = formatOf(values);
  const request = projectRequest(values, io);
  const given = loadConfig(request.cwd, request.configFile);
  const code = codeProjectOf(given, { dirGiven: request.dir !== undefined });
  if (code && (opts.needsDatabase || (opts.write && RUNS_MIGRATIONS.has(opts.write))))
    throw codeRunRefusal(code);
  const project = openProject({ ...request, loaded: given, discover: code ? false : undefined });
  const { loaded, target, settings, migrations } = project;
  if (opts.write) assertMayWrite(target, opts.write, values.yes === true);
  const absent = targetIsAbsent(target);
  const driver = absent && !opts.write && !opts.needsDatabase ? undefined : await openDriver(target.target);
  const backup = backupSettings(loaded, target, values['no-backup'] === true);
  return {
    loaded,
    // a code-based tool's project has no SQL migrations folder: read only if a command asks
    get set() {
      return project.set;
    },
    migrations,
    settings,
    backup,
    target,
    format,
    driver,
    ...(code ? { code } : {}),
    close: async () => driver?.close(),
  };
}

/** What --config, --dir, --db and --env ask for, as openProject takes it. */
export function projectRequest(values: Values, io: Io): ProjectRequest<TargetChoice & { kind: 'resolve' }> {
  return {
    cwd: io.cwd,
    configFile: values.config as string | undefined,
    dir: values.dir as string | undefined,
    target: {
      kind: 'resolve',
      db: values.db as string | undefined,
      env: values.env as string | undefined,
      environ: io.env,
    },
  };
}

/** Runs `fn` with a context, always closing the connection. */
export async function withRunnerContext<T>(
  values: Values,
  io: Io,
  opts: ContextOptions,
  fn: (ctx: RunnerContext) => Promise<T>,
): Promise<T> {
  const ctx = await runnerContext(values, io, opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/**
 * The runner input of a command that runs migrations: the context's driver, set and settings, Ctrl-C
 * as cancel, and progress printed in the context's format. The signal's handlers are removed after `fn`.
 */
export async function withRunnerInput<T>(
  ctx: RunnerContext,
  io: Io,
  fn: (input: RunnerInput) => Promise<T>,
): Promise<T> {
  const interrupt = interruptSignal();
  try {
    return await fn({
      driver: ctx.driver!,
      set: ctx.set,
      settings: ctx.settings,
      signal: interrupt.signal,
      onEvent: ctx.format === 'text' ? textProgress(io) : jsonProgress(io),
      openMonitor: () => openDriver(ctx.target.target),
      backup: ctx.backup,
    });
  } finally {
    interrupt.dispose();
  }
}

/** Aborts on the first Ctrl-C (the running statement is cancelled, the state stays truthful); a second one kills. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}

export function positiveInt(values: Values, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < 1) {
    throw new PgshiftError(`--${name} must be a whole number of at least 1, got "${String(v)}"`, {
      exitCode: 2,
      code: 'usage',
    });
  }
  return n;
}

export function shownPath(file: string, cwd: string): string {
  const r = relative(cwd, file);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? file : r;
}

/** Left-aligned columns, the last one free. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** '2026-01-01T09:00:00.123Z' → '2026-01-01 09:00:00Z' */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Progress of a run for a person reading a terminal or a CI log. */
export function textProgress(io: Io): (e: RunnerEvent) => void {
  const bar = batchProgress(io);
  const monitor = monitorLines(io);
  return (e) => {
    if (e.type !== 'batch') bar.end();
    if (e.type === 'blocked' || e.type === 'blocking' || e.type === 'policy-cancel') return monitor.update(e);
    monitor.end();
    switch (e.type) {
      case 'lock-wait':
        io.err(`${e.message}\n`);
        break;
      case 'warning':
        io.err(`warning: ${e.message}\n`);
        break;
      case 'retry':
        io.err(`  ${e.version}: ${e.error}; retrying in ${ms(e.delayMs)} (attempt ${e.attempt + 1})\n`);
        break;
      case 'batch':
        bar.update(e);
        break;
      case 'paused':
        io.err(`  ${e.version}: paused: ${e.reason}\n`);
        break;
      case 'resumed':
        io.err(`  ${e.version}: resumed\n`);
        break;
      case 'check':
        io.err(
          `  ${e.version}: check-${e.when} ${e.ok ? 'true' : 'NOT true'}: ${oneLineSql(e.sql, 80, { keepTrailingComment: true })}\n`,
        );
        break;
      case 'backup':
        io.err(
          `  ${e.version}: backing up ${e.objects.map((o) => o.what).join(', ')} into ${e.schema} (≈ ${fmtBytes(e.bytes)}, ${countText(e.rows)} rows)\n`,
        );
        break;
      case 'step-done': {
        const r = e.result;
        for (const b of r.backups ?? [])
          io.err(
            `  ${r.version}: backup ${b.id} verified: ${countText(b.rows)} rows, ${fmtBytes(b.bytes)} (\`pgshift restore ${b.id}\` puts it back)\n`,
          );
        if (r.failure) break;
        const verb = r.outcome === 'applied' ? 'applied' : 'rolled back';
        const note = r.empty ? '  (empty: nothing to run)' : '';
        io.out(
          `${verb.padEnd(11)}  ${(r.version || 'repeatable').padEnd(14)}  ${r.name.padEnd(36)}  ${ms(r.durationMs)}${note}\n`,
        );
        break;
      }
    }
  };
}

type BatchEvent = Extract<RunnerEvent, { type: 'batch' }>;

/**
 * A batched statement's progress: on a terminal one line redrawn in place (bar, rows, rows/s, ETA);
 * in a log a plain line at most every 5 seconds, and the last one.
 */
function batchProgress(io: Io): { update(e: BatchEvent): void; end(): void } {
  let open = false;
  let lastLine = 0;
  let last: BatchEvent | undefined;
  const line = (e: BatchEvent): string => {
    const pct = e.total > 0 ? Math.min(100, Math.floor((e.done / e.total) * 100)) : 100;
    const eta = e.etaMs !== null ? ` · ETA ${ms(e.etaMs)}` : '';
    const n = (x: number): string => x.toLocaleString('en-US');
    return `  ${e.version}: ${pct}% ${n(e.done)}/${n(e.total)} rows · ${n(e.rowsPerSecond)} rows/s · batch ${n(e.batches)} of ${n(e.size)} in ${ms(e.ms)}${eta}`;
  };
  return {
    update(e) {
      last = e;
      if (io.progress) {
        const filled = e.total > 0 ? Math.round((Math.min(e.done, e.total) / e.total) * 20) : 20;
        io.err(`\r\x1b[2K${'█'.repeat(filled)}${'░'.repeat(20 - filled)}${line(e)}`);
        open = true;
      } else if (Date.now() - lastLine >= 5000) {
        io.err(`${line(e)}\n`);
        lastLine = Date.now();
        last = undefined;
      }
    },
    end() {
      if (open) io.err('\n');
      else if (last) io.err(`${line(last)}\n`);
      open = false;
      last = undefined;
    },
  };
}

/**
 * With --format json, stdout holds only the result; progress goes to stderr, one JSON object a line
 * ({"event":"batch","version",...}), and the lock wait as a sentence.
 */
export function jsonProgress(io: Io): (e: RunnerEvent) => void {
  return (e) => {
    if (e.type === 'lock-wait') io.err(`${e.message}\n`);
    else if (
      e.type === 'batch' ||
      e.type === 'paused' ||
      e.type === 'resumed' ||
      e.type === 'check' ||
      e.type === 'blocked' ||
      e.type === 'blocking' ||
      e.type === 'policy-cancel'
    ) {
      const { type, ...rest } = e;
      io.err(`${JSON.stringify({ event: type, ...rest })}\n`);
    }
  };
}
