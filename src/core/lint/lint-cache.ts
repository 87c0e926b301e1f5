/**
 * Where the lint cache keeps what it knows: one file per migration directory (and per lint key and
 * first file, so that linting a few files of a directory does not evict the whole directory's entries),
 * holding for each up migration, in migration order, its key, the stat stamp and sha256 its file was read
 * with, and its findings, for each down migration the same, and the up migrations' schema deltas in a
 * block of their own (see CachedGroup.deltas). See lint-cached.ts for what the keys cover.
 *
 * A file's findings are stored three times: as its part of the JSON report and of the text report
 * without colour (UTF-8 bytes: a warm run prints the stored parts as they are, without decoding or
 * encoding them) and, in a block of their own, with their positions for the
 * other formats (deserialized only when a format needs them: 6,864 findings' objects cost more to
 * deserialize than their text).
 *
 * The files are V8's serialization (node:v8), not JSON: strings are stored as they are in memory, so
 * reading them needs no UTF-8 decoding.
 *
 * A cache is only ever a shortcut: a file that cannot be read, does not deserialize, was written by another
 * format or for another key is treated as empty and replaced. Writes go to a temporary file that is then
 * renamed over the old one, so a reader (another run at the same time included) sees a whole file, the old
 * or the new. Files not used for 30 days are removed when a run writes.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { PGSHIFT_VERSION } from '../version';
import type { LocatedFinding } from './format';
import { checkModel, type SchemaDelta, type StoredModel } from './schema-state';
import { SEVERITIES, type Finding, type LintOptions } from './types';

/** Bumped whenever what a cache file holds changes meaning; files of other formats are ignored. */
export const CACHE_FORMAT = 3;

const DAY = 24 * 3600 * 1000;
const UNUSED_FOR = 30 * DAY;

export interface CachedEntry {
  key: string;
  /** the file's path relative to its group's directory */
  name: string;
  /** sha256 of the file's bytes as last read */
  sha: string;
  /** the file's stat stamp when it was read (see lint-cached.ts); '' when too recent to be trusted */
  stamp: string;
  /** findings per severity, in SEVERITIES order */
  counts: number[];
  /** the file's part of the JSON report (format.ts, jsonPart) */
  json: Uint8Array;
  /** the file's part of the text report without colour, and each finding's length in it (format.ts, textPart) */
  text: Uint8Array;
  cuts: number[];
  /** v8.serialize(LocatedFinding[]): see findingsOf */
  located: Uint8Array;
}

/**
 * What the cache holds for a directory: entries of its up migrations (in migration order) and of its
 * downs. They come from its main file and, after it, from its tail: the migrations added since the main
 * file was written (see LintCache.writeTail).
 */
export interface CachedGroup {
  ups: CachedEntry[];
  downs: CachedEntry[];
  /** the main file's identity and how many of `ups` and `downs` are in it (the rest are the tail's) */
  main: { gen: string; ups: number; downs: number };
  /**
   * The up migrations' schema deltas, read only when a model must be rebuilt or the file rewritten (a
   * warm run needs the findings alone, and the deltas' many small arrays cost most to deserialize).
   * `from`: only those of ups[from…] (a tail's need not read the main file's). Throws when they do not
   * deserialize, or are not one per up migration.
   */
  deltas(from?: number): SchemaDelta[];
  /**
   * The schema model after ups[i], when stored: after the main file's last up and after the tail's, so
   * that a migration appended to a directory of hundreds starts from it without replaying their deltas.
   * Throws when it does not read.
   */
  model(i: number): StoredModel | undefined;
}

/** What is written: the entries, their deltas (one per up) and the model after the last up. */
export interface GroupWrite {
  ups: CachedEntry[];
  downs: CachedEntry[];
  deltas: SchemaDelta[];
  /** the model after the last of `ups`; undefined when there are none */
  model: StoredModel | undefined;
}

/** An entry as the file holds it: its JSON part and findings are ranges of the file's `parts`. */
interface StoredEntry extends Omit<CachedEntry, 'json' | 'located' | 'text'> {
  /** where its JSON part starts in `parts`; its findings, then its text part follow it */
  at: number;
  /** the JSON part's length in bytes */
  json: number;
  /** the findings' length in bytes */
  located: number;
  /** the text part's length in bytes */
  text: number;
}

