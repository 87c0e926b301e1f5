/**
 * Where the lint cache keeps what it knows: one file per migration directory (and per lint key and
 * first file, so that linting a few files of a directory does not evict the whole directory's entries),
 * holding for each up migration, in migration order, its key and findings, for each down migration its
 * key and findings, and the up migrations' schema deltas in a block of their own (see CachedGroup.deltas).
 * See lint-cached.ts for what the keys cover.
 *
 * The files are V8's serialization (node:v8), not JSON: a warm run of 2,675 files reads 10 MB of findings
 * (their help texts are most of it), which V8 deserializes in ~35 ms where reading and parsing the JSON
 * took ~55 (no UTF-8 decoding: strings are stored as they are in memory).
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
import type { SchemaDelta } from './schema-state';
import { SEVERITIES, type Finding, type LintOptions } from './types';

/** Bumped whenever what a cache file holds changes meaning; files of other formats are ignored. */
export const CACHE_FORMAT = 1;

const DAY = 24 * 3600 * 1000;
const UNUSED_FOR = 30 * DAY;

export interface CachedEntry {
  key: string;
  findings: Finding[];
}

/** What a directory's file holds: entries of its up migrations (in migration order) and of its downs. */
export interface CachedGroup {
  ups: CachedEntry[];
  downs: CachedEntry[];
  /**
   * The up migrations' schema deltas, read only when a model must be rebuilt or the file rewritten (a
   * warm run needs the findings alone, and the deltas' many small arrays cost most to deserialize).
   * Throws when they do not deserialize, or are not one per up migration.
   */
  deltas(): SchemaDelta[];
}

interface GroupFile {
  format: number;
  key: string;
  group: string;
  ups: CachedEntry[];
  downs: CachedEntry[];
  /** v8.serialize(SchemaDelta[]) */
  deltas: Uint8Array;
}

export class LintCache {
  private wrote = false;

  /** `key`: lintCacheKey() of this run's options. */
  constructor(
    readonly dir: string,
    readonly key: string,
  ) {}

  /** What the cache holds for `group` (a directory) whose first file is `first`; undefined when nothing usable. */
  read(group: string, first: string): CachedGroup | undefined {
    const file = this.fileOf(group, first);
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
        !validEntries(data.ups) ||
        !validEntries(data.downs) ||
        !(data.deltas instanceof Uint8Array)
      )
        return undefined;
      let deltas: SchemaDelta[] | undefined;
      return {
        ups: data.ups,
        downs: data.downs,
        deltas: () => {
          deltas ??= deserialize(data.deltas) as SchemaDelta[];
          if (!Array.isArray(deltas) || deltas.length !== data.ups.length)
            throw new Error('the deltas do not match the entries');
          return deltas;
        },
      };
    } catch {
      return undefined;
    }
  }

  /** Replaces what the cache holds for the group; never throws (a cache that cannot be written is no cache). */
  write(
    group: string,
    first: string,
    entries: { ups: CachedEntry[]; downs: CachedEntry[]; deltas: SchemaDelta[] },
  ): void {
    const file = this.fileOf(group, first);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      this.ensureDir();
      const data: GroupFile = {
        format: CACHE_FORMAT,
        key: this.key,
        group: resolve(group),
        ups: entries.ups,
        downs: entries.downs,
        deltas: serialize(entries.deltas),
      };
      writeFileSync(tmp, serialize(data), { mode: 0o600 });
      renameSync(tmp, file);
      this.wrote = true;
    } catch {
      rmSync(tmp, { force: true });
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
      const m = /^[0-9a-f]{40}\.v8(\.\d+\.[0-9a-f]{8}\.tmp)?$/.exec(name);
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

function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // read-only cache: it is still used, only pruned sooner
  }
}

/** Entries as this format writes them: keys, and findings the formats can render without a check. */
function validEntries(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.every(
      (e: Partial<CachedEntry>) =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.key === 'string' &&
        Array.isArray(e.findings) &&
        e.findings.every(validFinding),
    )
  );
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
