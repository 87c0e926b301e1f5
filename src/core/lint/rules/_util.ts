/** Small helpers shared by rules: byte ranges in statement text, fix builders, per-file caches. */
import type { Fix, Range, RuleContext, Stmt } from '../types';

/**
 * True when the statement's text is exactly what its range covers. SQL found inside a DO block may not
 * have been located in the file: its text and range then differ, and offsets into the text mean nothing.
 */
export function locatedInFile(stmt: Stmt): boolean {
  return Buffer.byteLength(stmt.text, 'utf8') === stmt.range.end - stmt.range.start;
}

/** Byte offset in the file of the end of the first regex match in the statement text, or undefined. */
export function offsetAfter(stmt: Stmt, re: RegExp): number | undefined {
  const m = re.exec(stmt.text);
  if (!m) return undefined;
  return stmt.range.start + Buffer.byteLength(stmt.text.slice(0, m.index + m[0].length), 'utf8');
}

/** Byte range in the file of the first regex match in the statement text. */
export function rangeOf(stmt: Stmt, re: RegExp): Range | undefined {
  const m = re.exec(stmt.text);
  if (!m) return undefined;
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, m.index), 'utf8');
  return { start, end: start + Buffer.byteLength(m[0], 'utf8') };
}

/** Byte ranges in the file of every match of the global regex `re`, in order; none when the text is not located. */
export function rangesOf(stmt: Stmt, re: RegExp): Range[] {
  if (!locatedInFile(stmt)) return [];
  const out: Range[] = [];
  for (const m of stmt.text.matchAll(re)) {
    const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, m.index), 'utf8');
    out.push({ start, end: start + Buffer.byteLength(m[0], 'utf8') });
  }
  return out;
}

/** Byte range in the file of capture group 1 of `re` (which needs the `d` flag) in the statement text. */
export function groupRange(stmt: Stmt, re: RegExp): Range | undefined {
  if (!locatedInFile(stmt)) return undefined;
  const m = re.exec(stmt.text);
  const at = m?.indices?.[1];
  if (!at) return undefined;
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, at[0]), 'utf8');
  return { start, end: start + Buffer.byteLength(stmt.text.slice(at[0], at[1]), 'utf8') };
}

/** `s` with the regex metacharacters escaped. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Byte offset just after the statement's terminating semicolon (or its end when none follows). */
export function endOfStatement(ctx: RuleContext, stmt: Stmt): { at: number; hasSemicolon: boolean } {
  const rest = ctx.source.slice(stmt.range.end, Math.min(ctx.source.length, stmt.range.end + 256));
  const m = /^\s*;/.exec(rest);
  return m
    ? { at: stmt.range.end + Buffer.byteLength(m[0], 'utf8'), hasSemicolon: true }
    : { at: stmt.range.end, hasSemicolon: false };
}

/** 1-based line of a statement's first character. */
export function lineOf(ctx: RuleContext, stmt: Stmt): number {
  return ctx.source.positionAt(stmt.range.start).line + 1;
}

const VERB_WORDS = new Set([
  'TABLE',
  'INDEX',
  'UNIQUE',
  'MATERIALIZED',
  'VIEW',
  'TRIGGER',
  'POLICY',
  'RULE',
  'FULL',
  'SEQUENCE',
  'INTO',
  'FROM',
  'CONSTRAINT',
]);

const DML_VERB: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  SelectStmt: 'SELECT',
};

/** The statement's leading keywords: 'ALTER TABLE', 'CREATE UNIQUE INDEX', 'UPDATE', 'LOCK TABLE'. */
export function statementVerb(stmt: Stmt): string {
  const words = stmt.text
    .trim()
    .split(/\s+/, 4)
    .map((w) => w.toUpperCase());
  // WITH ... UPDATE: name the statement by what it does
  if (!/^[A-Z]+$/.test(words[0] ?? '') || words[0] === 'WITH') return DML_VERB[stmt.kind] ?? stmt.kind;
  const out = [words[0]];
  for (const w of words.slice(1)) {
    if (!VERB_WORDS.has(w)) break;
    out.push(w);
  }
  return out.join(' ');
}

/** A suggestion that inserts `sql` on its own line before the statement (before the DO block that holds it). */
export function insertBefore(ctx: RuleContext, stmt: Stmt, sql: string, title: string): Fix {
  let target = stmt;
  for (let i = stmt.index; i >= 0 && target.origin !== 'top'; i--) target = ctx.statements[i] ?? target;
  const at = target.range.start;
  const lineStart = at > 0 ? ctx.source.bytes.lastIndexOf(0x0a, at - 1) + 1 : 0;
  const indent = ctx.source.slice(lineStart, at);
  return {
    title,
    edits: [{ range: { start: at, end: at }, newText: `${sql}\n${/^[ \t]*$/.test(indent) ? indent : ''}` }],
  };
}

export const NO_TX_DIRECTIVE = '-- pgshift:no-transaction\n';

/** Edits that make the file (a Liquibase changeset: its --changeset line) run outside a transaction, unless it already does. */
export function noTransactionEdits(ctx: RuleContext): Fix['edits'] {
  if (ctx.noTransactionDirective) return [];
  const at = ctx.changeSetHeaderEnd;
  if (at !== undefined) return [{ range: { start: at, end: at }, newText: ' runInTransaction:false' }];
  return [{ range: { start: 0, end: 0 }, newText: NO_TX_DIRECTIVE }];
}

/**
 * `build` run once per file (or dbmate section) and remembered: rules look things up in the result instead
 * of re-reading every statement, which is quadratic on large files. Keyed by the statements array, so
 * nothing outlives the lint run.
 */
export function perFile<V>(build: (statements: readonly Stmt[]) => V): (statements: readonly Stmt[]) => V {
  const cache = new WeakMap<readonly Stmt[], V>();
  return (statements) => {
    let value = cache.get(statements);
    if (value === undefined) {
      value = build(statements);
      cache.set(statements, value);
    }
    return value;
  };
}

export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Position in the ascending `list` of the last value below `value`, or -1. */
export function lastBefore(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
