import { targetFromUrl } from '../../core/db/open';
import { PgshiftError } from '../../core/errors';
import { findMigration } from '../../core/migrations/discover';
import { openProject } from '../../core/project';
import { verifyMigrations, type VerifyScratch } from '../../core/report';
import type { VerifyMigrationResult } from '../../core/report/model';
import { formatOption, type Command } from '../command';
import { ms } from '../../core/text';
import { interruptSignal } from '../runner-cli';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Apply each migration up, down and up again on a scratch database and compare the schemas',
  usage: `pgshift verify [--dir D] [--db URL] [--env NAME] [--migration V] [--format text|json]

  --dir D                 migrations directory (default: the config's migrationsDir)
  --db URL                a server to create a throwaway database on (needs CREATEDB; dropped
                          afterwards); without it, an embedded PGlite database in a temporary directory
  --env NAME              run with this environment's lockTimeout / statementTimeout (default: the
                          config's defaultEnvironment, unless DATABASE_URL is set), as up would there
  --migration V           check only this migration (the ones before it are just applied)
  --format text|json

  Never touches your databases: the environment only lends its settings. Exit 0 when every down
  restores the schema (a missing down is named, not an error), 1 when a down does not restore it, a
  down or up fails, or an up applied again gives another schema; 2 on usage or config errors.`,
  options: {
    db: { type: 'string' },
    env: { type: 'string' },
    dir: { type: 'string' },
    migration: { type: 'string' },
  },
  async run({ values }, io) {
    const format = formatOption(values, ['text', 'json'], 'text');
    // --db names the scratch server here, not a target: only the environment's settings are taken
    const { set, settings } = openProject({
      cwd: io.cwd,
      configFile: values.config as string | undefined,
      dir: values.dir as string | undefined,
      target: { kind: 'settings-only', env: values.env as string | undefined, environ: io.env },
    });
    const only = values.migration as string | undefined;
    const picked = only !== undefined ? findMigration(set, only) : undefined;
    if (only !== undefined && !picked)
      throw new PgshiftError(`--migration ${only}: no migration has this version`, {
        hint: 'run `pgshift status` for the list of versions',
        exitCode: 2,
        code: 'usage',
      });
    const scratch: VerifyScratch =
      values.db !== undefined
        ? { kind: 'server', target: targetFromUrl(values.db as string) }
        : { kind: 'pglite' };
    const interrupt = interruptSignal();
    try {
      const outcome = await verifyMigrations({
        set,
        settings,
        scratch,
        check: picked ? (v) => v === picked.version : undefined,
        through: picked?.version,
        signal: interrupt.signal,
        onProgress: io.progress ? (m) => io.err(`\r\x1b[K${m}…`) : undefined,
      });
      if (io.progress) io.err('\r\x1b[K');
      const results = picked ? outcome.results.filter((r) => r.version === picked.version) : outcome.results;
      if (format === 'json') {
        io.out(JSON.stringify({ where: outcome.where, ok: outcome.ok, migrations: results }, null, 2) + '\n');
        return outcome.ok ? 0 : 1;
      }
      io.out(`up → down → up on ${outcome.where}\n`);
      const w = Math.max(0, ...results.map((r) => `${r.version} ${r.name}`.length));
      for (const r of results) io.out(line(r, w));
      const count = (v: VerifyMigrationResult['verdict'][]): number =>
        results.filter((r) => v.includes(r.verdict)).length;
      const restored = count(['restored', 'restored-with-notes']);
      const missing = count(['missing-down']);
      const bad = count(['not-restored', 'up-failed', 'down-failed', 'reapply-failed', 'reapply-differs']);
      io.out(
        `${restored} restored${missing ? `, ${missing} without a down` : ''}${bad ? `, ${bad} NOT restored or failed` : ''}\n`,
      );
      return outcome.ok ? 0 : 1;
    } finally {
      interrupt.dispose();
    }
  },
};

const TEXT: Record<VerifyMigrationResult['verdict'], string> = {
  restored: 'restored',
  'restored-with-notes': 'restored (with notes)',
  'not-restored': 'NOT RESTORED: the down leaves a different schema',
  'missing-down': 'no down migration',
  'up-failed': 'UP FAILED',
  'down-failed': 'DOWN FAILED',
  'reapply-failed': 'UP FAILED after its down',
  'reapply-differs': 'UP AFTER DOWN DIFFERS from the first up',
  'not-run': 'not run',
};

function line(r: VerifyMigrationResult, width: number): string {
  const times = [
    r.durations.upMs !== null ? `up ${ms(r.durations.upMs)}` : '',
    r.durations.downMs !== null ? `down ${ms(r.durations.downMs)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  let s = `  ${`${r.version} ${r.name}`.padEnd(width)}  ${TEXT[r.verdict]}${times ? `  (${times})` : ''}\n`;
  if (r.error) s += `      ${r.error}\n`;
  for (const d of r.differences) s += `      ${d}\n`;
  for (const n of r.notes) s += `      note: ${n}\n`;
  return s;
}
