/**
 * The V8 flags a CLI process runs with, set before its bundle compiles. They are set by launch.ts, not
 * only where they matter (bin.ts, the lint command), because V8 accepts a code cache only under the flags
 * it was made with, and the cache is made at exit: a flag set after the bundle compiled made every run's
 * cache one the next run refused (the cache was rewritten on every run and never used; see launch.ts).
 * Setting a flag again to the same value changes nothing.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Every command: V8 starts optimising a WASM function (PGlite's 9 MB PostgreSQL) on background threads
 * as soon as it has run a little, which on an embedded `status` cost ~40 % of the run on 2 cores, ~85 MB
 * of RSS, and up to 250 ms after PGlite closed, the main thread waiting for those compilations
 * (bench/embedded.mjs). The largest budget the flag takes leaves a short command on the baseline tier and
 * still optimises what a long one (a big backfill) keeps running: 1.05-1.2x the default's time there,
 * where --liftoff-only (lint's choice for the parser) took 1.3-1.5x. Never in the editor's host.
 */
export const CLI_FLAGS = ['--wasm-tiering-budget=2147483647'];

/**
 * `pgshift lint`: V8's optimising tier-up of the 1.7 MB parser costs more than it saves in a lint run
 * (about 90 ms at start alone); and TurboFan, at V8's default budget, optimised hundreds of the rules'
 * functions on background threads, ~1 s of CPU beside the 1.4 s main thread on the corpus (2 cores: the
 * CPU a worker thread needs). At 15x the budget only the hottest functions get there: total CPU
 * 2.6-2.9 s -> 1.6-1.7 s, the main thread unchanged (README, "Lint speed").
 */
export const LINT_FLAGS = ['--liftoff-only', '--interrupt-budget=1000000'];

/** The flags of a command, by its name as the command line gives it. */
export function flagsOf(command: string | undefined): string[] {
  return command === 'lint' ? [...CLI_FLAGS, ...LINT_FLAGS] : CLI_FLAGS;
}

export function setFlags(flags: readonly string[]): void {
  for (const f of flags) setFlagsFromString(f);
}
