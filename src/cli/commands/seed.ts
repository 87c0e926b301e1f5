import { withRunnerContext, RUNNER_OPTIONS, TARGET_USAGE } from '../runner-cli';
import type { Command } from '../command';
import { renderSeeds, runSeedsFor, SEED_OPTIONS, SEED_USAGE } from '../seed-cli';

export const seedCommand: Command = {
  name: 'seed',
  summary: "Run the environment's seed data (new and changed files of seeds/common/ and seeds/<env>/)",
  usage: `pgshift seed [--seed-env NAME] [--dry-run] [--yes] [target options]

  Runs each seed file once per environment, and again when it changed (tracked by checksum in
  <historySchema>.seed_history), in order: seeds/common/ then seeds/<environment>/, each by name, each in
  its own transaction. An environment marked production runs only seeds/production/.
  --dry-run               list what would run, change nothing
  ${SEED_USAGE}
  --yes                   confirm a write to an environment marked production
  ${TARGET_USAGE}

  Exit 0 when every seed ran (or none had to), 1 when one failed, 2 on usage or config errors.`,
  options: { ...RUNNER_OPTIONS, ...SEED_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run({ values }, io) {
    const dryRun = values['dry-run'] === true;
    return withRunnerContext(
      values,
      io,
      dryRun ? { needsDatabase: true } : { write: 'seed' },
      async (ctx) => {
        const r = await runSeedsFor(ctx, values, io, { required: true, dryRun });
        if (!r) return 0;
        if (ctx.format === 'json') io.out(JSON.stringify(r, null, 2) + '\n');
        return renderSeeds(r, ctx, io);
      },
    );
  },
};
