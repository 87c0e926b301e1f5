/** File discovery with include/exclude globs, shared by the CLI and the extension. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** Converts a glob (`**`, `*`, `?`, `{a,b}`) to a RegExp over '/'-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re +=
          '(?:' +
          glob
            .slice(i + 1, close)
            .split(',')
            .map(escapeRe)
            .join('|') +
          ')';
        i = close;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}
function escapeRe(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

function hasGlobChars(s: string): boolean {
  return /[*?{]/.test(s);
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.pgshift', 'dist', 'out']);

/** All files under `dir` (recursively), as absolute paths, sorted. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) visit(join(d, e.name));
      } else if (e.isFile()) out.push(join(d, e.name));
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * Expands CLI arguments (files, directories, globs) relative to `cwd` into sorted absolute file paths.
 * Directories contribute files matching `include` and not `exclude` (globs relative to `root`).
 */
export function expandPaths(
  args: string[],
  cwd: string,
  root: string,
  include: string[],
  exclude: string[],
): { files: string[]; missing: string[] } {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  const rel = (f: string): string => relative(root, f).split(sep).join('/');
  const wanted = (f: string): boolean => {
    const r = rel(f);
    const base = r.split('/').pop() ?? r;
    return inc.some((re) => re.test(r) || re.test(base)) && !exc.some((re) => re.test(r));
  };
  const files = new Set<string>();
  const missing: string[] = [];
  for (const a of args) {
    if (hasGlobChars(a)) {
      const re = globToRegExp(a.split(sep).join('/'));
      const base = resolve(cwd, a.split(/[*?{]/)[0].replace(/[^/]*$/, '') || '.');
      let n = 0;
      for (const f of walkFiles(base)) {
        const r = relative(cwd, f).split(sep).join('/');
        if (re.test(r) && !exc.some((x) => x.test(rel(f)))) {
          files.add(f);
          n++;
        }
      }
      if (n === 0) missing.push(a);
      continue;
    }
    const p = resolve(cwd, a);
    let st;
    try {
      st = statSync(p);
    } catch {
      missing.push(a);
      continue;
    }
    if (st.isDirectory()) {
      for (const f of walkFiles(p)) if (wanted(f)) files.add(f);
    } else files.add(p);
  }
  return { files: [...files].sort(), missing };
}
