/** Small, failure-tolerant file reads for detection: a project pgshift cannot read is a project without the tool. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Names of the plain files in `dir`, sorted by code unit (as the tools sort them). */
export function fileNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch {
    return [];
  }
}

const SKIP = new Set([
  'node_modules',
  '.git',
  '.pgshift',
  'dist',
  'out',
  'bin',
  'obj',
  'venv',
  '.venv',
  '__pycache__',
  'vendor',
  'tmp',
  'log',
]);

/** Directories under `root` (root included) down to `depth` levels, skipping build and dependency folders. */
export function directories(root: string, depth: number): string[] {
  const out: string[] = [];
  const visit = (d: string, left: number): void => {
    out.push(d);
    if (left === 0) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries)
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) visit(join(d, e.name), left - 1);
  };
  visit(root, depth);
  return out;
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/** The string value of `key: '...'` / `key = "..."` in a config file's text (no evaluation). */
export function stringSetting(text: string, key: string): string | undefined {
  const re = new RegExp(
    `['"]?${key.replace(/[-]/g, '\\-')}['"]?\\s*[:=]\\s*(?:path\\.(?:resolve|join)\\(([^)]*)\\)|['"\`]([^'"\`]+)['"\`])`,
  );
  const m = re.exec(text);
  if (!m) return undefined;
  if (m[2] !== undefined) return m[2];
  // path.resolve('db', 'migrations') / path.join(__dirname, 'db', 'migrations'): the literal parts, joined
  const parts = [...m[1].matchAll(/['"`]([^'"`]+)['"`]/g)].map((x) => x[1]);
  return parts.length ? parts.join('/') : undefined;
}

export function dirNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
