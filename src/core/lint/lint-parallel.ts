/**
 * Lints many migration directories on several threads. Directories share nothing (each is linted in
 * migration order against its own schema model), so whole directories go to worker threads, balanced
 * by size, while this thread lints its own share. A worker loads the same bundle this code runs in
 * (`workerScript`), which starts it with `runLintWorker()` instead of its usual entry point.
 *
 * Small inputs stay on one thread: a worker loads the bundle and compiles the parser again before it
 * lints anything, which a few files do not pay back.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { loadParser } from '../sql/parser';
import { SourceText } from '../sql/source';
import type { FileFindings } from './format';
import { groupFiles, lintTasks, planGroup, type GroupTask, type LintedFile } from './lint-files';
import type { SchemaDelta } from './schema-state';
import type { Finding, LintOptions } from './types';
import { WORKER_TAG } from './lint-worker-tag';

export { isLintWorker } from './lint-worker-tag';

/** Below this many bytes of SQL, one thread is faster than starting another. */
export const PARALLEL_MIN_BYTES = 256 * 1024;

interface Job {
  tag: typeof WORKER_TAG;
  tasks: GroupTask[];
  options: LintOptions;
  withDeltas: boolean;
}

type WorkerMessage =
  | { type: 'file'; file: string; text: string; findings: Finding[]; delta?: SchemaDelta }
  | { type: 'done' }
  | { type: 'error'; message: string };

export interface ParallelLintOptions {
  /** The script a worker runs: the bundle or module that calls `runLintWorker()` when `isLintWorker()`. */
  workerScript: string;
  /** Threads in all, this one included. Default: the machine's parallelism, at most 4; 1 disables workers. */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** Filled in: the threads used (this one included) and the workers that failed and were redone here. */
  stats?: { threads: number; workerFailures: number };
}

/** A file's findings and source, with its schema delta when the lint cache asked for it. */
export interface LintedFindings extends FileFindings {
  delta?: SchemaDelta;
}

/**
 * The findings of each file, in the order given: the same as `lintFiles` gives, on as many threads as
 * help. A worker that cannot start or fails hands its directories back to this thread.
 */
export async function lintFilesParallel(
  files: string[],
  options: LintOptions,
  par: ParallelLintOptions,
): Promise<FileFindings[]> {
  const results = await lintTasksParallel(groupFiles(files).map(planGroup), options, par);
  return files.map((f) => results.get(f)!);
}

/** Lints the tasks (see GroupTask) on as many threads as help; the results by file. */
export async function lintTasksParallel(
  tasks: GroupTask[],
  options: LintOptions,
  par: ParallelLintOptions,
  withDeltas = false,
): Promise<Map<string, LintedFindings>> {
  const count = tasks.reduce((n, t) => n + t.ups.length + t.downs.length, 0);
  const sizes = tasks.map((t) =>
    [...t.ups, ...t.downs.map((d) => d.file)].reduce((n, f) => n + sizeOf(f), 0),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  const threads = Math.min(
    par.threads ?? Math.min(4, availableParallelism()),
    tasks.length,
    Math.max(1, Math.floor(total / PARALLEL_MIN_BYTES)),
  );
  const bins = balance(tasks, sizes, Math.max(1, threads));
  const results = new Map<string, LintedFindings>();
  let done = 0;
  const add = (r: LintedFindings): void => {
    results.set(r.file, r);
    par.onProgress?.(++done, count);
  };
  if (par.stats) par.stats.threads = bins.length;
  if (!count) return results;
  const parser = await loadParser();
  // workers start first, so they load while this thread lints the first bin
  const workers = bins.slice(1).map((bin) => runWorker(par.workerScript, bin, options, withDeltas, add));
  lintTasks(parser, bins[0] ?? [], options, (r) => add(fileFindings(r)), withDeltas);
  const failed = await Promise.all(workers);
  if (par.stats) par.stats.workerFailures = failed.filter(Boolean).length;
  for (const bin of failed) {
    if (!bin) continue;
    // a failed worker: its directories again, here, from the start (their partial results are replaced)
    lintTasks(parser, bin, options, (r) => results.set(r.file, fileFindings(r)), withDeltas);
  }
  return results;
}

/** What the formats need of a result (the parse trees and schema model stay behind), and the cache's delta. */
export function fileFindings(r: LintedFile): LintedFindings {
  return { file: r.file, source: r.source, findings: r.findings, ...(r.delta ? { delta: r.delta } : {}) };
}

/** The worker side: lints the directories it was given and posts each file's findings back. */
export async function runLintWorker(): Promise<void> {
  const port = parentPort!;
  const job = workerData as Job;
  try {
    const parser = await loadParser();
    lintTasks(
      parser,
      job.tasks,
      job.options,
      (r) =>
        port.postMessage({
          type: 'file',
          file: r.file,
          text: r.source.text,
          findings: r.findings,
          ...(r.delta ? { delta: r.delta } : {}),
        } satisfies WorkerMessage),
      job.withDeltas,
    );
    port.postMessage({ type: 'done' } satisfies WorkerMessage);
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) } satisfies WorkerMessage);
  }
}

/** Resolves to undefined when the worker linted its bin, or to the bin when it failed. */
function runWorker(
  script: string,
  bin: GroupTask[],
  options: LintOptions,
  withDeltas: boolean,
  add: (r: LintedFindings) => void,
): Promise<GroupTask[] | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (failed: boolean): void => {
      if (settled) return;
      settled = true;
      resolve(failed ? bin : undefined);
      void worker.terminate();
    };
    let worker: Worker;
    try {
      const job: Job = { tag: WORKER_TAG, tasks: bin, options, withDeltas };
      worker = new Worker(script, { workerData: job, stdout: false, stderr: false });
    } catch {
      resolve(bin);
      return;
    }
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'file')
        add({
          file: m.file,
          source: new SourceText(m.text),
          findings: m.findings,
          ...(m.delta ? { delta: m.delta } : {}),
        });
      else finish(m.type === 'error');
    });
    worker.on('error', () => finish(true));
    worker.on('exit', () => finish(true));
  });
}

/** Splits the groups into `n` bins of about equal bytes (largest first, each into the lightest bin). */
export function balance<G>(groups: G[], sizes: number[], n: number): G[][] {
  const bins: { groups: G[]; bytes: number }[] = Array.from({ length: n }, () => ({
    groups: [],
    bytes: 0,
  }));
  const order = groups.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a]);
  for (const i of order) {
    const lightest = bins.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.groups.push(groups[i]);
    lightest.bytes += sizes[i];
  }
  return bins.filter((b) => b.groups.length).map((b) => b.groups);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
