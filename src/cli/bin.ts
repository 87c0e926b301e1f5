import { isLintWorker } from '../core/lint/lint-worker-tag';
import { processIo } from './io';
import { main } from './main';
import { CLI_FLAGS, setFlags } from './v8-flags';

// Modules load on demand (see commands/index.ts): a worker thread loads the linter only, a command
// only its own code, so `pgshift up` does not pay for the rules or the report at start-up.
if (isLintWorker()) {
  void import('../core/lint/lint-parallel').then((m) => m.runLintWorker());
} else {
  // set by launch.ts already (dist/cli.js); again here for a process that runs this file directly
  setFlags(CLI_FLAGS);
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
