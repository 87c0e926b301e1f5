/** Seeds from the CLI: `pgshift seed` and the seeds `up` runs after its migrations. */
import { PgshiftError } from '../core/errors';
import { runSeeds, seedsFor, type SeedRunResult } from '../core/runner';
import { ms } from '../core/text';
import type { Options, Values } from './command';
import type { Io } from './io';
import { interruptSignal, shownPath, textProgress, type RunnerContext } from './runner-cli';

export const SEED_OPTIONS: Options = { 'seed-env': { type: 'string' } };
export const SEED_USAGE = `--seed-env NAME         whose seeds: seeds/common/ and seeds/NAME/ (default: the --env environment;
                          'development' on the embedded database; an environment marked production
                          runs only seeds/production/)`;

/**
 * Runs the target environment's new, changed and failed seeds. `required`: `pgshift seed` refuses
 * when no environment can be named; `up` (not required) says why it skipped them instead.
 */
export async function runSeedsFor(
  ctx: RunnerContext,
  values: Values,
  io: Io,
  { required, dryRun = false }: { required: boolean; dryRun?: boolean },
): Promise<SeedRunResult | undefined> {
  const found = seedsFor(ctx.loaded, ctx.target, values['seed-env'] as string | undefined);
  if (found.kind === 'no-folder') {
    if (!required) return undefined;
    const dir = shownPath(found.dir, io.cwd);
    throw new PgshiftError(`no seeds folder: ${dir}`, {
      hint: `create ${dir}/common/ (every environment but production) or ${dir}/<environment>/ with .sql files, or set "seeds.dir" in pgshift.config.json`,
      exitCode: 2,
      code: 'no-seeds',
    });
  }
  if (found.kind === 'no-environment') {
    if (required) throw new PgshiftError(found.message, { hint: found.hint, exitCode: 2, code: 'usage' });
    io.err(`seeds not run: ${found.message}; ${found.hint}\n`);
    return undefined;
  }
  const seeds = found.seeds;
  for (const p of seeds.problems) io.err(`${p.severity}: ${p.message}\n`);
  const interrupt = interruptSignal();
  try {
    const progress = textProgress(io);
    return await runSeeds({
      driver: ctx.driver!,
      settings: ctx.settings,
      seeds,
      dryRun,
      signal: interrupt.signal,
      onEvent: ctx.format === 'text' ? progress : (e) => e.type === 'lock-wait' && io.err(`${e.message}\n`),
      onSeed:
        ctx.format === 'text'
          ? (e) => {
              if (e.type === 'seed-start') return;
              if (e.ok) io.out(`${'seeded'.padEnd(11)}  ${e.rel.padEnd(52)}  ${ms(e.ms)}\n`);
            }
          : undefined,
    });
  } finally {
    interrupt.dispose();
  }
}

/** The seeds' outcome after their lines; returns the exit code part: 0, or 1 when a seed failed. */
export function renderSeeds(r: SeedRunResult, ctx: RunnerContext, io: Io): number {
  if (ctx.format === 'json') return r.ok ? 0 : 1;
  const failed = r.ran.find((x) => !x.ok);
  if (failed) {
    io.err(`pgshift seed: error: ${failed.rel} failed on environment "${r.environment}": ${failed.error}\n`);
    io.err(
      `  next: fix ${failed.rel} and run \`pgshift seed\` again; the seeds before it stay applied, the ones after it did not run\n`,
    );
  }
  if (r.dryRun)
    for (const x of r.ran)
      io.out(
        `${'would seed'.padEnd(11)}  ${x.rel.padEnd(52)}  (${x.reason === 'pending' ? 'new' : x.reason})\n`,
      );
  const unchanged = r.unchanged.length ? `, ${r.unchanged.length} unchanged` : '';
  const skipped = r.skipped.length ? `, ${r.skipped.length} for other environments` : '';
  if (!r.ran.length) io.out(`seeds of "${r.environment}": up to date${unchanged}${skipped}\n`);
  else if (!failed)
    io.out(
      `seeds of "${r.environment}": ${r.ran.length} ${r.dryRun ? 'to run' : 'ran'}${unchanged}${skipped}\n`,
    );
  const guarded = r.skipped.filter((s) => /marked production/.test(s.reason));
  if (guarded.length)
    io.out(`  not on production: ${guarded.map((s) => s.rel).join(', ')} (${guarded[0].reason})\n`);
  return r.ok ? 0 : 1;
}