/** A main file (`<id>.v8`) or its tail (`<id>.tail.v8`). */
interface GroupFile {
  format: number;
  key: string;
  group: string;
  /** a main file: its identity, new at each write; a tail: the identity of the main file it follows */
  gen: string;
  ups: StoredEntry[];
  downs: StoredEntry[];
  /**
   * every entry's JSON part, serialized findings and text part, one after the other: one buffer to
   * deserialize instead of three per file, and a rewrite copies the parts of the entries it keeps
   * without decoding them
   */
  parts: Uint8Array;
  /** v8.serialize(SchemaDelta[]) of `ups` */
  deltas: Uint8Array;
  /** v8.serialize(StoredModel) after the last up (of the main file's, or of all) */
  model?: Uint8Array;
}

export class LintCache {
  private wrote = false;

  /** `key`: lintCacheKey() of this run's options. */
  constructor(
    readonly dir: string,
    readonly key: string,
  ) {}

  /**
   * What the cache holds for `group` (a directory) whose first file is `first`; undefined when nothing
   * usable. `located`: the caller will render the findings with their positions (not only the JSON
   * parts), so they are read and checked here, and a file whose findings do not read is no cache. A
   * tail that does not read, or follows another main file, is left out (its files are linted again).
   */
  read(group: string, first: string, located: boolean): CachedGroup | undefined {
    const file = this.fileOf(group, first);
    const main = this.readFile(file, group, located);
    if (!main) return undefined;
    const tail = this.readFile(tailOf(file), group, located);
    const t = tail?.data.gen === main.data.gen ? tail : undefined;
    const parts = t ? [main, t] : [main];
    const deltas = parts.map((f) => lazyDeltas(f.data));
    const models = new Map<number, () => StoredModel | undefined>();
    let upTo = 0;
    for (const f of parts) {
      upTo += f.ups.length;
      const bytes = f.data.model;
      if (bytes instanceof Uint8Array && f.ups.length)
        models.set(
          upTo - 1,
          once(() => readModel(bytes)),
        );
    }
    return {
      ups: parts.flatMap((f) => f.ups),
      downs: parts.flatMap((f) => f.downs),
      main: { gen: main.data.gen, ups: main.ups.length, downs: main.downs.length },
      // the main file's deltas are read only when some of them are asked for
      deltas: (from = 0) => [
        ...(from < main.ups.length ? deltas[0]().slice(from) : []),
        ...(t ? deltas[1]().slice(Math.max(0, from - main.ups.length)) : []),
      ],
      model: (i) => models.get(i)?.(),
    };
  }

  /**
   * Replaces what the cache holds for the group (its tail too); never throws (a cache that cannot be
   * written is no cache).
   */
  write(group: string, first: string, entries: GroupWrite): void {
    const file = this.fileOf(group, first);
    if (this.writeFile(file, group, randomBytes(8).toString('hex'), entries))
      rmSync(tailOf(file), { force: true });
  }

  /**
   * Writes what follows the main file `gen` (entries of migrations added since it was written), leaving
   * the main file as it is: appending a migration to a directory of 684 writes a few kB instead of its
   * 16 MB. The tail is replaced whole each time; the caller writes the main file again when it grows.
   */
  writeTail(group: string, first: string, gen: string, entries: GroupWrite): void {
    this.writeFile(tailOf(this.fileOf(group, first)), group, gen, entries);
  }

  /** Removes the group's files (a file whose deltas turned out not to read). */
  remove(group: string, first: string): void {
    const file = this.fileOf(group, first);
    for (const f of [file, tailOf(file)]) rmSync(f, { force: true });
  }

