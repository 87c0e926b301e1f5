import { PgshiftError } from '../../core/errors';
import { countText } from '../../core/text';
import { restore } from '../../core/runner';
import { ms } from '../../core/text';
import type { Command } from '../command';
import { RUNNER_OPTIONS, TARGET_USAGE, withRunnerContext } from '../runner-cli';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Put a backup of destroyed data back into its tables, in one transaction, verified',
  usage: `pgshift restore <id> [--dry-run] [--yes] [target options]

  <id>                    the backup (\`pgshift backups\` lists them)
  --dry-run               do it in a transaction that is rolled back: what would be restored
  --yes                   confirm a write to an environment marked production
  ${TARGET_USAGE}

  The tables and columns must exist again: run the down migration that recreates them first.
  Dropped or truncated tables and deleted rows are inserted (only rows whose key is not there);
  dropped or changed columns and updated rows are set back by key. The restored rows are compared
  with the archive's checksum before COMMIT; a mismatch rolls everything back.`,
  options: { ...RUNNER_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1 || !/^\d+$/.test(positionals[0]))
      throw new PgshiftError('give exactly one backup id', {
        hint: 'pgshift restore <id>; `pgshift backups` lists them',
        exitCode: 2,
        code: 'usage',
      });
    const dryRun = values['dry-run'] === true;
    return withRunnerContext(values, io, dryRun ? {} : { write: 'restore' }, async (ctx) => {
      if (!ctx.driver)
        throw new PgshiftError(`there is no backup ${positionals[0]}: the database does not exist yet`);
      const r = await restore({
        driver: ctx.driver,
        set: ctx.set,
        settings: ctx.settings,
        backup: ctx.backup,
        id: Number(positionals[0]),
        dryRun,
      });
      if (ctx.format === 'json') io.out(JSON.stringify(r, null, 2) + '\n');
      else {
        for (const o of r.objects)
          io.out(`${dryRun ? 'would restore' : 'restored'}  ${o.what}: ${countText(o.rows)} rows\n`);
        io.out(
          dryRun
            ? `dry run: backup ${r.id} would be restored and verified; nothing was changed (${ms(r.ms)})\n`
            : `backup ${r.id} restored and verified against its checksum in ${ms(r.ms)}\n`,
        );
      }
      return 0;
    });
  },
};
