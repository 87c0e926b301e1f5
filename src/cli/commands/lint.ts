import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userCacheDir } from '../../core/cache-dir';
import { loadConfig, seedsDir, type LoadedConfig } from '../../core/config';
import { chooseMigrations } from '../../core/migrations/choose';
import { PgshiftError } from '../../core/errors';
import { expandPaths } from '../../core/files';
import {
  formatGithub,
  formatSarif,
  jsonReport,
  textReport,
  reportFiles,
  type ReportFile,
} from '../../core/lint/format';
import { lintFilesCached, type LintCacheStats } from '../../core/lint/lint-cached';
import { lintFiles, lintOptionsFromConfig } from '../../core/lint/lint-files';
import { codeLanguageOf } from '../../core/frameworks/lint-code';
import { codeMigrationFiles, listCodeMigrations } from '../../core/frameworks/index';
import { codeProjectOf } from '../../core/frameworks/project';
import { lintCodeFiles, skippedNotes, type CodeFileLintResult } from '../../core/frameworks/lint-code-files';
import { TOOL_TITLES, type CodeMigrationSet } from '../../core/frameworks/model';
import { hasOfflineSql, lintOfflineMigrations } from '../../core/frameworks/offline-run';
import type { CodeProject } from '../../core/frameworks/project';
import type { LintOptions } from '../../core/lint/types';
import { lintFilesParallel } from '../../core/lint/lint-parallel';
import { SEVERITIES, type Severity } from '../../core/lint/types';
import { PGSHIFT_VERSION } from '../../core/version';
import { formatOption, type Command, type Values } from '../command';
import type { Io } from '../io';
import { LINT_FLAGS, setFlags } from '../v8-flags';

const FORMATS = ['text', 'json', 'sarif', 'github'];

