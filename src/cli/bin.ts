import { setFlagsFromString } from 'node:v8';
import { isLintWorker } from '../core/lint/lint-worker-tag';
import { processIo } from './io';
import { main } from './main';

// Modules load on demand (see commands/index.ts): a worker thread loads the linter only, a command
// only its own code, so `pgshift up` does not pay for the rules or the report at start-up.
if (isLintWorker()) {
  void import('../core/lint/lint-parallel').then((m) => m.runLintWorker());
} else {
  // A CLI process runs one command and exits. V8 starts optimising a WASM function (PGlite's 9 MB
  // PostgreSQL) on background threads as soon as it has run a little, which on an embedded `status`
  // cost ~40 % of the run on 2 cores, ~85 MB of RSS, and up to 250 ms after PGlite closed, the main
  // thread waiting for those compilations (bench/embedded.mjs). The largest budget the flag takes leaves a short command on the
  // baseline tier and still optimises what a long one (a big backfill) keeps running: 1.05-1.2x the
  // default's time there, where --liftoff-only (lint's choice for the parser) took 1.3-1.5x. Main thread
  // only, and never in the editor's host, whose PGlite stays compiled across opens.
  setFlagsFromString('--wasm-tiering-budget=2147483647');
  // `pgshift lint | head`: the reader went away; stop quietly as other CLIs do, not with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2), { ...processIo(), workerScript: __filename }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pgshift: ${(e as Error)?.message ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
