/**
 * Lints the SQL a code-based tool prints offline for its migrations (Alembic `upgrade --sql`, Django
 * `sqlmigrate`): the SQL that will actually run, generated statements included, with every finding
 * placed on the migration's operation that emits the statement (Django: the nth `-- <description>`
 * header is the nth entry of `operations`; Alembic: the `op.*` calls of `upgrade()` in order, each
 * statement given to the nearest call whose kind and names match). When the statement is the text of a
 * string literal of that call (RunSQL, op.execute), the finding lands on the literal's exact characters.
 *
 * Each migration's output is linted on its own with BEGIN/COMMIT as the tool printed them
 * (transactionMode 'none'; a BEGIN Alembic printed before the segment put back in front), the schema
 * carried from one migration to the next, so the transaction a statement runs in and the schema
 * earlier migrations built are the real ones.
 */
import { lintWith } from '../lint/engine';
import type { Finding, LintOptions, Range, Stmt } from '../lint/types';
import type { SqlParser } from '../sql/parser';
import { SourceText } from '../sql/source';
import { extractSql, type EmbeddedSql } from './embedded';
import type { CodeFileLintResult } from './lint-code-files';
import { literalAt } from './literals';
import type { CodeMigration, CodeTool } from './model';

export type OfflineTool = Extract<CodeTool, 'django' | 'alembic'>;

export const OFFLINE_TOOLS: readonly OfflineTool[] = ['django', 'alembic'];

/** One migration's part of the tool's output, as printed. */
export interface OfflineOutput {
  migration: CodeMigration;
  /** the migration file's text */
  code: string;
  /** Django: sqlmigrate's whole stdout for it. Alembic: its segment of `upgrade --sql`. */
  sql: string;
  /** Alembic: the run's transaction is open where the segment starts / ends (BEGIN/COMMIT printed outside it) */
  openAtStart?: boolean;
  openAtEnd?: boolean;
}

/** A call or `operations` entry of a migration file that emits SQL (UTF-16 offsets in the file). */
export interface Operation {
  /** `op.add_column`, `migrations.AddField`, … */
  name: string;
  start: number;
  end: number;
  /** the name's own span, where a finding is shown */
  nameEnd: number;
}

export interface AlembicPart {
  sql: string;
  /** a transaction the tool opened earlier (BEGIN before the marker) is open when the part starts / ends */
  openAtStart: boolean;
  openAtEnd: boolean;
}

/**
 * Alembic's `upgrade --sql` output cut at its `-- Running upgrade A -> B` lines, keyed by revision B,
 * each part with whether the transaction Alembic printed around it is open where it starts and ends
 * (one BEGIN for the run, or one per migration with transaction_per_migration).
 */
export function splitAlembicOutput(out: string): Map<string, AlembicPart> {
  const parts = new Map<string, AlembicPart>();
  const marks = [...out.matchAll(/^-- Running upgrade (.*?) -> (\S+)[ \t]*$/gm)];
  const tx = [...out.matchAll(/^(BEGIN|COMMIT);[ \t]*$/gm)].map((m) => ({
    at: m.index!,
    begin: m[1] === 'BEGIN',
  }));
  const openAt = (pos: number): boolean => {
    let open = false;
    for (const t of tx) if (t.at < pos) open = t.begin;
    return open;
  };
  marks.forEach((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < marks.length ? marks[i + 1].index! : out.length;
    parts.set(m[2], { sql: out.slice(start, end), openAtStart: openAt(start), openAtEnd: openAt(end) });
  });
  return parts;
}

/** Past a Python string or comment at i, else i. */
function skipPython(text: string, i: number): number {
  if (text[i] === '#') {
    const eol = text.indexOf('\n', i);
    return eol < 0 ? text.length : eol;
  }
  const lit = literalAt(text, i, 'python');
  return lit ? lit.end : i;
}

/** The index just past the bracket that closes the one at `open`, or text.length. */
function closeOf(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length;) {
    const j = skipPython(text, i);
    if (j !== i) {
      i = j;
      continue;
    }
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return text.length;
}

