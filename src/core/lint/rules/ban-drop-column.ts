import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';

export const meta: RuleMeta = {
  id: 'ban-drop-column',
  description: 'DROP COLUMN on an existing table deletes its data and breaks app versions that still use the column',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterTableStmt')!;
  if (alter.objtype !== 'OBJECT_TABLE') return;
  const table = rangeVarName(alter.relation);
  if (!table || ctx.isNewTable(table)) return;
  const name = formatName(table);
  for (const cmd of alterCmds(alter)) {
    if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
    const column = cmd.name;
    if (columnAddedInFile(ctx, stmt, table, column)) continue;
    ctx.report({
      range: groupRange(stmt, new RegExp(`\\bDROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?(${identPattern(column)})`, 'id')),
      message: `DROP COLUMN ${column} deletes the data of ${name}.${column} and breaks every running app version that still reads or writes it`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\`, briefly: the column is only marked as dropped, the table is not rewritten. ` +
          'Indexes and constraints on the column go with it; a foreign key on it also locks the table it references.',
        '',
        `**Breakage:** the values are gone for good, and app servers still running the previous release fail as soon as they name \`${column}\` ` +
          '(ORMs that cache the column list, such as Rails, fail on every insert into the table even where the code never names it).',
        '',
        '**Safe way:** expand/contract:',
        `1. Release app code that no longer reads or writes \`${column}\` (in Rails, add it to \`ignored_columns\`); make it nullable or give it a default first if the new code stops writing it.`,
        '2. Once every server runs that release, drop it in a later migration and record why that is safe:',
        '```sql',
        `-- pgshift-ignore ban-drop-column: no release since <version> uses ${column}`,
        `ALTER TABLE ${name} DROP COLUMN ${column};`,
        '```',
        'Keep a copy first if the values may be needed again (`CREATE TABLE ... AS SELECT id, ...`).',
      ].join('\n'),
    });
  }
};

// Helpers shared by the rules about dropped and renamed objects (ban-drop-*, renaming-*, ban-cascade, ...).

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Regex source for an identifier as it can be written in SQL: quoted, or bare in any letter case when
 * the name needs no quotes (PostgreSQL folds bare identifiers to lower case).
 */
export function identPattern(name: string): string {
  const quoted = `"${escapeRe(name.replace(/"/g, '""'))}"`;
  if (!/^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/.test(name)) return quoted;
  return `(?:${quoted}|${escapeRe(name)}(?![\\w$\\u0080-\\uffff]))`;
}

/** Regex source for a name as written: `schema.name` when it has a schema, else `name`. */
export function qualifiedPattern(q: QualifiedName): string {
  return q.schema ? `${identPattern(q.schema)}\\s*\\.\\s*${identPattern(q.name)}` : identPattern(q.name);
}

/** Byte range in the file of capture group 1 of `re` (which needs the `d` flag) in the statement text. */
export function groupRange(stmt: Stmt, re: RegExp): Range | undefined {
  // SQL found inside a DO block may not have been located in the file: its text and range then differ.
  if (Buffer.byteLength(stmt.text, 'utf8') !== stmt.range.end - stmt.range.start) return undefined;
  const m = re.exec(stmt.text);
  const at = m?.indices?.[1];
  if (!at) return undefined;
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, at[0]), 'utf8');
  return { start, end: start + Buffer.byteLength(stmt.text.slice(at[0], at[1]), 'utf8') };
}

/** Same relation; an unqualified name matches any schema, as in SchemaModel (search_path is unknown). */
export function sameRelation(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (!a.schema || !b.schema || a.schema === b.schema);
}

/** True when the column was added earlier in this migration (or its table is new): nobody else uses it yet. */
export function columnAddedInFile(ctx: RuleContext, stmt: Stmt, table: QualifiedName, column: string): boolean {
  // isNewColumn knows the tables of the schema model; createdInFile also the ones it has never seen (by name only)
  return ctx.isNewColumn(table, column) || (!ctx.schema.table({ name: table.name }) && ctx.createdInFile('column', `${table.name}.${column}`, stmt.index));
}

/** True when the table, view, materialized view or sequence was created earlier in this migration. */
export function relationCreatedInFile(ctx: RuleContext, stmt: Stmt, q: QualifiedName): boolean {
  if (ctx.isNewTable(q)) return true;
  // createdInFile ignores schemas: only ask it about names the schema model (which knows schemas) has no table for
  return !ctx.schema.table({ name: q.name }) && ctx.createdInFile('table', q.name, stmt.index);
}

// PostgreSQL's reserved key words (also those that may only name functions or types): they need quotes as table names.
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from ' +
    'full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime ' +
    'localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning ' +
    'right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user ' +
    'using variadic verbose when where window with'
  ).split(' '),
);

/** An identifier as SQL must spell it: bare when it can be, else double-quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function quoteQualified(q: QualifiedName): string {
  return q.schema ? `${quoteIdent(q.schema)}.${quoteIdent(q.name)}` : quoteIdent(q.name);
}

/** Byte offset just after the statement's terminating semicolon (or its end when none follows). */
export function endOfStatement(ctx: RuleContext, stmt: Stmt): { at: number; hasSemicolon: boolean } {
  const rest = ctx.source.slice(stmt.range.end, Math.min(ctx.source.length, stmt.range.end + 256));
  const m = /^\s*;/.exec(rest);
  return m ? { at: stmt.range.end + Buffer.byteLength(m[0], 'utf8'), hasSemicolon: true } : { at: stmt.range.end, hasSemicolon: false };
}

/** Byte range of a table name as written (`app."Order"`), from its RangeVar; ctx.rangeAt covers one token only. */
export function relationRange(ctx: RuleContext, stmt: Stmt, rv: T.RangeVar | undefined): Range {
  const q = rangeVarName(rv);
  const loc = rv?.location;
  if (!q || loc === undefined || loc < 0 || Buffer.byteLength(stmt.text, 'utf8') !== stmt.range.end - stmt.range.start) return ctx.rangeAt(stmt, loc);
  const ascii = stmt.text.length === stmt.range.end - stmt.range.start;
  const from = ascii ? loc : Buffer.from(stmt.text, 'utf8').subarray(0, loc).toString('utf8').length;
  // common case first: a bare lower-case name, no regex needed
  const plain = q.schema ? `${q.schema}.${q.name}` : q.name;
  const next = stmt.text.charCodeAt(from + plain.length);
  if (stmt.text.startsWith(plain, from) && !(next >= 0x80 || /[\w$"]/.test(stmt.text[from + plain.length] ?? ''))) {
    return { start: stmt.range.start + loc, end: stmt.range.start + loc + Buffer.byteLength(plain, 'utf8') };
  }
  const re = new RegExp(qualifiedPattern(q), 'iy');
  re.lastIndex = from;
  const hit = re.exec(stmt.text);
  if (hit) return { start: stmt.range.start + loc, end: stmt.range.start + loc + Buffer.byteLength(hit[0], 'utf8') };
  return ctx.rangeAt(stmt, loc);
}

/** CREATE SCHEMA earlier in the file (IF NOT EXISTS may find an existing one, so it does not count). */
export function schemaCreatedInFile(ctx: RuleContext, stmt: Stmt, schema: string): boolean {
  for (let i = 0; i < stmt.index; i++) {
    const c = as(ctx.statements[i].node, 'CreateSchemaStmt');
    if (c && !c.if_not_exists && (c.schemaname ?? c.authrole?.rolename) === schema) return true;
  }
  return false;
}
