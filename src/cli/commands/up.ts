import { dryRun, up } from '../../core/runner';
import type { Command } from '../command';
import { renderDryRun, renderRun } from '../render-run';
import { PgshiftError } from '../../core/errors';
import { parseDurationMs } from '../../core/duration';
import {
  BACKUP_OPTIONS,
  BACKUP_USAGE,
  positiveInt,
  RUNNER_OPTIONS,
  TARGET_USAGE,
  withRunnerContext,
  withRunnerInput,
} from '../runner-cli';
import { renderSeeds, runSeedsFor, SEED_OPTIONS, SEED_USAGE } from '../seed-cli';

export const upCommand: Command = {
  name: 'up',
  summary: 'Apply pending migrations (or trace them with --dry-run, rolled back)',
  usage: `pgshift up [--to V | --steps N] [--dry-run] [--allow-out-of-order] [--yes] [target options]

  --to V                  apply up to and including version V
  --steps N               apply at most N migrations
  --dry-run               run them in one transaction that is rolled back, reporting locks, rewrites, rows, time
  --allow-out-of-order    also apply pending migrations older than the newest applied one
  --yes                   confirm a write to an environment marked production, and a contract migration
                          (-- pgshift:phase contract) whose expand was applied less than zeroDowntime.minSoak ago
  --no-seed               do not run the environment's new and changed seeds afterwards (seeds.afterUp)
  ${SEED_USAGE}
  ${BACKUP_USAGE}
  ${TARGET_USAGE}

  Exit 0 when everything ran, 1 when a migration failed or was refused, 2 on usage or config errors,
  3 when another run held the migration lock for longer than runner.lockWaitSeconds.`,
  options: {
    ...RUNNER_OPTIONS,
    ...BACKUP_OPTIONS,
    ...SEED_OPTIONS,
    'no-seed': { type: 'boolean' },
    to: { type: 'string' },
    steps: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'allow-out-of-order': { type: 'boolean' },
  },
  async run({ values }, io) {
    if (values.to !== undefined && values.steps !== undefined)
      throw new PgshiftError('give --to or --steps, not both', { exitCode: 2, code: 'usage' });
    const steps = positiveInt(values, 'steps');
    const to = values.to as string | undefined;
    const allowOutOfOrder = values['allow-out-of-order'] === true;
    const dry = values['dry-run'] === true;
    return withRunnerContext(values, io, dry ? { needsDatabase: true } : { write: 'up' }, async (ctx) => {
      return withRunnerInput(ctx, io, async (input) => {
        const minSoak = ctx.loaded.config.zeroDowntime.minSoak;
        const opts = {
          ...input,
          to,
          steps,
          allowOutOfOrder,
          minSoakMs: minSoak ? parseDurationMs(minSoak) : undefined,
          soakConfirmed: values.yes === true,
        };
        if (dry) return renderDryRun(await dryRun({ ...opts, direction: 'up' }), ctx, io);
        const result = await up(opts);
        // seeds follow a complete up (not a partial one: --to / --steps leave migrations pending)
        const seeding =
          result.ok &&
          to === undefined &&
          steps === undefined &&
          ctx.loaded.config.seeds.afterUp &&
          values['no-seed'] !== true;
        if (ctx.format === 'json') {
          const seeds = seeding ? await runSeedsFor(ctx, values, io, { required: false }) : undefined;
          const code = renderRun(result, ctx, io, seeds ? { seeds } : {});
          return code || (seeds && !seeds.ok ? 1 : 0);
        }
        const code = renderRun(result, ctx, io);
        if (!seeding) return code;
        const seeds = await runSeedsFor(ctx, values, io, { required: false });
        return seeds ? code || renderSeeds(seeds, ctx, io) : code;
      });
    });
  },
};
