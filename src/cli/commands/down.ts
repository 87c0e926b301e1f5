import { PgshiftError } from '../../core/errors';
import { down, dryRun } from '../../core/runner';
import type { Command } from '../command';
import { renderDryRun, renderRun } from '../render-run';
import {
  BACKUP_OPTIONS,
  BACKUP_USAGE,
  positiveInt,
  RUNNER_OPTIONS,
  TARGET_USAGE,
  withRunnerContext,
  withRunnerInput,
} from '../runner-cli';

export const downCommand: Command = {
  name: 'down',
  summary: 'Roll back applied migrations, newest first (default: one)',
  usage: `pgshift down [--steps N | --to V | --all] [--dry-run] [--yes] [target options]

  --steps N               roll back the N newest applied migrations (default 1)
  --to V                  roll back every migration newer than V (V stays applied)
  --all                   roll back every applied migration
  --dry-run               run the down scripts in one transaction that is rolled back, reporting locks and rewrites
  --yes                   confirm a write to an environment marked production
  ${BACKUP_USAGE}
  ${TARGET_USAGE}`,
  options: {
    ...RUNNER_OPTIONS,
    ...BACKUP_OPTIONS,
    to: { type: 'string' },
    steps: { type: 'string' },
    all: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  async run({ values }, io) {
    const given = ['to', 'steps', 'all'].filter((k) => values[k] !== undefined);
    if (given.length > 1)
      throw new PgshiftError(
        `give only one of --steps, --to, --all (got ${given.map((g) => `--${g}`).join(', ')})`,
        { exitCode: 2, code: 'usage' },
      );
    const steps = positiveInt(values, 'steps');
    const dry = values['dry-run'] === true;
    return withRunnerContext(values, io, dry ? { needsDatabase: true } : { write: 'down' }, async (ctx) => {
      return withRunnerInput(ctx, io, async (input) => {
        const opts = { ...input, to: values.to as string | undefined, steps, all: values.all === true };
        if (dry) return renderDryRun(await dryRun({ ...opts, direction: 'down' }), ctx, io);
        return renderRun(await down(opts), ctx, io);
      });
    });
  },
};
