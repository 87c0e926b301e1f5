import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/*
 * A reader for libpq's password file: lines `hostname:port:database:username:password`, `*` matches
 * anything in the first four fields, `\:` and `\\` escape, `#` starts a comment line. The first
 * matching line wins.
 */

export interface PgpassKey {
  host: string;
  port: number | string;
  database: string;
  user: string;
}

/** One line of the file; a field that is null was an unescaped `*` (matches anything). */
export interface PgpassEntry {
  host: string | null;
  port: string | null;
  database: string | null;
  user: string | null;
  password: string;
}

/** The file libpq would read: PGPASSFILE, else ~/.pgpass (%APPDATA%\postgresql\pgpass.conf on Windows). */
function pgpassPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'postgresql', 'pgpass.conf');
  return path.join(os.homedir(), '.pgpass');
}

export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    if (rawLine.trim() === '' || rawLine.startsWith('#')) continue;
    const fields = splitFields(rawLine);
    // libpq ignores lines with fewer than five fields; the password is the rest of the line, ':' included.
    if (fields.length < 5) continue;
    const [host, port, database, user, password] = fields;
    entries.push({ host, port, database, user, password: password ?? '' });
  }
  return entries;
}

export function matchPgpass(entries: readonly PgpassEntry[], key: PgpassKey): string | undefined {
  // libpq looks up unix-socket connections under the name "localhost".
  const host = key.host === '' || key.host.startsWith('/') ? 'localhost' : key.host;
  const wanted = [host, String(key.port), key.database, key.user];
  for (const e of entries) {
    const fields = [e.host, e.port, e.database, e.user];
    if (fields.every((f, i) => f === null || f === wanted[i])) return e.password;
  }
  return undefined;
}

/**
 * The password for `key` from the pgpass file, or undefined when there is no file, no match, or the
 * file is readable by group/others (libpq refuses such a file too, so a matching behaviour surprises no one).
 */
export function lookupPgpass(key: PgpassKey, file: string = pgpassPath()): string | undefined {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return undefined;
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return matchPgpass(parsePgpass(text), key);
}

function splitFields(line: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let cur = '';
  let escaped = false;
  const push = () => {
    fields.push(cur === '*' && !escaped && fields.length < 4 ? null : cur);
    cur = '';
    escaped = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      escaped = true;
    } else if (ch === ':' && fields.length < 4) {
      push();
    } else {
      cur += ch;
    }
  }
  push();
  return fields;
}