/** The entries of a Django migration's `operations = [...]`, in order. */
export function djangoOperations(text: string): Operation[] {
  const m = /^[ \t]*operations[ \t]*=[ \t]*\[/m.exec(text);
  if (!m) return [];
  const open = m.index + m[0].length - 1;
  const close = closeOf(text, open) - 1;
  const ops: Operation[] = [];
  let start = -1;
  let depth = 0;
  const push = (end: number): void => {
    if (start < 0) return;
    let e = end;
    while (e > start && /\s/.test(text[e - 1])) e--;
    const name = /^[\w.]+/.exec(text.slice(start, e))?.[0] ?? '';
    ops.push({ name, start, end: e, nameEnd: start + name.length });
    start = -1;
  };
  for (let i = open + 1; i < close;) {
    const j = skipPython(text, i);
    if (j !== i) {
      if (start < 0 && text[i] !== '#') start = i;
      i = j;
      continue;
    }
    const c = text[i];
    if (depth === 0 && c === ',') push(i);
    else if (start < 0 && !/\s/.test(c)) start = i;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    i++;
  }
  push(close);
  return ops;
}

/** Alembic operations that emit nothing themselves (helpers, or contexts whose batch_op calls do). */
const ALEMBIC_SILENT = new Set([
  'f',
  'get_bind',
  'get_context',
  'batch_alter_table',
  'inline_literal',
  'invoke',
]);

/** The `op.*` (and batch `with … as x:` `x.*`) calls in the body of `def <fn>()`, in order. */
export function alembicOperations(text: string, fn: 'upgrade' | 'downgrade' = 'upgrade'): Operation[] {
  const def = new RegExp(`^([ \\t]*)def[ \\t]+${fn}[ \\t]*\\(`, 'm').exec(text);
  if (!def) return [];
  const indent = def[1].length;
  const bodyStart = text.indexOf('\n', def.index);
  if (bodyStart < 0) return [];
  // the body ends at the next line indented no deeper than the def
  const next = new RegExp(`^[ \\t]{0,${indent}}(?=[^\\s#])`, 'gm');
  next.lastIndex = bodyStart + 1;
  let end = text.length;
  for (let m = next.exec(text); m; m = next.exec(text)) {
    if (m.index > bodyStart) {
      end = m.index;
      break;
    }
  }
  const aliases = new Set(['op']);
  for (const a of text.slice(bodyStart, end).matchAll(/batch_alter_table\s*\([\s\S]*?\)\s*as\s+(\w+)\s*:/g))
    aliases.add(a[1]);
  const ops: Operation[] = [];
  const call = /\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\(/y;
  for (let i = bodyStart; i < end;) {
    const j = skipPython(text, i);
    if (j !== i) {
      i = j;
      continue;
    }
    call.lastIndex = i;
    const m = /\w/.test(text[i - 1] ?? '') ? null : call.exec(text);
    if (m && aliases.has(m[1]) && !ALEMBIC_SILENT.has(m[2])) {
      const open = i + m[0].length - 1;
      const name = `${m[1]}.${m[2]}`;
      ops.push({ name, start: i, end: closeOf(text, open), nameEnd: i + name.length });
      i = open + 1; // calls inside the arguments (op.f) are looked at too, and skipped above
      continue;
    }
    i++;
  }
  return ops;
}

/** What kinds of statement an Alembic operation emits (by the statement's first words); absent: any. */
const ALEMBIC_KINDS: Record<string, readonly string[]> = {
  create_table: ['CREATE TABLE', 'CREATE INDEX', 'COMMENT ON', 'CREATE TYPE', 'ALTER TABLE'],
  drop_table: ['DROP TABLE', 'DROP TYPE', 'DROP INDEX'],
  add_column: ['ALTER TABLE', 'CREATE INDEX', 'COMMENT ON', 'CREATE TYPE'],
  drop_column: ['ALTER TABLE'],
  alter_column: ['ALTER TABLE', 'COMMENT ON'],
  create_index: ['CREATE INDEX'],
  drop_index: ['DROP INDEX'],
  create_foreign_key: ['ALTER TABLE'],
  create_unique_constraint: ['ALTER TABLE'],
  create_check_constraint: ['ALTER TABLE'],
  create_primary_key: ['ALTER TABLE'],
  create_exclude_constraint: ['ALTER TABLE'],
  drop_constraint: ['ALTER TABLE'],
  rename_table: ['ALTER TABLE'],
  create_table_comment: ['COMMENT ON'],
  drop_table_comment: ['COMMENT ON'],
  bulk_insert: ['INSERT INTO'],
};

function kindOf(sql: string): string {
  const words = sql
    .replace(/^\s*(--[^\n]*\n\s*)*/, '')
    .toUpperCase()
    .split(/\s+/)
    .filter((w) => w !== 'UNIQUE' && w !== 'OR' && w !== 'REPLACE');
  return words.slice(0, 2).join(' ');
}

/** The names a statement uses, for matching it to the call that names them as strings. */
function namesOf(sql: string): string[] {
  const names = new Set<string>();
  for (const m of sql.matchAll(/"((?:[^"]|"")+)"|\b([A-Za-z_][\w$]*)\b/g))
    names.add((m[1] ?? m[2]).replace(/""/g, '"').toLowerCase());
  return [...names];
}

function quotedIn(callText: string, name: string): boolean {
  return callText.includes(`"${name}"`) || callText.includes(`'${name}'`);
}

const normal = (s: string): string => s.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim().toLowerCase();

/** Which of Alembic's operations each statement comes from (-1: none). */
function alembicOwners(code: string, ops: Operation[], pieces: EmbeddedSql[], stmts: string[]): number[] {
  const texts = ops.map((o) => code.slice(o.start, o.end).toLowerCase());
  const literals = ops.map((o) =>
    pieces
      .filter((p) => p.start >= o.start && p.end <= o.end)
      .map((p) => normal(p.value))
      .join('\n'),
  );
  let p = 0;
  return stmts.map((sql) => {
    if (!ops.length) return -1;
    const kind = kindOf(sql);
    const names = namesOf(sql);
    const n = normal(sql);
    let best = -1;
    let bestScore = -Infinity;
    for (let j = p; j < Math.min(ops.length, p + 12); j++) {
      const op = ops[j].name.split('.')[1];
      const kinds = ALEMBIC_KINDS[op];
      if (kinds && !kinds.includes(kind)) continue;
      let score = 1000 - (j - p);
      if (literals[j] && n && literals[j].includes(n)) score += 500;
      score += 10 * names.filter((x) => quotedIn(texts[j], x)).length;
      if (!kinds && !literals[j].includes(n)) score -= 5; // an unknown call: only by names
      if (score > bestScore) {
        best = j;
        bestScore = score;
      }
    }
    if (best < 0) return Math.min(p, ops.length - 1);
    p = best;
    return best;
  });
}

/** The table a Django statement works on: the quoted name after TABLE or ON. */
function tableOf(sql: string): string | undefined {
  return /\b(?:TABLE|ON)\s+"([^"]+)"/i.exec(sql)?.[1];
}