  private readFile(
    file: string,
    group: string,
    located: boolean,
  ): { data: GroupFile; ups: CachedEntry[]; downs: CachedEntry[] } | undefined {
    let bytes: Buffer;
    try {
      const fd = openSync(file, 'r');
      try {
        // a file in use is kept from pruning: its mtime is refreshed once a day
        const { mtimeMs } = fstatSync(fd);
        if (Date.now() - mtimeMs > DAY) touch(file);
        bytes = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
    try {
      const data = deserialize(bytes) as GroupFile;
      if (
        data?.format !== CACHE_FORMAT ||
        data.key !== this.key ||
        data.group !== resolve(group) ||
        typeof data.gen !== 'string' ||
        !(data.parts instanceof Uint8Array) ||
        !(data.deltas instanceof Uint8Array)
      )
        return undefined;
      const ups = entriesOf(data.ups, data.parts, located);
      const downs = entriesOf(data.downs, data.parts, located);
      return ups && downs ? { data, ups, downs } : undefined;
    } catch {
      return undefined;
    }
  }

  private writeFile(file: string, group: string, gen: string, entries: GroupWrite): boolean {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.ensureDir();
      const all = [...entries.ups, ...entries.downs];
      const parts = Buffer.allocUnsafe(
        all.reduce((n, e) => n + e.json.length + e.located.length + e.text.length, 0),
      );
      let at = 0;
      const stored = (list: CachedEntry[]): StoredEntry[] =>
        list.map(({ json, located, text, ...rest }) => {
          const e = { ...rest, at, json: json.length, located: located.length, text: text.length };
          for (const part of [json, located, text]) {
            parts.set(part, at);
            at += part.length;
          }
          return e;
        });
      const data: GroupFile = {
        format: CACHE_FORMAT,
        key: this.key,
        group: resolve(group),
        gen,
        ups: stored(entries.ups),
        downs: stored(entries.downs),
        parts,
        deltas: serialize(entries.deltas),
        ...(entries.model ? { model: serialize(entries.model) } : {}),
      };
      writeFileSync(tmp, serialize(data), { mode: 0o600 });
      renameSync(tmp, file);
      this.wrote = true;
      return true;
    } catch {
      rmSync(tmp, { force: true });
      return false;
    }
  }

  /** After a run that wrote: removes the files no run has used for 30 days, and temporary files left by a crash. */
  prune(now = Date.now()): void {
    if (!this.wrote) return;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      // only this cache's own files: the directory may be one the user gave (--cache-location)
      const m = /^[0-9a-f]{40}(?:\.tail)?\.v8(\.\d+\.[0-9a-f]{8}\.tmp)?$/.exec(name);
      if (!m) continue;
      const isTmp = m[1] !== undefined;
      try {
        const age = now - statSync(join(this.dir, name)).mtimeMs;
        if (age > (isTmp ? DAY / 24 : UNUSED_FOR)) rmSync(join(this.dir, name), { force: true });
      } catch {
        // removed by another run meanwhile
      }
    }
  }

  private fileOf(group: string, first: string): string {
    const id = createHash('sha256')
      .update(`${this.key}\0${resolve(group)}\0${relative(resolve(group), resolve(first))}`)
      .digest('hex');
    return join(this.dir, `${id.slice(0, 40)}.v8`);
  }

  private ensureDir(): void {
    // the cache may live in the project (.pgshift/cache): keep a folder it creates out of version control
    // (never one that was there: --cache-location may name a folder of the user's)
    if (mkdirSync(this.dir, { recursive: true, mode: 0o700 }) !== undefined)
      writeFileSync(
        join(this.dir, '.gitignore'),
        '# written by pgshift: the lint cache is not to be committed\n*\n',
      );
  }
}

function tailOf(file: string): string {
  return file.replace(/\.v8$/, '.tail.v8');
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

function lazyDeltas(data: GroupFile): () => SchemaDelta[] {
  return once(() => {
    const deltas = deserialize(data.deltas) as SchemaDelta[];
    if (!Array.isArray(deltas) || deltas.length !== data.ups.length)
      throw new Error('the deltas do not match the entries');
    return deltas;
  });
}

function readModel(bytes: Uint8Array): StoredModel {
  const m = deserialize(bytes) as StoredModel;
  checkModel(m);
  return m;
}

function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // read-only cache: it is still used, only pruned sooner
  }
}

