/**
 * `pgshift lint` with a cache: a file whose findings cannot have changed is not linted again. Findings
 * depend on the file's bytes, the options (lintCacheKey) and the schema model the file starts from,
 * which is the result of the files before it in its directory. So an up migration's key chains the key
 * of the one before it with its own bytes (sha256): editing a migration changes its key and every later
 * one's in that directory, and nothing before it. A down migration's key is its up twin's and its bytes.
 *
 * Each up migration's change to the schema model is stored with it (schema-state.ts), so that the first
 * file to lint again — typically a new migration appended to a directory of hundreds — starts from the
 * model rebuilt from those deltas, without parsing the files before it. The files that miss are linted
 * as GroupTasks, on worker threads when the caller gives `parallel` (only they go to the workers).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SourceText } from '../sql/source';
import { loadParser } from '../sql/parser';
import type { FileFindings } from './format';
import { LintCache, lintCacheKey, type CachedEntry, type CachedGroup } from './lint-cache';
import {
  groupFiles,
  lintTasks,
  migrationGroup,
  planGroup,
  runsOutsideTransaction,
  type GroupTask,
} from './lint-files';
import {
  fileFindings,
  lintTasksParallel,
  type LintedFindings,
  type ParallelLintOptions,
} from './lint-parallel';
import { SchemaReplay, type SchemaDelta, type StoredModel } from './schema-state';
import type { LintOptions } from './types';

export interface LintCacheStats {
  /** files whose findings came from the cache */
  hits: number;
  /** files linted */
  misses: number;
  /** the files linted, in input order */
  linted: string[];
}

export interface CachedLintOptions {
  /** the cache directory (created on the first write) */
  cacheDir: string;
  /** lint the misses on worker threads */
  parallel?: ParallelLintOptions;
  onProgress?: (done: number, total: number) => void;
  /** filled in */
  stats?: LintCacheStats;
}

interface GroupPlan {
  group: string;
  first: string;
  full: GroupTask;
  upKeys: string[];
  downKeys: string[];
  stored?: CachedGroup;
  /** the index of the first up migration to lint (ups.length: none) */
  from: number;
  downHits: (CachedEntry | undefined)[];
  task?: GroupTask;
  /** the group's file is to be written again: it lacks entries of this run, or holds others */
  rewrite: boolean;
  /** the stored deltas, when read (to rebuild a model, or to write them again) */
  deltas: SchemaDelta[];
}

/** The findings of each file, in the order given: the same as `lintFiles` gives, from the cache where it can. */
export async function lintFilesCached(
  files: string[],
  options: LintOptions,
  opts: CachedLintOptions,
): Promise<FileFindings[]> {
  const key = lintCacheKey(options);
  const cache = new LintCache(opts.cacheDir, key);
  const texts = new Map<string, string>();
  const fileKey = (file: string): string => {
    const bytes = readFileSync(file);
    texts.set(file, bytes.toString('utf8'));
    return createHash('sha256')
      .update(bytes)
      .update(runsOutsideTransaction(file) ? '\0none' : '\0')
      .digest('hex');
  };
  const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex');

  const plans: GroupPlan[] = groupFiles(files).map((group) => {
    const full = planGroup(group);
    let state = hash(key, 'up');
    const upKeys = full.ups.map((f) => (state = hash(state, fileKey(f))));
    const downKeys = full.downs.map((d) =>
      hash(key, 'down', d.twin !== undefined ? upKeys[d.twin] : '-', fileKey(d.file)),
    );
    const first = full.ups[0] ?? full.downs[0].file;
    const g = migrationGroup(first);
    return plan({ group: g, first, full, upKeys, downKeys, stored: cache.read(g, first) });
  });

  const tasks = plans.flatMap((p) => (p.task ? [p.task] : []));
  const missing = tasks.reduce((n, t) => n + t.ups.length + t.downs.length, 0);
  const hits = files.length - missing;
  opts.onProgress?.(hits, files.length);
  const progress = opts.onProgress && ((d: number) => opts.onProgress!(hits + d, files.length));
  const linted = await lintMisses(tasks, options, opts.parallel, progress);

  const results = new Map<string, FileFindings>();
  const hit = (file: string, entry: CachedEntry): CachedEntry => {
    results.set(file, { file, source: new SourceText(texts.get(file)!), findings: entry.findings });
    return entry;
  };
  const miss = (file: string, key: string): CachedEntry => {
    const r = linted.get(file)!;
    results.set(file, r);
    return { key, findings: r.findings };
  };
  for (const p of plans) {
    const ups = p.full.ups.map((file, i) =>
      i < p.from ? hit(file, p.stored!.ups[i]) : miss(file, p.upKeys[i]),
    );
    const downs = p.full.downs.map(({ file }, i) =>
      p.downHits[i] ? hit(file, p.downHits[i]!) : miss(file, p.downKeys[i]),
    );
    if (p.rewrite) {
      const deltas = [
        ...p.deltas.slice(0, p.from),
        ...p.full.ups.slice(p.from).map((f) => linted.get(f)!.delta!),
      ];
      cache.write(p.group, p.first, { ups, downs, deltas });
    }
  }
  cache.prune();
  if (opts.stats) {
    opts.stats.hits = hits;
    opts.stats.misses = missing;
    opts.stats.linted = files.filter((f) => linted.has(f));
  }
  return files.map((f) => {
    const r = results.get(f)!;
    return { file: r.file, source: r.source, findings: r.findings };
  });
}

