import { PgshiftError } from '../../core/errors';
import { resolve } from '../../core/runner';
import type { Command } from '../command';
import { RUNNER_OPTIONS, TARGET_USAGE, withRunnerContext } from '../runner-cli';

export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'Record what state a failed migration is really in (--applied or --rolled-back)',
  usage: `pgshift resolve <version> --applied | --rolled-back [--yes] [target options]

  --applied               its changes are all in the database: count it as applied
  --rolled-back           its changes are not (or no longer) in the database: count it as not applied
  ${TARGET_USAGE}

  For a migration that failed outside a transaction, check the database first: pgshift cannot know
  which of its statements took effect. Also baselines a pending migration whose changes already exist.`,
  options: { ...RUNNER_OPTIONS, applied: { type: 'boolean' }, 'rolled-back': { type: 'boolean' } },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1)
      throw new PgshiftError('give exactly one migration version', {
        hint: 'pgshift resolve <version> --applied | --rolled-back',
        exitCode: 2,
        code: 'usage',
      });
    const applied = values.applied === true;
    const rolledBack = values['rolled-back'] === true;
    if (applied === rolledBack)
      throw new PgshiftError('give exactly one of --applied or --rolled-back', {
        exitCode: 2,
        code: 'usage',
      });
    return withRunnerContext(values, io, { write: 'resolve' }, async (ctx) => {
      const r = await resolve({
        driver: ctx.driver!,
        set: ctx.set,
        settings: ctx.settings,
        version: positionals[0],
        as: applied ? 'applied' : 'rolled-back',
      });
      if (ctx.format === 'json') io.out(JSON.stringify(r, null, 2) + '\n');
      else
        io.out(
          `${r.version} ${r.name}: ${r.from} → ${r.to} (recorded in ${ctx.settings.historySchema}.history)\n`,
        );
      return 0;
    });
  },
};