function djangoModelOf(code: string, op: Operation): string | undefined {
  const text = code.slice(op.start, op.end);
  const m = /\bmodel_name\s*=\s*['"]([^'"]+)['"]/.exec(text) ?? /\bname\s*=\s*['"]([^'"]+)['"]/.exec(text);
  return m?.[1].toLowerCase();
}

/**
 * The statements of Django's output for one migration, each with the operation it belongs to: the
 * header above it, except the constraints and indexes Django defers to the migration's end, which
 * go to the operation of their table (`<app>_<model>`).
 */
export function djangoOwners(
  code: string,
  app: string,
  ops: Operation[],
  out: string,
  stmts: { start: number; text: string }[],
  backwards: boolean,
): number[] {
  const headers: number[] = [];
  for (const m of out.matchAll(
    /^--\n-- (?:MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:\n-- )?.*\n--$/gm,
  ))
    headers.push(m.index!);
  const models = ops.map((o) => djangoModelOf(code, o));
  return stmts.map((s) => {
    let h = -1;
    while (h + 1 < headers.length && headers[h + 1] <= s.start) h++;
    if (h < 0 || !ops.length) return -1;
    let k = backwards ? ops.length - 1 - h : h;
    if (k < 0 || k >= ops.length) return -1;
    const table = tableOf(s.text)?.toLowerCase();
    const owns = (i: number, exact: boolean): boolean =>
      !!table &&
      !!models[i] &&
      (exact ? table === `${app}_${models[i]}` : table.startsWith(`${app}_${models[i]}_`));
    if (table && !owns(k, true) && !owns(k, false)) {
      for (const exact of [true, false]) {
        const found = ops.findIndex((_, i) => owns(i, exact) && (backwards ? i >= k : i <= k));
        if (found >= 0) {
          k = found;
          break;
        }
      }
    }
    return k;
  });
}

/** What the bookkeeping of the tool's own table looks like: not the migration's SQL. */
function isBookkeeping(sql: string): boolean {
  return /\balembic_version\b|\bdjango_migrations\b/i.test(sql);
}

/**
 * Lints the outputs (in apply order) and places each finding on its migration file. Files without a
 * finding are in the result too; a statement no operation can be found for is placed on the
 * `def upgrade` / `operations` line.
 */