/** What to lint of a group: every up migration from the first whose key the cache lacks, and the downs it lacks. */
function plan(p: Omit<GroupPlan, 'from' | 'downHits' | 'rewrite' | 'deltas'>): GroupPlan {
  const { full, upKeys, downKeys, stored } = p;
  let from = 0;
  while (from < upKeys.length && stored?.ups[from]?.key === upKeys[from]) from++;
  const byKey = new Map(stored?.downs.map((d) => [d.key, d]));
  const downHits = downKeys.map((k) => byKey.get(k));
  const rewrite =
    !stored ||
    from < full.ups.length ||
    downHits.some((h) => !h) ||
    stored.ups.length !== full.ups.length ||
    stored.downs.length !== full.downs.length;
  // the models the files to lint start from, rebuilt from the deltas of the files that hit
  const wanted = new Set<number>();
  if (from > 0 && from < full.ups.length) wanted.add(from - 1);
  full.downs.forEach((d, i) => {
    if (!downHits[i] && d.twin !== undefined && d.twin < from) wanted.add(d.twin);
  });
  let deltas: SchemaDelta[] = [];
  let models: Map<number, StoredModel>;
  try {
    if (stored && rewrite) deltas = stored.deltas();
    models = replay(deltas, wanted);
  } catch {
    // deltas this code cannot read or replay: the file is not what it claims, lint the group afresh
    return plan({ ...p, stored: undefined });
  }
  const ups = full.ups.slice(from);
  const downs = full.downs.flatMap((d, i) => {
    if (downHits[i]) return [];
    if (d.twin === undefined) return [{ file: d.file }];
    return d.twin >= from
      ? [{ file: d.file, twin: d.twin - from }]
      : [{ file: d.file, prior: models.get(d.twin)! }];
  });
  const start = from > 0 && from < full.ups.length ? models.get(from - 1) : undefined;
  const task = ups.length || downs.length ? { ups, downs, ...(start ? { start } : {}) } : undefined;
  return { ...p, from, downHits, rewrite, deltas, ...(task ? { task } : {}) };
}

/** The models after the up migrations at the `wanted` indexes. */
function replay(deltas: SchemaDelta[], wanted: Set<number>): Map<number, StoredModel> {
  const out = new Map<number, StoredModel>();
  if (!wanted.size) return out;
  const last = Math.max(...wanted);
  const r = new SchemaReplay();
  for (let i = 0; i <= last; i++) {
    r.apply(deltas[i]);
    if (wanted.has(i)) out.set(i, r.model());
  }
  return out;
}

async function lintMisses(
  tasks: GroupTask[],
  options: LintOptions,
  parallel: ParallelLintOptions | undefined,
  onProgress: ((done: number) => void) | undefined,
): Promise<Map<string, LintedFindings>> {
  // with nothing to lint, the parser is never loaded nor a worker started
  if (parallel) return lintTasksParallel(tasks, options, { ...parallel, onProgress }, true);
  if (!tasks.length) return new Map();
  const parser = await loadParser();
  const out = new Map<string, LintedFindings>();
  lintTasks(
    parser,
    tasks,
    options,
    (r) => {
      out.set(r.file, fileFindings(r));
      onProgress?.(out.size);
    },
    true,
  );
  return out;
}
