import { setFlagsFromString } from 'node:v8';
import { loadConfig, migrationsDir } from '../../core/config';
import { PgshiftError } from '../../core/errors';
import { expandPaths } from '../../core/files';
import { formatGithub, formatJson, formatSarif, formatText } from '../../core/lint/format';
import { lintFiles, lintOptionsFromConfig } from '../../core/lint/lint-files';
import { lintFilesParallel } from '../../core/lint/lint-parallel';
import { SEVERITIES, type Severity } from '../../core/lint/types';
import { PGSHIFT_VERSION } from '../../core/version';
import { formatOption, type Command } from '../command';

const FORMATS = ['text', 'json', 'sarif', 'github'];

export const lintCommand: Command = {
  name: 'lint',
  summary: 'Check migrations for risky SQL (locks, rewrites, data loss)',
  usage: `pgshift lint [paths or globs...] [--format text|json|sarif|github] [--config F] [--pg-version N] [--fail-on error|warning|info]

  With no paths, lints the configured migrations directory. Exit 0 when nothing reaches --fail-on
  (default warning), 1 when something does, 2 on usage or config errors.`,
  options: {
    'pg-version': { type: 'string' },
    'fail-on': { type: 'string' },
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
    const args = positionals.length ? positionals : [migrationsDir(loaded)];
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
    // Measured: V8's optimising tier-up of the 1.7 MB parser costs more than it saves in a lint run
    // (about 90 ms at start alone). Only here, before the parser compiles: never in the editor's host.
    setFlagsFromString('--liftoff-only');
    const showProgress = io.progress && files.length > 200;
    const onProgress = showProgress
      ? (d: number, t: number) => d % 100 === 0 && io.err(`\rlinting ${d}/${t}`)
      : undefined;
    const threads = threadsFrom(io.env.PGSHIFT_THREADS);
    const stats = { threads: 1, workerFailures: 0 };
    const results =
      io.workerScript && threads !== 1
        ? await lintFilesParallel(files, options, {
            workerScript: io.workerScript,
            threads,
            onProgress,
            stats,
          })
        : await lintFiles(files, options, onProgress);
    if (io.env.PGSHIFT_DEBUG)
      io.err(
        `pgshift lint: ${files.length} files on ${stats.threads} thread(s), ${stats.workerFailures} worker(s) failed\n`,
      );
    if (showProgress) io.err('\r\x1b[K');
    const rendered =
      format === 'json'
        ? formatJson(results, io.cwd)
        : format === 'sarif'
          ? formatSarif(results, io.cwd, PGSHIFT_VERSION)
          : format === 'github'
            ? formatGithub(results, io.cwd)
            : formatText(results, io.cwd, io.color);
    io.out(rendered);
    const rank = (s: Severity): number => SEVERITIES.indexOf(s);
    const failing = results.some((r) => r.findings.some((f) => rank(f.severity) <= rank(failOn as Severity)));
    return failing ? 1 : 0;
  },
};

/** PGSHIFT_THREADS=N caps the lint threads (1: no worker threads); unset or invalid: the default. */
function threadsFrom(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n >= 1 ? n : undefined;
}
