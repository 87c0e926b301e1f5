/**
 * Tables and other relations as rules see them: how their names are written in SQL, whether this migration
 * created them, and per-file indexes of the statements that touch them.
 */
import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, walk, type QualifiedName } from '../ast';
import type { Range, RuleContext, Stmt } from '../types';
import { escapeRe, lastBefore, locatedInFile, perFile, pushTo } from './_util';

/** Same relation; an unqualified name matches any schema, as in SchemaModel (search_path is unknown). */
export function sameRelation(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (!a.schema || !b.schema || a.schema === b.schema);
}

/** An ALTER TABLE statement on a plain table, as most ALTER TABLE rules need it. */
export interface TableAlter {
  alter: T.AlterTableStmt;
  table: QualifiedName;
  /** the table as shown in messages */
  name: string;
  cmds: T.AlterTableCmd[];
}

/**
 * The statement when it is an ALTER TABLE of a table that existed before this migration (not a view, an
 * index or a table the migration created: nobody else uses those yet).
 */
export function alterOfExistingTable(stmt: Stmt, ctx: RuleContext): TableAlter | undefined {
  const alter = as(stmt.node, 'AlterTableStmt');
  const table = rangeVarName(alter?.relation);
  if (!alter || !table || alter.objtype !== 'OBJECT_TABLE' || ctx.isNewTable(table)) return undefined;
  return { alter, table, name: formatName(table), cmds: alterCmds(alter) };
}

/**
 * The `subtype` subcommands (AT_DropColumn, ...) of an ALTER TABLE of an existing table that act on a column
 * that existed before this migration, with the column's name.
 */
export function cmdsOnOldColumns(
  stmt: Stmt,
  ctx: RuleContext,
  subtype: T.AlterTableType,
): (TableAlter & { column: string })[] {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return [];
  const out: (TableAlter & { column: string })[] = [];
  for (const cmd of target.cmds) {
    if (cmd.subtype === subtype && cmd.name && !columnAddedInFile(ctx, stmt, target.table, cmd.name))
      out.push({ ...target, column: cmd.name });
  }
  return out;
}

/** True when the column was added earlier in this migration (or its table is new): nobody else uses it yet. */
export function columnAddedInFile(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  column: string,
): boolean {
  // isNewColumn knows the tables of the schema model; createdInFile also the ones it has never seen (by name only)
  return (
    ctx.isNewColumn(table, column) ||
    (!ctx.schema.table({ name: table.name }) &&
      ctx.createdInFile('column', `${table.name}.${column}`, stmt.index))
  );
}

/** True when the table, view, materialized view or sequence was created earlier in this migration. */
export function relationCreatedInFile(ctx: RuleContext, stmt: Stmt, q: QualifiedName): boolean {
  if (ctx.isNewTable(q)) return true;
  // createdInFile ignores schemas: only ask it about names the schema model (which knows schemas) has no table for
  return !ctx.schema.table({ name: q.name }) && ctx.createdInFile('table', q.name, stmt.index);
}

/** CREATE SCHEMA earlier in the file (IF NOT EXISTS may find an existing one, so it does not count). */
export function schemaCreatedInFile(ctx: RuleContext, stmt: Stmt, schema: string): boolean {
  for (let i = 0; i < stmt.index; i++) {
    const c = as(ctx.statements[i].node, 'CreateSchemaStmt');
    if (c && !c.if_not_exists && (c.schemaname ?? c.authrole?.rolename) === schema) return true;
  }
  return false;
}

/**
 * Regex source for an identifier as it can be written in SQL: quoted, or bare in any letter case when
 * the name needs no quotes (PostgreSQL folds bare identifiers to lower case).
 */
export function identPattern(name: string): string {
  const quoted = `"${escapeRe(name.replace(/"/g, '""'))}"`;
  if (!/^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/.test(name)) return quoted;
  return `(?:${quoted}|${escapeRe(name)}(?![\\w$\\u0080-\\uffff]))`;
}

/** Regex source for a name written bare (as is) or double-quoted, with no check of what follows it. */
export function bareOrQuotedPattern(name: string): string {
  return `(?:${escapeRe(name)}|"${escapeRe(name.replace(/"/g, '""'))}")`;
}

/** Regex source for a name as written: `schema.name` when it has a schema, else `name`. */
export function qualifiedPattern(q: QualifiedName): string {
  return q.schema ? `${identPattern(q.schema)}\\s*\\.\\s*${identPattern(q.name)}` : identPattern(q.name);
}

// PostgreSQL's reserved key words (also those that may only name functions or types): they need quotes as names.
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

