import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Driver } from '../../core/db/driver';
import { openDriver } from '../../core/db/open';
import { PgshiftError } from '../../core/errors';
import { findMigration } from '../../core/migrations/discover';
import { backupSettings, openProject } from '../../core/project';
import { buildReport, renderHtml, renderJson, renderMarkdown, type VerifyScratch } from '../../core/report';
import type { ReportScope } from '../../core/report/model';
import { targetIsAbsent } from '../../core/runner';
import { formatOption, type Command, type Values } from '../command';
import { interruptSignal, projectRequest } from '../runner-cli';

const FORMATS = ['html', 'md', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const reportCommand: Command = {
  name: 'report',
  summary: 'Validation and performance-estimate report: locks, durations, data checks, reversibility, score',
  usage: `pgshift report [--env NAME | --db URL] [--dir D] [--format html|md|json] [--out FILE]
               [--migration V | --pending | --all] [--verify pglite|server|off] [--no-estimate]
               [--no-preflight] [--fail-under SCORE]

  --db URL | --env NAME   the database to estimate against (default: DATABASE_URL, then the config's
                          defaultEnvironment, then the embedded database; without one, files only)
  --dir D                 migrations directory (default: the config's migrationsDir)
  --format                html (self-contained page), md, or json (default: from --out's extension, else md)
  --out FILE              write the report there instead of stdout
  --migration V           one migration; --pending (default) the ones not applied; --all every one
  --verify                where up → down → up is checked: an embedded PGlite (default), a throwaway
                          database on the target server (needs CREATEDB), or off
  --no-estimate           no calibration and no sampling on the target
  --no-preflight          no data checks on the target
  --fail-under SCORE      exit 1 when the audit score is below SCORE (0-100)

  Reads the target only: estimates run on sampled copies inside a transaction that is rolled back,
  data checks in READ ONLY transactions. Exit 0, 1 below --fail-under, 2 on usage or config errors.`,
  options: {
    db: { type: 'string' },
    env: { type: 'string' },
    dir: { type: 'string' },
    out: { type: 'string' },
    migration: { type: 'string' },
    pending: { type: 'boolean' },
    all: { type: 'boolean' },
    verify: { type: 'string' },
    'no-estimate': { type: 'boolean' },
    'no-preflight': { type: 'boolean' },
    'fail-under': { type: 'string' },
  },
  async run({ values }, io) {
    const out = values.out as string | undefined;
    const format = formatOf(values, out);
    const scope = scopeOf(values);
    const verifyMode = (values.verify as string | undefined) ?? 'pglite';
    if (!['pglite', 'server', 'off'].includes(verifyMode))
      throw new PgshiftError(`unknown --verify "${verifyMode}"`, {
        hint: 'use pglite, server or off',
        exitCode: 2,
        code: 'usage',
      });
    const failUnder = values['fail-under'] === undefined ? undefined : Number(values['fail-under']);
    if (failUnder !== undefined && !(failUnder >= 0 && failUnder <= 100))
      throw new PgshiftError('--fail-under must be a number from 0 to 100', { exitCode: 2, code: 'usage' });

    const { loaded, set, target, settings } = openProject(projectRequest(values, io));
    if (scope.kind === 'migration' && !findMigration(set, scope.version)) {
      throw new PgshiftError(`--migration ${scope.version}: no migration has this version`, {
        hint: 'run `pgshift status` for the list of versions',
        exitCode: 2,
        code: 'usage',
      });
    }
    if (verifyMode === 'server' && target.target.kind === 'embedded') {
      throw new PgshiftError('--verify server needs a server target', {
        hint: 'give --db URL or --env NAME, or use --verify pglite',
        exitCode: 2,
        code: 'usage',
      });
    }
    const verify: VerifyScratch | false =
      verifyMode === 'off'
        ? false
        : verifyMode === 'server'
          ? { kind: 'server', target: target.target }
          : { kind: 'pglite' };
    const driver: Driver | undefined = targetIsAbsent(target) ? undefined : await openDriver(target.target);
    const interrupt = interruptSignal();
    try {
      const report = await buildReport({
        set,
        config: loaded.config,
        scope,
        driver,
        targetDescription: target.description,
        settings,
        backup: backupSettings(loaded, target),
        verify,
        estimate: values['no-estimate'] !== true,
        preflight: values['no-preflight'] !== true,
        signal: interrupt.signal,
        onProgress: io.progress ? (m) => io.err(`\r\x1b[K${m}…`) : undefined,
      });
      if (io.progress) io.err('\r\x1b[K');
      const text =
        format === 'html'
          ? renderHtml(report)
          : format === 'json'
            ? renderJson(report)
            : renderMarkdown(report);
      if (out) {
        const file = resolve(io.cwd, out);
        writeFileSync(file, text);
        io.err(
          `report written to ${out}: score ${report.score.score}/100 (${report.score.grade}), ${report.migrations.length} migration${report.migrations.length === 1 ? '' : 's'}\n`,
        );
      } else io.out(text);
      return failUnder !== undefined && report.score.score < failUnder ? 1 : 0;
    } finally {
      interrupt.dispose();
      await driver?.close();
    }
  },
};

function formatOf(values: Values, out: string | undefined): Format {
  const ext = out ? extname(out).toLowerCase() : '';
  return formatOption(
    values,
    FORMATS,
    ext === '.html' || ext === '.htm' ? 'html' : ext === '.json' ? 'json' : 'md',
  );
}

function scopeOf(values: Values): ReportScope {
  const chosen = [values.migration !== undefined, values.pending === true, values.all === true].filter(
    Boolean,
  ).length;
  if (chosen > 1)
    throw new PgshiftError('--migration, --pending and --all name different scopes', {
      hint: 'give only one of them',
      exitCode: 2,
      code: 'usage',
    });
  if (values.migration !== undefined) return { kind: 'migration', version: String(values.migration) };
  if (values.all === true) return { kind: 'all' };
  return { kind: 'pending' };
}