/**
 * The entries as this format writes them, with views of their parts; undefined when one is not (keys,
 * stamps, counts, ranges inside the parts), or with `located` when its findings do not read.
 */
function entriesOf(list: unknown, parts: Uint8Array, located: boolean): CachedEntry[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: CachedEntry[] = [];
  const length = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  for (const e of list as Partial<StoredEntry>[]) {
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.key !== 'string' ||
      typeof e.name !== 'string' ||
      typeof e.sha !== 'string' ||
      typeof e.stamp !== 'string' ||
      !Array.isArray(e.counts) ||
      e.counts.length !== SEVERITIES.length ||
      !e.counts.every(length) ||
      !length(e.at) ||
      !length(e.json) ||
      !length(e.located) ||
      !length(e.text) ||
      e.at + e.json + e.located + e.text > parts.length ||
      !Array.isArray(e.cuts) ||
      !e.cuts.every(length) ||
      e.cuts.length !== e.counts.reduce((a, b) => a + b, 0) ||
      e.cuts.reduce((a, b) => a + b, 0) !== e.text
    )
      return undefined;
    const { at, json, located: size, text, ...rest } = e as StoredEntry;
    const entry: CachedEntry = {
      ...rest,
      json: parts.subarray(at, at + json),
      located: parts.subarray(at + json, at + json + size),
      text: parts.subarray(at + json + size, at + json + size + text),
    };
    if (located && findingsOf(entry) === undefined) return undefined;
    out.push(entry);
  }
  return out;
}

const checked = new WeakMap<Uint8Array, LocatedFinding[]>();

/** An entry's findings with their positions; undefined when they do not read as this format writes them. */
export function findingsOf(e: CachedEntry): LocatedFinding[] | undefined {
  const known = checked.get(e.located);
  if (known) return known;
  try {
    const list = deserialize(e.located) as LocatedFinding[];
    if (
      !Array.isArray(list) ||
      list.length !== e.counts.reduce((a, b) => a + b, 0) ||
      !list.every(
        (f) =>
          validFinding(f) &&
          [f.line, f.column, f.endLine, f.endColumn].every(Number.isInteger) &&
          typeof f.lineText === 'string',
      )
    )
      return undefined;
    checked.set(e.located, list);
    return list;
  } catch {
    return undefined;
  }
}

function validFinding(f: Finding): boolean {
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.rule === 'string' &&
    SEVERITIES.includes(f.severity) &&
    typeof f.range?.start === 'number' &&
    typeof f.range.end === 'number' &&
    typeof f.message === 'string' &&
    typeof f.help === 'string'
  );
}

/**
 * What every entry of a run depends on besides the files: the cache format, pgshift's version and code
 * (any change of a rule, the engine or the parser's glue gives another key), Node's version (its ICU
 * sorts and formats) and the lint options (rules and severities, target version, runner settings).
 */
export function lintCacheKey(options: LintOptions): string {
  const { priorSchema, ...rest } = options;
  if (priorSchema) throw new Error('lint cache: a prior schema cannot be part of the key');
  return createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, PGSHIFT_VERSION, process.version, codeFingerprint(), sorted(rest)]))
    .digest('hex');
}

/** Objects with their keys sorted, so that the same options always give the same key. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
  );
}

/**
 * A hash of the code that produces findings. In the CLI bundle this module's file is the whole program
 * (rules, engine, parser glue): 1.3 MB hashed in ~2 ms. Compiled module by module (the tests), it is every
 * module of src/core beside it.
 */
export function codeFingerprint(self = __filename): string {
  const h = createHash('sha256');
  const m = /[\\/]lint[\\/]lint-cache(\.[jt]s)$/.exec(self);
  if (!m) return h.update(readFileSync(self)).digest('hex');
  const core = dirname(dirname(self));
  const files = (readdirSync(core, { recursive: true }) as string[])
    .filter((f) => f.endsWith(m[1]))
    .map((f) => join(core, f))
    .sort();
  for (const f of files) h.update(relative(core, f)).update('\0').update(readFileSync(f));
  return h.digest('hex');
}