export function lintOfflineSql(
  parser: SqlParser,
  tool: OfflineTool,
  outputs: readonly OfflineOutput[],
  options: LintOptions = {},
): CodeFileLintResult[] {
  const title = tool === 'django' ? 'Django' : 'Alembic';
  let prior = options.priorSchema;
  return outputs.map((o) => {
    // each migration linted on its own (its transaction as the tool prints it, a BEGIN printed before
    // its segment put back in front), the schema carried from one to the next as the tool applies them
    const prefix = `${o.openAtStart ? 'BEGIN;' : ''}\n-- pgshift: ${o.migration.key}\n`;
    const text = `${prefix}${o.sql}${o.openAtEnd ? '\nCOMMIT;\n' : '\n'}`;
    const res = lintWith(parser, text, { ...options, transactionMode: 'none', priorSchema: prior });
    prior = res.schemaAfter;
    const src = res.source;
    const stmts = res.statements.flatMap((stmt) => {
      const start = src.utf16Offset(stmt.range.start) - prefix.length;
      const sql = src.slice(stmt.range.start, stmt.range.end);
      return start < 0 || start >= o.sql.length || isBookkeeping(sql) ? [] : [{ stmt, start, text: sql }];
    });
    const code = new SourceText(o.code);
    const pieces = extractSql(o.code, 'python').sql;
    const ops = tool === 'django' ? djangoOperations(o.code) : alembicOperations(o.code);
    const owners =
      tool === 'django'
        ? djangoOwners(o.code, o.migration.app ?? '', ops, o.sql, stmts, false)
        : alembicOwners(
            o.code,
            ops,
            pieces,
            stmts.map((s) => s.text),
          );
    /** A range of statement k's output in the file: inside its literal when it is one, else its operation. */
    const toCode = (k: number, r: Range): { range: Range; exact: boolean } => {
      const op = owners[k] >= 0 ? ops[owners[k]] : undefined;
      const inside = op && inLiteral(pieces, op, stmts[k].text, src, stmts[k].stmt, r, code);
      return inside
        ? { range: inside, exact: true }
        : { range: anchor(o.code, code, op, tool), exact: false };
    };
    const findings = res.findings.flatMap((f): Finding[] => {
      const k = stmts.findIndex(
        (s) => s.stmt.range.start <= f.range.start && f.range.start <= s.stmt.range.end,
      );
      if (k < 0) return [];
      const { range, exact } = toCode(k, f.range);
      const { fix: _fix, suggestions: _suggestions, ...rest } = f;
      // "line N" of another statement: N of the tool's output, said as the line of the migration file
      const message = rest.message.replace(/\bline (\d+)\b/g, (whole, n: string) => {
        const other = stmts.findIndex((s) => src.positionAt(s.stmt.range.start).line + 1 === Number(n));
        return other < 0
          ? whole
          : `line ${code.positionAt(toCode(other, stmts[other].stmt.range).range.start).line + 1}`;
      });
      const shown = stmts[k].text.replace(/\s+/g, ' ').trim();
      return [
        {
          ...rest,
          range,
          message: exact
            ? message
            : `${message} — in the SQL ${title} emits here: ${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}`,
        },
      ];
    });
    return {
      file: o.migration.file,
      source: code,
      findings: findings.sort((a, b) => a.range.start - b.range.start || a.rule.localeCompare(b.rule)),
      statements: [],
      schemaAfter: res.schemaAfter,
      linted: stmts.length,
      skipped: [],
    };
  });
}

/** The finding's characters inside a string literal of the operation that holds the statement's text. */
function inLiteral(
  pieces: EmbeddedSql[],
  op: Operation,
  stmtText: string,
  src: SourceText,
  stmt: Stmt,
  r: Range,
  code: SourceText,
): Range | undefined {
  const want = stmtText.replace(/;\s*$/, '');
  for (const p of pieces) {
    if (p.start < op.start || p.end > op.end || !p.starts.length) continue;
    const at = p.value.indexOf(want);
    if (at < 0) continue;
    const base = src.utf16Offset(stmt.range.start);
    const s = Math.min(at + src.utf16Offset(r.start) - base, at + want.length - 1);
    const e = Math.max(s + 1, Math.min(at + src.utf16Offset(r.end) - base, at + want.length));
    return { start: code.byteOffset(p.starts[s]), end: code.byteOffset(p.ends[e - 1]) };
  }
  return undefined;
}

/** Where a finding goes when it has no literal to point into: the operation's name, else its list or def. */
function anchor(text: string, code: SourceText, op: Operation | undefined, tool: OfflineTool): Range {
  if (op) return { start: code.byteOffset(op.start), end: code.byteOffset(op.nameEnd) };
  const re = tool === 'django' ? /^[ \t]*(operations)\b/m : /^[ \t]*def[ \t]+(upgrade)\b/m;
  const m = re.exec(text);
  if (!m) return { start: 0, end: 0 };
  const s = m.index + m[0].length - m[1].length;
  return { start: code.byteOffset(s), end: code.byteOffset(s + m[1].length) };
}
