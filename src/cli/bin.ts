import { isLintWorker, runLintWorker } from '../core/lint/lint-parallel';
import { main } from './main';
import { processIo } from './io';

if (isLintWorker()) {
  void runLintWorker();
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
