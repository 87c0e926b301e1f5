/**
 * How the CLI bundle starts: through V8's code cache. Node 20 compiles the 1.2 MB bundle afresh on every
 * start, and each function the command calls on its first call; a cache made at the end of an earlier
 * run holds that bytecode, so `pgshift up` starts 16–30 ms sooner (see the README's benchmarks).
 *
 * There is one cache per command (`up` compiles other functions than `lint`), in the user's own cache
 * directory (never a shared one: whoever can write it decides what runs). V8 checks a cache against the
 * source and its own version and flags and ignores a mismatch; the file name carries the bundle's size
 * and mtime and the Node version, so a new build or Node gets new caches and the old ones are removed.
 * PGSHIFT_CODE_CACHE=0 turns it off. A cache that cannot be read or written costs nothing but the speed.
 *
 * V8 accepts a cache only under the flags it was made with, and it is made at exit: so the command's V8
 * flags (v8-flags.ts) are set here, before the bundle compiles, not later by the bundle.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { homeDir, userCacheDir as pgshiftCacheDir } from '../core/cache-dir';
import { setFlags } from './v8-flags';

export type CacheUse = 'hit' | 'miss' | 'rejected' | 'off';

/** `<user cache dir>/pgshift` (see core/cache-dir.ts), or undefined when turned off or unknown. */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | undefined {
  return env.PGSHIFT_CODE_CACHE === '0' ? undefined : pgshiftCacheDir(env, platform, homeDir());
}

/**
 * Runs `main` (a CommonJS file) as Node would, with its bytecode from `cacheDir` when a cache made for
 * this very file and this `command` is there; writes one at exit when there was none (or V8 refused it).
 */
export function launch(
  main: string,
  cacheDir: string | undefined,
  command = 'default',
  flags: readonly string[] = [],
): CacheUse {
  setFlags(flags);
  const source = readFileSync(main, 'utf8');
  const cacheFile = cacheDir ? join(cacheDir, cacheName(main, command)) : undefined;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined; // the first run with this build
    }
  }
  // Node's own CommonJS wrapper, on the same line as the source so that line numbers stay right.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) { ${source.replace(/^#!.*/, '')}\n})`,
    { filename: main, cachedData },
  );
  const use: CacheUse = !cacheFile
    ? 'off'
    : !cachedData
      ? 'miss'
      : script.cachedDataRejected
        ? 'rejected'
        : 'hit';
  if (cacheFile && use !== 'hit') process.once('exit', () => saveCache(cacheFile, script, main));
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {}, id: main, filename: main, loaded: false };
  run.call(mod.exports, mod.exports, createRequire(main), mod, main, dirname(main));
  return use;
}

/** `<bundle>.<build stamp>.<command>.v8cache`; the build stamp is what tells an old cache from a current one. */
function cacheName(main: string, command: string): string {
  return `${buildStamp(main)}.${/^[a-z][a-z-]{0,30}$/.test(command) ? command : 'default'}.v8cache`;
}

function buildStamp(main: string): string {
  const s = statSync(main);
  return `${basename(main, '.js')}.${s.size}.${Math.round(s.mtimeMs)}.${process.version}.${process.arch}`;
}

/** At exit, so the cache holds every function this run compiled; written whole or not at all. */
function saveCache(file: string, script: Script, main: string): void {
  try {
    const data = script.createCachedData();
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // caches of other builds of this bundle (or other Node versions) will never be used again
    const bundle = basename(main, '.js') + '.';
    const current = buildStamp(main) + '.';
    for (const old of readdirSync(dir))
      if (old.startsWith(bundle) && old.endsWith('.v8cache') && !old.startsWith(current))
        rmSync(join(dir, old), { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // an optimisation only: never fail or slow a command for it
  }
}