/** Byte range of a table name as written (`app."Order"`), from its RangeVar; ctx.rangeAt covers one token only. */
export function relationRange(ctx: RuleContext, stmt: Stmt, rv: T.RangeVar | undefined): Range {
  const q = rangeVarName(rv);
  const loc = rv?.location;
  if (!q || loc === undefined || loc < 0 || !locatedInFile(stmt)) return ctx.rangeAt(stmt, loc);
  const ascii = stmt.text.length === stmt.range.end - stmt.range.start;
  const from = ascii ? loc : Buffer.from(stmt.text, 'utf8').subarray(0, loc).toString('utf8').length;
  // common case first: a bare lower-case name, no regex needed
  const plain = q.schema ? `${q.schema}.${q.name}` : q.name;
  const next = stmt.text.charCodeAt(from + plain.length);
  if (
    stmt.text.startsWith(plain, from) &&
    !(next >= 0x80 || /[\w$"]/.test(stmt.text[from + plain.length] ?? ''))
  ) {
    return { start: stmt.range.start + loc, end: stmt.range.start + loc + Buffer.byteLength(plain, 'utf8') };
  }
  const re = new RegExp(qualifiedPattern(q), 'iy');
  re.lastIndex = from;
  const hit = re.exec(stmt.text);
  if (hit)
    return { start: stmt.range.start + loc, end: stmt.range.start + loc + Buffer.byteLength(hit[0], 'utf8') };
  return ctx.rangeAt(stmt, loc);
}

interface RelationIndex {
  /** table name → indexes of the ALTER TABLE statements on a table of that name (any schema) */
  alters: Map<string, number[]>;
  /** index name → indexes of the CREATE INDEX statements of that name */
  indexes: Map<string, number[]>;
  /** table name → indexes of the statements whose tree holds a RangeVar node of that name */
  mentions?: Map<string, number[]>;
}

const relationIndex = perFile((statements): RelationIndex => {
  const index: RelationIndex = { alters: new Map(), indexes: new Map() };
  for (const s of statements) {
    const table = rangeVarName(as(s.node, 'AlterTableStmt')?.relation);
    if (table) pushTo(index.alters, table.name, s.index);
    const idxname = as(s.node, 'IndexStmt')?.idxname;
    if (idxname) pushTo(index.indexes, idxname, s.index);
  }
  return index;
});

/** The statements of `ctx` at the ascending `indexes` that lie strictly between `after` and `before`. */
function between(
  ctx: RuleContext,
  indexes: readonly number[] | undefined,
  after: number,
  before: number,
): Stmt[] {
  const out: Stmt[] = [];
  if (!indexes) return out;
  for (let k = lastBefore(indexes, after + 1) + 1; k < indexes.length && indexes[k] < before; k++)
    out.push(ctx.statements[indexes[k]]);
  return out;
}

/** An ALTER TABLE statement of the file, with the table it names and its subcommands. */
export interface AlterOf {
  stmt: Stmt;
  table: QualifiedName;
  cmds: T.AlterTableCmd[];
}

type SameTable = (altered: QualifiedName, table: QualifiedName) => boolean;

function altersOf(statements: Stmt[], table: QualifiedName, same: SameTable): AlterOf[] {
  const out: AlterOf[] = [];
  for (const stmt of statements) {
    const alter = as(stmt.node, 'AlterTableStmt')!;
    const altered = rangeVarName(alter.relation)!;
    if (same(altered, table)) out.push({ stmt, table: altered, cmds: alterCmds(alter) });
  }
  return out;
}

/**
 * The ALTER TABLE statements before `current` on `table`, in file order: of the statements on a table of
 * that name, those `same` accepts (by default sameRelation).
 */
export function altersBefore(
  ctx: RuleContext,
  current: Stmt,
  table: QualifiedName,
  same: SameTable = sameRelation,
): AlterOf[] {
  return altersOf(
    between(ctx, relationIndex(ctx.statements).alters.get(table.name), -1, current.index),
    table,
    same,
  );
}

/** The ALTER TABLE statements after `current` on `table` (sameRelation), in file order. */
export function altersAfter(ctx: RuleContext, current: Stmt, table: QualifiedName): AlterOf[] {
  const after = between(ctx, relationIndex(ctx.statements).alters.get(table.name), current.index, Infinity);
  return altersOf(after, table, sameRelation);
}

/** An index created by an earlier statement of this file (the schema is checked only for a qualified name). */
export function indexCreatedInFile(ctx: RuleContext, stmt: Stmt, q: QualifiedName): boolean {
  if (!ctx.createdInFile('index', q.name, stmt.index)) return false;
  if (!q.schema) return true;
  return indexesBefore(ctx, stmt, q.name).some(
    (s) => (as(s.node, 'IndexStmt')!.relation?.schemaname || 'public') === q.schema,
  );
}

/** The CREATE INDEX statements before `current` that name an index `name`, in file order. */
export function indexesBefore(ctx: RuleContext, current: Stmt, name: string): Stmt[] {
  return between(ctx, relationIndex(ctx.statements).indexes.get(name), -1, current.index);
}

/** The statements strictly between indexes `after` and `before` whose tree holds a RangeVar node named `name`. */
export function mentionsBetween(ctx: RuleContext, name: string, after: number, before: number): Stmt[] {
  const index = relationIndex(ctx.statements);
  // built on first use only: it walks every statement's tree
  index.mentions ??= rangeVarMentions(ctx.statements);
  return between(ctx, index.mentions.get(name), after, before);
}

function rangeVarMentions(statements: readonly Stmt[]): Map<string, number[]> {
  const mentions = new Map<string, number[]>();
  for (const s of statements) {
    const names = new Set<string>();
    walk(s.node, (kind, body) => {
      const relname = (body as T.RangeVar).relname;
      if (kind === 'RangeVar' && relname !== undefined) names.add(relname);
    });
    for (const n of names) pushTo(mentions, n, s.index);
  }
  return mentions;
}
