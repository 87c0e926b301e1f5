// The worker script of the parallel-lint tests: what the CLI bundle does when started as a lint worker.
import { isLintWorker, runLintWorker } from '../../../src/core/lint/lint-parallel';

if (isLintWorker()) void runLintWorker();
