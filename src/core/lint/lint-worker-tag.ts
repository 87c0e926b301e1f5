/**
 * How a thread knows it is a lint worker, in a module of its own: an entry point checks it first and
 * loads the linter only when it is one, so a command that never lints never evaluates the rules.
 */
import { parentPort, workerData } from 'node:worker_threads';

export const WORKER_TAG = 'pgshift-lint-worker';

/** Whether this thread was started by `lintFilesParallel` (the entry point then calls `runLintWorker`). */
export function isLintWorker(): boolean {
  return !!parentPort && (workerData as { tag?: unknown } | undefined)?.tag === WORKER_TAG;
}