export const lintCommand: Command = {
  name: 'lint',
  summary: 'Check migrations for risky SQL (locks, rewrites, data loss)',
  usage: `pgshift lint [paths or globs...] [--format text|json|sarif|github] [--config F] [--pg-version N] [--fail-on error|warning|info]
                    [--no-cache | --cache-location DIR] [--offline-sql]

  With no paths, lints the configured migrations directory and the seeds folder (seeds.dir), or in a
  Django, Rails, Alembic, Knex, Sequelize, TypeORM or EF project the SQL strings of its migrations
  (.py/.rb/.js/.ts/.cs files can also be named). Exit 0 when nothing reaches --fail-on
  (default warning), 1 when something does, 2 on usage or config errors.
  --offline-sql (or offlineSql.enabled): in an Alembic or Django project, lint the SQL the tool itself
  prints (alembic upgrade heads --sql, manage.py sqlmigrate) instead of the strings in the files, each
  finding on the operation that emits the statement.
  Files whose findings cannot have changed are not linted again: the cache is in .pgshift/cache of the
  project (when it has a config file or a .pgshift folder), else in the user's cache directory.`,
  options: {
    'pg-version': { type: 'string' },
    'fail-on': { type: 'string' },
    'no-cache': { type: 'boolean' },
    'cache-location': { type: 'string' },
    'offline-sql': { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const format = formatOption(values, FORMATS, 'text');
    const failOn = (values['fail-on'] as string | undefined) ?? 'warning';
    if (!SEVERITIES.includes(failOn as Severity))
      throw new PgshiftError(`unknown --fail-on "${failOn}"`, {
        hint: 'use error, warning, info or hint',
        exitCode: 2,
      });
    const loaded = loadConfig(io.cwd, values.config as string | undefined);
    let pgVersion = loaded.config.postgresVersion;
    if (values['pg-version'] !== undefined) {
      pgVersion = Number(values['pg-version']);
      if (!Number.isInteger(pgVersion) || pgVersion < 9 || pgVersion > 30) {
        throw new PgshiftError(
          `--pg-version must be a major version such as 15, got "${values['pg-version']}"`,
          { exitCode: 2 },
        );
      }
    }
    // with no paths: a code-based tool's migrations (the SQL strings in them); else the config's
    // migrationsDir or the folder of the tool detected in the project (prisma/migrations), and the
    // seeds when there are any (they run on the same databases)
    const code = positionals.length ? undefined : codeProjectOf(loaded);
    const codeSet = code && listCodeMigrations(code.detection);
    const args = positionals.length
      ? positionals
      : codeSet
        ? codeMigrationFiles(codeSet)
        : [chooseMigrations(loaded).dir, ...(existsSync(seedsDir(loaded)) ? [seedsDir(loaded)] : [])];
    const { files, missing } = expandPaths(
      args,
      io.cwd,
      loaded.root,
      loaded.config.include,
      loaded.config.exclude,
    );
    if (missing.length)
      throw new PgshiftError(`no such file or directory, or no match: ${missing.join(', ')}`, {
        hint: 'check the paths',
        exitCode: 2,
      });
    const options = lintOptionsFromConfig(loaded.config, { postgresVersion: pgVersion });
    const codeFiles = files.filter((f) => codeLanguageOf(f) !== undefined);
    const sqlFiles = files.filter((f) => codeLanguageOf(f) === undefined);
    const offline =
      values['offline-sql'] === true || loaded.config.offlineSql.enabled
        ? await lintOffline(
            loaded,
            code && { ...code, set: codeSet! },
            codeFiles,
            options,
            io,
            values['offline-sql'] === true,
          )
        : [];
    const fromOutput = new Set(offline.map((r) => r.file));
    const inPlace = codeFiles.filter((f) => !fromOutput.has(f));
    const codeResults = [...offline, ...(inPlace.length ? await lintCodeFiles(inPlace, options) : [])];
    // before the parser compiles (see v8-flags.ts); only here, never in the editor's host
    setFlags(LINT_FLAGS);
    const showProgress = io.progress && files.length > 200;
    const onProgress = showProgress
      ? (d: number, t: number) => d % 100 === 0 && io.err(`\rlinting ${d}/${t}`)
      : undefined;
    const threads = threadsFrom(io.env.PGSHIFT_THREADS);
    const stats = { threads: 1, workerFailures: 0 };
    const parallel =
      io.workerScript && threads !== 1
        ? { workerScript: io.workerScript, threads, onProgress, stats }
        : undefined;
    const cacheDir = lintCacheDir(values, io, loaded);
    const cacheStats: LintCacheStats = { hits: 0, misses: sqlFiles.length, linted: [] };
    const sqlResults = !sqlFiles.length
      ? []
      : cacheDir
        ? await lintFilesCached(sqlFiles, options, {
            cacheDir,
            parallel,
            onProgress,
            stats: cacheStats,
            // the JSON and plain text reports print the stored parts; the others need the findings
            located: !(format === 'json' || (format === 'text' && !io.color)),
          })
        : parallel
          ? reportFiles(await lintFilesParallel(sqlFiles, options, parallel))
          : reportFiles(await lintFiles(sqlFiles, options, onProgress));
    const byFile = new Map<string, ReportFile>(
      [...sqlResults, ...reportFiles(codeResults)].map((r) => [r.file, r]),
    );
    const results = files.map((f) => byFile.get(f)!);
    if (io.env.PGSHIFT_DEBUG)
      io.err(
        `pgshift lint: ${files.length} files, ${cacheStats.hits} from the cache (${cacheDir ?? 'off'}), ${cacheStats.misses} linted on ${stats.threads} thread(s), ${stats.workerFailures} worker(s) failed${cacheDir ? `, ${cacheStats.read ?? 0} file(s) read to hash` : ''}\n`,
      );
    if (showProgress) io.err('\r\x1b[K');
    const rendered =
      format === 'json'
        ? jsonReport(results, io.cwd)
        : format === 'sarif'
          ? formatSarif(results, io.cwd, PGSHIFT_VERSION)
          : format === 'github'
            ? formatGithub(results, io.cwd)
            : textReport(results, io.cwd, io.color);
    io.out(rendered);
    if (format === 'text') for (const r of codeResults) io.out(skippedNotes(r, io.cwd));
    const worst = SEVERITIES.indexOf(failOn as Severity);
    const failing = results.some((r) => r.counts.some((n, i) => n > 0 && i <= worst));
    return failing ? 1 : 0;
  },
};

/**
 * --offline-sql / offlineSql.enabled: the Alembic or Django project's migrations among the files (all of
 * them with no paths) linted from the tool's own offline SQL. Asked for on the command line in a project
 * of another tool, it is an error; set in the config, such a project is linted as without it.
 */
async function lintOffline(
  loaded: LoadedConfig,
  found: (CodeProject & { set: CodeMigrationSet }) | undefined,
  codeFiles: readonly string[],
  options: LintOptions,
  io: Io,
  asked: boolean,
): Promise<CodeFileLintResult[]> {
  const project = found ?? codeProjectOf(loaded);
  if (!project || !hasOfflineSql(project.detection.tool)) {
    if (!asked) return [];
    const what = project
      ? `a ${TOOL_TITLES[project.detection.tool]} project`
      : 'no Alembic or Django project';
    throw new PgshiftError(`--offline-sql: pgshift finds ${what} here`, {
      hint: 'offline SQL comes from Alembic (upgrade --sql) and Django (sqlmigrate); run it from the project, or without --offline-sql',
      exitCode: 2,
    });
  }
  const wanted = new Set(codeFiles);
  const all = (found?.set ?? listCodeMigrations(project.detection)).migrations;
  if (!all.some((m) => wanted.has(m.file))) return [];
  return lintOfflineMigrations(project.detection, all, wanted, loaded.config.offlineSql, options, {
    onCommand: io.progress ? (c) => io.err(`\r\x1b[Krunning ${c}`) : undefined,
  }).finally(() => {
    if (io.progress) io.err('\r\x1b[K');
  });
}

/**
 * The lint cache's directory: --cache-location, else `.pgshift/cache` in a project that has a config
 * file or a .pgshift folder (CI can keep it between runs), else `lint/` in the user's cache directory.
 * Undefined with --no-cache, or when there is no user cache directory (no HOME).
 */
function lintCacheDir(values: Values, io: Io, loaded: LoadedConfig): string | undefined {
  const given = values['cache-location'] as string | undefined;
  if (values['no-cache']) {
    if (given !== undefined)
      throw new PgshiftError('--no-cache and --cache-location contradict each other', {
        hint: 'give one of them',
        exitCode: 2,
        code: 'usage',
      });
    return undefined;
  }
  if (given !== undefined) {
    if (!given) throw new PgshiftError('--cache-location needs a directory', { exitCode: 2, code: 'usage' });
    return resolve(io.cwd, given);
  }
  const project = join(loaded.root, '.pgshift');
  if (loaded.file || existsSync(project)) return join(project, 'cache');
  const user = userCacheDir(io.env, process.platform, io.env.HOME ?? io.env.USERPROFILE);
  return user && join(user, 'lint');
}

/** PGSHIFT_THREADS=N caps the lint threads (1: no worker threads); unset or invalid: the default. */
function threadsFrom(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n >= 1 ? n : undefined;
}
