import { isLintWorker } from '../core/lint/lint-worker-tag';
import { processIo } from './io';
import { main } from './main';

// Modules load on demand (see commands/index.ts): a worker thread loads the linter only, a command
// only its own code, so `pgshift up` does not pay for the rules or the report at start-up.
if (isLintWorker()) {
  void import('../core/lint/lint-parallel').then((m) => m.runLintWorker());
} else {
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
