/**
 * Small text surgery on a single statement, guided by its parse tree: point a statement at another
 * table (the sampled copy the estimate runs it on), and cut out a parenthesised expression as written.
 * Parse-tree locations are UTF-8 byte offsets; everything here works on bytes.
 */
import type * as T from '@pgsql/types';
import { rangeVarName, type QualifiedName } from '../lint/ast';
import { loadParser } from '../sql/parser';
import { sameName } from '../pg';

function forEachRangeVar(node: unknown, visit: (rv: T.RangeVar) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) forEachRangeVar(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o.relname === 'string' && 'relpersistence' in o) visit(o as T.RangeVar);
  for (const v of Object.values(o)) if (v && typeof v === 'object') forEachRangeVar(v, visit);
}

/** Byte span of the (possibly qualified, possibly quoted) name that starts at `at`. */
export function nameSpan(bytes: Buffer, at: number): { start: number; end: number } {
  let i = at;
  for (;;) {
    if (bytes[i] === 0x22) {
      i++;
      while (i < bytes.length && !(bytes[i] === 0x22 && bytes[i + 1] !== 0x22))
        i += bytes[i] === 0x22 ? 2 : 1;
      i++;
    } else {
      while (i < bytes.length && (bytes[i] >= 0x80 || /[\w$]/.test(String.fromCharCode(bytes[i])))) i++;
    }
    // a qualified name continues after a dot (whitespace around it is legal but rare: not handled)
    if (bytes[i] === 0x2e) {
      i++;
      continue;
    }
    return { start: at, end: i };
  }
}

export interface Retargeted {
  sql: string;
  /** how many references were replaced */
  replaced: number;
}

/** The parse tree of `sql` when it is exactly one statement. */
async function parseOne(sql: string): Promise<T.Node | undefined> {
  const parsed = (await loadParser()).parse(sql);
  return parsed.ok && parsed.statements.length === 1 ? parsed.statements[0].node : undefined;
}

/**
 * The statement with every reference to `table` replaced by `replacement` (an already quoted name).
 * In DML, a replaced reference without an alias gets `AS <old name>`, so `table.column` still resolves.
 * Returns undefined when the statement does not parse or does not reference the table.
 */
export async function retarget(
  sql: string,
  table: QualifiedName,
  replacement: string,
): Promise<Retargeted | undefined> {
  const node = await parseOne(sql);
  if (!node) return undefined;
  const bytes = Buffer.from(sql, 'utf8');
  const kind = Object.keys(node)[0];
  const aliasable =
    kind === 'UpdateStmt' ||
    kind === 'DeleteStmt' ||
    kind === 'InsertStmt' ||
    kind === 'MergeStmt' ||
    kind === 'SelectStmt';
  const spans: { start: number; end: number; alias: boolean }[] = [];
  // A RangeVar is wrapped ({ RangeVar: {...} }) in FROM lists but bare in `relation` fields: find both.
  forEachRangeVar(node, (rv) => {
    const q = rangeVarName(rv);
    if (!q || rv.location === undefined || rv.location < 0 || !sameName(q, table)) return;
    spans.push({ ...nameSpan(bytes, rv.location), alias: aliasable && !rv.alias });
  });
  if (!spans.length) return undefined;
  spans.sort((a, b) => b.start - a.start);
  let out = bytes;
  for (const s of spans) {
    const text = s.alias ? `${replacement} AS ${quoteIdent(table.name)}` : replacement;
    out = Buffer.concat([out.subarray(0, s.start), Buffer.from(text, 'utf8'), out.subarray(s.end)]);
  }
  return { sql: out.toString('utf8'), replaced: spans.length };
}

/**
 * CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t ... rewritten as
 * CREATE [UNIQUE] INDEX ON <replacement> ... (no name, no CONCURRENTLY): what the estimate times.
 */
export async function indexOnCopy(
  sql: string,
  replacement: string,
  unique: boolean,
): Promise<string | undefined> {
  const idx = ((await parseOne(sql)) as { IndexStmt?: T.IndexStmt } | undefined)?.IndexStmt;
  const loc = idx?.relation?.location;
  if (!idx || loc === undefined) return undefined;
  const bytes = Buffer.from(sql, 'utf8');
  const span = nameSpan(bytes, loc);
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ON ${replacement}${bytes.subarray(span.end).toString('utf8')}`;
}

/** pg_get_indexdef() of an index, pointed at another table and without its name. */
export function indexDefOnCopy(def: string, replacement: string): string | undefined {
  const m = /^CREATE (UNIQUE )?INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?(.+?) USING /.exec(def);
  if (!m) return undefined;
  return `CREATE ${m[1] ?? ''}INDEX ON ${replacement} USING ${def.slice(m[0].length)}`;
}

/** The text of the balanced (...) group that starts at or after byte `from`, without the parentheses. */
export function parenGroupAfter(text: string, from: number): { inner: string; end: number } | undefined {
  const bytes = Buffer.from(text, 'utf8');
  let i = from;
  while (i < bytes.length && bytes[i] !== 0x28) {
    if (bytes[i] === 0x27 || bytes[i] === 0x22) return undefined;
    i++;
  }
  if (i >= bytes.length) return undefined;
  const open = i;
  let depth = 0;
  for (; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x27 || c === 0x22) {
      const q = c;
      i++;
      while (i < bytes.length && !(bytes[i] === q && bytes[i + 1] !== q)) i += bytes[i] === q ? 2 : 1;
    } else if (c === 0x28) depth++;
    else if (c === 0x29) {
      depth--;
      if (depth === 0) return { inner: bytes.subarray(open + 1, i).toString('utf8'), end: i + 1 };
    }
  }
  return undefined;
}

/** Splits a comma-separated list at top level (outside parentheses and quotes). */
export function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "'" || c === '"') {
      const j = closingQuote(list, i);
      cur += list.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function closingQuote(s: string, at: number): number {
  const q = s[at];
  let i = at + 1;
  while (i < s.length) {
    if (s[i] === q) {
      if (s[i + 1] === q) i += 2;
      else return i;
    } else i++;
  }
  return s.length - 1;
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function quoteQualified(q: QualifiedName): string {
  return q.schema ? `${quoteIdent(q.schema)}.${quoteIdent(q.name)}` : quoteIdent(q.name);
}

const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_catalog',
  'current_date',
  'current_role',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'initially',
  'intersect',
  'into',
  'lateral',
  'leading',
  'limit',
  'localtime',
  'localtimestamp',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'placing',
  'primary',
  'references',
  'returning',
  'select',
  'session_user',
  'some',
  'symmetric',
  'system_user',
  'table',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'when',
  'where',
  'window',
  'with',
]);
