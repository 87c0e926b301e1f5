/**
 * `pgshift lint` with a cache: a file whose findings cannot have changed is not linted again. Findings
 * depend on the file's bytes, the options (lintCacheKey) and the schema model the file starts from,
 * which is the result of the files before it in its directory. So an up migration's key chains the key
 * of the one before it with its own bytes (sha256): editing a migration changes its key and every later
 * one's in that directory, and nothing before it. A down migration's key is its up twin's and its bytes.
 *
 * A file is read again only when its stat stamp (size, mtime, ctime, inode) is not the
 * one stored with its sha256: a warm run stats its files and reads none. As in git's racy-clean check, a
 * stamp is stored only for a file whose last change is older than `stampMargin` (2 s) when it was read,
 * so that a write within the same clock tick as the read, which would leave the stamp as it was, cannot
 * hide new bytes; ctime is in the stamp because tools that keep mtime (touch -r, cp -p, some checkouts)
 * cannot keep it.
 *
 * Each up migration's change to the schema model is stored with it (schema-state.ts), and the model
 * after the last one, so that the first file to lint again starts from a model without parsing the files
 * before it: a new migration appended to a directory of hundreds from the stored model, an edit in the
 * middle from the model the deltas before it rebuild. The files that miss are linted
 * as GroupTasks, on worker threads when the caller gives `parallel` (only they go to the workers).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { serialize } from 'node:v8';
import { loadParser } from '../sql/parser';
import { reportFile, type ReportFile } from './format';
import { findingsOf, LintCache, lintCacheKey, type CachedEntry, type CachedGroup } from './lint-cache';
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
import { SchemaReplay, type StoredModel } from './schema-state';
import type { LintOptions } from './types';

export interface LintCacheStats {
  /** files whose findings came from the cache */
  hits: number;
  /** files linted */
  misses: number;
  /** the files linted, in input order */
  linted: string[];
  /** files read (to hash them): the others' stat stamps were the stored ones */
  read?: number;
}

export interface CachedLintOptions {
  /** the cache directory (created on the first write) */
  cacheDir: string;
  /** lint the misses on worker threads */
  parallel?: ParallelLintOptions;
  onProgress?: (done: number, total: number) => void;
  /** filled in */
  stats?: LintCacheStats;
  /**
   * The caller renders findings with their positions (SARIF, GitHub, text in colour, or reads them):
   * they are read from the cache and checked. False: the JSON and text reports' parts are enough.
   */
  located?: boolean;
  /** how long ago a file must have last changed for its stat stamp to be stored (ms; default 2000) */
  stampMargin?: number;
}

/** What a run knows of a file it keyed: its name in its group, sha256 and stamp (see CachedEntry). */
interface FileState {
  name: string;
  sha: string;
  stamp: string;
  /** the stored entry's sha and stamp were not these (so the group's file is written again) */
  changed: boolean;
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
  /** the group's file is to be written again: it lacks entries of this run, holds others, or old stamps */
  rewrite: boolean;
}

/** A tail holds at most this many entries; past it, the group's main file is written again with them. */
const TAIL_LIMIT = 64;

