/**
 * Runs a code-based tool's own offline SQL command for its migrations and hands the output to
 * offline-sql.ts: Alembic `python -m alembic -c alembic.ini upgrade heads --sql` (one process, no
 * database: Alembic's offline mode), Django `python manage.py sqlmigrate <app> <name>` per migration
 * (Django reads the database the project's settings name, as it does for every command).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { managePy } from './django';
import type { OfflineSqlConfig } from '../config';
import { PgshiftError } from '../errors';
import type { LintOptions } from '../lint/types';
import { loadParser } from '../sql/parser';
import type { CodeFileLintResult } from './lint-code-files';
import type { CodeDetection, CodeMigration } from './model';
import {
  lintOfflineSql,
  OFFLINE_TOOLS,
  splitAlembicOutput,
  type OfflineOutput,
  type OfflineTool,
} from './offline-sql';

export function hasOfflineSql(tool: string): tool is OfflineTool {
  return (OFFLINE_TOOLS as readonly string[]).includes(tool);
}

export interface OfflineRun {
  /** runs a program, resolves its stdout; rejects with its stderr (tests pass their own) */
  exec?: (file: string, args: string[], cwd: string, timeoutMs: number) => Promise<string>;
  /** one call per command started, for progress */
  onCommand?: (command: string) => void;
}

function execTool(file: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });
}

/** The command line as a person would type it, for messages. */
function shown(file: string, args: string[]): string {
  return [file, ...args].map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}

function failure(command: string, err: unknown, hint: string): PgshiftError {
  const e = err as { stderr?: string; code?: unknown; killed?: boolean; message?: string };
  const lines = (e.stderr ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.trim() && !/^[\s^~]+$/.test(l));
  const last = lines.slice(-3).join('\n  ');
  const why =
    e.code === 'ENOENT'
      ? 'the program was not found'
      : e.killed
        ? 'it took too long and was stopped'
        : last || e.message || String(err);
  return new PgshiftError(`\`${command}\` failed: ${why}`, { hint, exitCode: 2 });
}

/**
 * The tool's offline SQL for the migrations (all of the project's, in apply order), linted; one result
 * per file of `files` that is a migration. Django runs sqlmigrate only for those; Alembic prints all.
 * Throws when the tool cannot be run, saying what it printed and what to do.
 */
export async function lintOfflineMigrations(
  d: CodeDetection,
  all: readonly CodeMigration[],
  files: ReadonlySet<string>,
  config: OfflineSqlConfig,
  options: LintOptions,
  run: OfflineRun = {},
): Promise<CodeFileLintResult[]> {
  const tool = d.tool;
  if (!hasOfflineSql(tool))
    throw new PgshiftError(`--offline-sql: ${tool} has no offline SQL command pgshift can run`, {
      hint: 'offline SQL is read from Alembic (upgrade --sql) and Django (sqlmigrate); without the flag pgshift lints the SQL strings in the files',
      exitCode: 2,
    });
  const exec = run.exec ?? execTool;
  const timeout = config.timeoutSeconds * 1000;
  const code = (m: CodeMigration): string => readFileSync(m.file, 'utf8');
  const outputs: OfflineOutput[] = [];
  if (tool === 'alembic') {
    const ini = join(d.root, 'alembic.ini');
    const args = ['-m', 'alembic', ...(existsSync(ini) ? ['-c', ini] : []), 'upgrade', 'heads', '--sql'];
    const command = shown(config.python, args);
    run.onCommand?.(command);
    let out: string;
    try {
      out = await exec(config.python, args, d.root, timeout);
    } catch (err) {
      throw failure(
        command,
        err,
        `pgshift runs Alembic's offline mode (no database) with offlineSql.python = "${config.python}": set it to the Python that has alembic and the project's packages (a virtualenv's bin/python), or lint without --offline-sql`,
      );
    }
    // every revision Alembic printed, in its order (the schema flows through all of them); the
    // results kept only for the files asked for
    const byKey = new Map(all.map((m) => [m.key, m]));
    for (const [rev, part] of splitAlembicOutput(out)) {
      const m = byKey.get(rev);
      if (m) outputs.push({ migration: m, code: code(m), ...part });
    }
  } else {
    const manage = managePy(d.root) ?? join(d.root, 'manage.py');
    const wanted = all.filter((x) => files.has(x.file));
    // one Django start per migration (~0.5-1 s each): a few at a time, the outputs kept in plan order
    const sql: string[] = new Array(wanted.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < wanted.length) {
        const i = next++;
        const m = wanted[i];
        const args = [manage, 'sqlmigrate', m.app ?? '', m.key.slice(m.key.indexOf('.') + 1)];
        const command = shown(config.python, args);
        run.onCommand?.(command);
        try {
          sql[i] = await exec(config.python, args, dirname(manage), timeout);
        } catch (err) {
          next = wanted.length; // the others stop after the one they are running
          throw failure(
            command,
            err,
            `sqlmigrate reads django_migrations from the database the project's settings name: start it (or point the settings at one), set offlineSql.python to the Python that has Django and the project's packages, or lint without --offline-sql`,
          );
        }
      }
    };
    const n = Math.max(1, Math.min(4, availableParallelism(), wanted.length));
    await Promise.all(Array.from({ length: n }, worker));
    wanted.forEach((m, i) => outputs.push({ migration: m, code: code(m), sql: sql[i] }));
  }
  const results = lintOfflineSql(await loadParser(), tool, outputs, options);
  return results.filter((r) => files.has(r.file));
}
