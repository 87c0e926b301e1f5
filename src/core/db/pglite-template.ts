import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

/*
 * A new embedded database starts as a copy of a data directory that PGlite's initdb made at build time
 * (scripts/build-pglite-template.mjs writes dist/pglite-template.tar.gz), not by running initdb on the
 * user's machine: initdb in WASM took 2.5–8 s and 800 MB, unpacking takes a fraction of that. The
 * archive is a plain ustar of regular files and directories, gzipped, whose first entry is the JSON that
 * says which PGlite made it; nothing else in it is trusted beyond what a data directory holds.
 */

export const PGLITE_TEMPLATE_FILE = 'pglite-template.tar.gz';
/** The archive's first entry; it describes the template and is not part of the data directory. */
export const PGLITE_TEMPLATE_META = 'pgshift-template.json';

export interface PgliteTemplateMeta {
  format: 1;
  /** the @electric-sql/pglite version whose initdb made it */
  pglite: string;
}

export interface TarEntry {
  /** relative, '/'-separated, never absolute, never with '..' */
  path: string;
  type: 'file' | 'dir';
  mode: number;
  data: Buffer;
}

export class TemplateError extends Error {}

/**
 * Where the template is: beside the bundles (dist/, where the CLI and the extension run from), or the
 * build's dist/ seen from the compiled tree out/src/core/db (the tests). undefined when there is none,
 * e.g. a build that skipped it: the driver then runs initdb as PGlite does by itself.
 */
export function defaultPgliteTemplate(): string | undefined {
  for (const dir of [__dirname, path.resolve(__dirname, '..', '..', '..', '..', 'dist')]) {
    const file = path.join(dir, PGLITE_TEMPLATE_FILE);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** The template's description and its entries; throws TemplateError when it is not one. */
export function readPgliteTemplate(file: string): { meta: PgliteTemplateMeta; entries: TarEntry[] } {
  let tar: Buffer;
  try {
    const gz = fs.readFileSync(file);
    // gzip ends with the unpacked size: one output chunk of it spares zlib joining 600 chunks of 64 kB
    // (20 ms and a second copy of 40 MB); a wrong size only costs that back
    const size = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
    tar = gunzipSync(gz, { chunkSize: Math.min(Math.max(size + 1, 64 * 1024), 256 * 1024 * 1024) });
  } catch (e) {
    throw new TemplateError(`${file} is not a gzip file: ${(e as Error).message}`);
  }
  const [first, ...entries] = parseTar(tar);
  if (first?.path !== PGLITE_TEMPLATE_META)
    throw new TemplateError(`${file} does not start with ${PGLITE_TEMPLATE_META}`);
  let meta: PgliteTemplateMeta;
  try {
    meta = JSON.parse(first.data.toString('utf8')) as PgliteTemplateMeta;
  } catch {
    throw new TemplateError(`${file}: ${PGLITE_TEMPLATE_META} is not JSON`);
  }
  if (meta.format !== 1 || typeof meta.pglite !== 'string')
    throw new TemplateError(`${file}: unknown template format ${JSON.stringify(meta.format)}`);
  if (!entries.some((e) => e.path === 'PG_VERSION' && e.type === 'file'))
    throw new TemplateError(`${file} holds no PG_VERSION: not a data directory`);
  return { meta, entries };
}

/**
 * Writes the template's data directory to `dataDir`, which must not exist or be an empty directory.
 * The files go to a sibling first and the directory is renamed into place at the end, so that a
 * process killed half way leaves no half data directory for the next run to take for a damaged one.
 */
export function unpackPgliteTemplate(entries: readonly TarEntry[], dataDir: string): void {
  const dest = path.resolve(dataDir);
  const staging = `${dest}.new-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    for (const e of entries) {
      const to = path.join(staging, ...e.path.split('/'));
      if (e.type === 'dir') fs.mkdirSync(to, { recursive: true, mode: e.mode });
      else {
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, e.data, { mode: e.mode });
      }
    }
    // an empty directory in the way (made by hand, or by an older pgshift before it failed) gives way
    if (fs.existsSync(dest)) fs.rmdirSync(dest);
    fs.renameSync(staging, dest);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** True when `dir` does not exist or is an empty directory: a database to create, not one to open. */
export function isNewDataDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

const BLOCK = 512;

/** The entries of a ustar archive (regular files and directories only). */
export function parseTar(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  for (;;) {
    if (at + BLOCK > tar.length) throw new TemplateError('truncated archive: no end-of-archive block');
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return out;
    if (h.toString('latin1', 257, 262) !== 'ustar')
      throw new TemplateError(`not a ustar header at byte ${at}`);
    const stored = octal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) throw new TemplateError(`bad header checksum at byte ${at}`);
    const name = cString(h, 0, 100);
    const prefix = cString(h, 345, 155);
    const full = (prefix ? `${prefix}/${name}` : name).replace(/\/+$/, '');
    const size = octal(h, 124, 12);
    const flag = String.fromCharCode(h[156]);
    const type = flag === '5' ? 'dir' : flag === '0' || flag === '\0' ? 'file' : undefined;
    if (!type) throw new TemplateError(`${full}: unsupported entry type '${flag}'`);
    if (
      !full ||
      full.startsWith('/') ||
      full.includes('\\') ||
      full.split('/').some((p) => p === '..' || p === '')
    )
      throw new TemplateError(`unsafe path in archive: ${JSON.stringify(full)}`);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new TemplateError(`truncated archive: ${full} is cut short`);
    out.push({ path: full, type, mode: octal(h, 100, 8) & 0o777, data: tar.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}

function cString(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
}

function octal(b: Buffer, start: number, len: number): number {
  const s = cString(b, start, len).trim();
  if (!/^[0-7]+$/.test(s)) throw new TemplateError(`bad number in tar header: ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}