/** The findings of each file, in the order given: the same as `lintFiles` gives, from the cache where it can. */
export async function lintFilesCached(
  files: string[],
  options: LintOptions,
  opts: CachedLintOptions,
): Promise<ReportFile[]> {
  const key = lintCacheKey(options);
  const cache = new LintCache(opts.cacheDir, key);
  const located = opts.located ?? true;
  const trustBefore = Date.now() - (opts.stampMargin ?? 2000);
  const states = new Map<string, FileState>();
  let read = 0;
  const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex');

  const plans: GroupPlan[] = groupFiles(files).map((group) => {
    const full = planGroup(group);
    const first = full.ups[0] ?? full.downs[0].file;
    const g = migrationGroup(first);
    const stored = cache.read(g, first, located);
    const dir = resolve(g);
    const known = new Map<string, CachedEntry>();
    for (const e of [...(stored?.ups ?? []), ...(stored?.downs ?? [])]) known.set(e.name, e);
    const prefix = dir + sep;
    const fileKey = (file: string): string => {
      const name = file.startsWith(prefix) ? file.slice(prefix.length) : relative(dir, resolve(file));
      // milliseconds as doubles keep sub-microsecond steps, and cost no BigInts
      const st = statSync(file);
      const stamp = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
      const prior = known.get(name);
      // an entry stored without a stamp ('': too recent to trust) never matches one
      const sha =
        prior?.stamp === stamp
          ? prior.sha
          : (read++, createHash('sha256').update(readFileSync(file)).digest('hex'));
      const trusted = st.mtimeMs < trustBefore && st.ctimeMs < trustBefore ? stamp : '';
      states.set(file, {
        name,
        sha,
        stamp: trusted,
        changed: !prior || prior.sha !== sha || prior.stamp !== trusted,
      });
      return runsOutsideTransaction(file) ? `${sha}\0none` : sha;
    };
    let state = hash(key, 'up');
    const upKeys = full.ups.map((f) => (state = hash(state, fileKey(f))));
    const downKeys = full.downs.map((d) =>
      hash(key, 'down', d.twin !== undefined ? upKeys[d.twin] : '-', fileKey(d.file)),
    );
    const p = plan({ group: g, first, full, upKeys, downKeys, stored });
    const stale = [...full.ups, ...full.downs.map((d) => d.file)].some((f) => states.get(f)!.changed);
    return stale && !p.rewrite ? { ...p, rewrite: true } : p;
  });

  const tasks = plans.flatMap((p) => (p.task ? [p.task] : []));
  const missing = tasks.reduce((n, t) => n + t.ups.length + t.downs.length, 0);
  const hits = files.length - missing;
  opts.onProgress?.(hits, files.length);
  const progress = opts.onProgress && ((d: number) => opts.onProgress!(hits + d, files.length));
  const linted = await lintMisses(tasks, options, opts.parallel, progress);

  const results = new Map<string, ReportFile>();
  const hit = (file: string, stored: CachedEntry): CachedEntry => {
    results.set(file, {
      file,
      counts: stored.counts,
      json: () => asBuffer(stored.json),
      text: () => ({ bytes: asBuffer(stored.text), cuts: stored.cuts }),
      located: () => {
        const list = findingsOf(stored);
        if (!list) throw new Error(`the lint cache in ${opts.cacheDir} is damaged: run with --no-cache`);
        return list;
      },
    });
    const { sha, stamp } = states.get(file)!;
    return { ...stored, sha, stamp };
  };
  const miss = (file: string, key: string): CachedEntry => {
    const r = reportFile(linted.get(file)!);
    results.set(file, r);
    const { name, sha, stamp } = states.get(file)!;
    const { bytes, cuts } = r.text();
    return {
      key,
      name,
      sha,
      stamp,
      counts: [...r.counts],
      json: r.json(),
      located: serialize(r.located()),
      text: bytes,
      cuts: [...cuts],
    };
  };
  for (const p of plans) {
    const ups = p.full.ups.map((file, i) =>
      i < p.from ? hit(file, p.stored!.ups[i]) : miss(file, p.upKeys[i]),
    );
    const downs = p.full.downs.map(({ file }, i) =>
      p.downHits[i] ? hit(file, p.downHits[i]!) : miss(file, p.downKeys[i]),
    );
    if (p.rewrite) store(cache, p, ups, downs, linted);
  }
  cache.prune();
  if (opts.stats) {
    opts.stats.hits = hits;
    opts.stats.misses = missing;
    opts.stats.linted = files.filter((f) => linted.has(f));
    opts.stats.read = read;
  }
  return files.map((f) => results.get(f)!);
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** What to lint of a group: every up migration from the first whose key the cache lacks, and the downs it lacks. */
function plan(p: Omit<GroupPlan, 'from' | 'downHits' | 'rewrite'>): GroupPlan {
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
  // the models the files to lint start from: stored, or rebuilt from the deltas of the files that hit
  const wanted = new Set<number>();
  if (from > 0 && from < full.ups.length) wanted.add(from - 1);
  full.downs.forEach((d, i) => {
    if (!downHits[i] && d.twin !== undefined && d.twin < from) wanted.add(d.twin);
  });
  let models: Map<number, StoredModel>;
  try {
    models = stored ? rebuild(stored, wanted) : new Map();
  } catch {
    // deltas or a model this code cannot read or replay: the file is not what it claims, lint the group afresh
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
  return { ...p, from, downHits, rewrite, ...(task ? { task } : {}) };
}

/**
 * The models after the up migrations at the `wanted` indexes: the stored one where there is one, else
 * replayed from the deltas, from the main file's stored model when it is before the index.
 */
function rebuild(stored: CachedGroup, wanted: Set<number>): Map<number, StoredModel> {
  const out = new Map<number, StoredModel>();
  let replay: SchemaReplay | undefined;
  let at = -1; // the replay's model is the one after ups[at]
  for (const i of [...wanted].sort((a, b) => a - b)) {
    const m = stored.model(i);
    if (m) {
      out.set(i, m);
      continue;
    }
    if (!replay) {
      const base = stored.main.ups - 1;
      const m = base >= 0 && base < i ? stored.model(base) : undefined;
      [replay, at] = m ? [SchemaReplay.from(m), base] : [new SchemaReplay(), -1];
    }
    for (const d of stored.deltas(at + 1).slice(0, i - at)) replay.apply(d);
    at = i;
    out.set(i, replay.model());
  }
  return out;
}

/**
 * Writes a group's entries: only its tail when the main file holds exactly this run's first entries
 * (a migration appended: a few kB instead of the directory's whole file), else the main file.
 */
function store(
  cache: LintCache,
  p: GroupPlan,
  ups: CachedEntry[],
  downs: CachedEntry[],
  linted: Map<string, LintedFindings>,
): void {
  const s = p.stored;
  const fresh = p.full.ups.slice(p.from).map((f) => linted.get(f)!.delta!);
  // the model after the last up: the stored one when none was linted, else the start model and the new deltas
  const last = (): StoredModel | undefined => {
    if (!ups.length) return undefined;
    if (!fresh.length)
      return s?.model(ups.length - 1) ?? rebuild(s!, new Set([ups.length - 1])).get(ups.length - 1);
    const r = p.task?.start ? SchemaReplay.from(p.task.start) : new SchemaReplay();
    for (const d of fresh) r.apply(d);
    return r.model();
  };
  const same = (a: CachedEntry, b: CachedEntry): boolean =>
    a.key === b.key && a.sha === b.sha && a.stamp === b.stamp;
  try {
    if (s && p.from >= s.main.ups) {
      const mainDowns = s.downs.slice(0, s.main.downs);
      const inMain = new Set(mainDowns.map((m) => m.key));
      const byKey = new Map(downs.map((d) => [d.key, d]));
      const tailUps = ups.slice(s.main.ups);
      const tailDowns = downs.filter((d) => !inMain.has(d.key));
      if (
        ups.slice(0, s.main.ups).every((e, i) => same(e, s.ups[i])) &&
        mainDowns.every((m) => byKey.has(m.key) && same(byKey.get(m.key)!, m)) &&
        tailUps.length + tailDowns.length <= TAIL_LIMIT
      ) {
        const deltas = [...s.deltas(s.main.ups).slice(0, p.from - s.main.ups), ...fresh];
        const model = tailUps.length ? last() : undefined;
        cache.writeTail(p.group, p.first, s.main.gen, { ups: tailUps, downs: tailDowns, deltas, model });
        return;
      }
    }
    const deltas = [...(p.from ? s!.deltas().slice(0, p.from) : []), ...fresh];
    cache.write(p.group, p.first, { ups, downs, deltas, model: last() });
  } catch {
    // stored deltas or a model that do not read. With nothing linted (new stamps only) the file's entries
    // still hold: keep it (a run that needs its deltas lints the group afresh); else remove it, and the
    // next run lints the group afresh
    if (p.task) cache.remove(p.group, p.first);
  }
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
