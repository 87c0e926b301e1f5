/** Columns and their types, for the rules about column types and about what adding a column costs. */
import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  baseTypeName,
  columnConstraints,
  formatName,
  isVolatileExpr,
  rangeVarName,
  stringList,
} from '../ast';
import type { QualifiedName } from '../ast';
import type { Range, RuleContext, Stmt } from '../types';

export interface TypedColumn {
  table?: QualifiedName;
  column: string;
  typeName: T.TypeName;
  /** ALTER COLUMN ... TYPE rather than a new column */
  alter: boolean;
}

// Five rules ask for them on every CREATE TABLE and ALTER TABLE: read each statement's tree once.
const typedColumnsOf = new WeakMap<Stmt, readonly TypedColumn[]>();

// The columns whose type a statement sets: CREATE TABLE, ADD COLUMN, ALTER COLUMN ... TYPE. Temporary tables
// vanish with the session, so their types do not matter.
export function typedColumns(stmt: Stmt): readonly TypedColumn[] {
  let columns = typedColumnsOf.get(stmt);
  if (!columns) {
    columns = readTypedColumns(stmt);
    typedColumnsOf.set(stmt, columns);
  }
  return columns;
}

function readTypedColumns(stmt: Stmt): TypedColumn[] {
  const out: TypedColumn[] = [];
  const create = as(stmt.node, 'CreateStmt');
  if (create && create.relation?.relpersistence !== 't') {
    for (const el of create.tableElts ?? []) {
      const col = as(el, 'ColumnDef');
      if (col?.typeName)
        out.push({
          table: rangeVarName(create.relation),
          column: col.colname ?? '?',
          typeName: col.typeName,
          alter: false,
        });
    }
  }
  const alter = as(stmt.node, 'AlterTableStmt');
  if (alter?.objtype === 'OBJECT_TABLE') {
    for (const cmd of alterCmds(alter)) {
      const col = as(cmd.def, 'ColumnDef');
      if (!col?.typeName) continue;
      const table = rangeVarName(alter.relation);
      if (cmd.subtype === 'AT_AddColumn')
        out.push({ table, column: col.colname ?? '?', typeName: col.typeName, alter: false });
      else if (cmd.subtype === 'AT_AlterColumnType')
        out.push({ table, column: cmd.name ?? '?', typeName: col.typeName, alter: true });
    }
  }
  return out;
}

/** The typed columns of the statement whose type is the built-in type `name`. */
export function columnsOfType(stmt: Stmt, name: string): TypedColumn[] {
  return typedColumns(stmt).filter((c) => isCatalogType(c.typeName, name));
}

/** The built-in type `name` (unqualified or pg_catalog-qualified), not a same-named type in another schema. */
function isCatalogType(tn: T.TypeName, name: string): boolean {
  const names = stringList(tn.names);
  return (
    names[names.length - 1] === name &&
    (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog'))
  );
}

/** The match of the anchored `re` at the TypeName's location, with the byte range of what it matched. */
function typeMatch(
  stmt: Stmt,
  tn: T.TypeName,
  re: RegExp,
): { range: Range; match: RegExpExecArray } | undefined {
  const loc = tn.location;
  const length = Buffer.byteLength(stmt.text, 'utf8');
  if (loc === undefined || loc < 0 || length !== stmt.range.end - stmt.range.start) return undefined;
  // ASCII text: the byte offset is the string index. Encoding the whole statement and decoding its rest
  // for every column made CREATE TABLE statements with many flagged columns quadratic.
  const rest =
    length === stmt.text.length ? stmt.text.slice(loc) : Buffer.from(stmt.text, 'utf8').toString('utf8', loc);
  const m = re.exec(rest);
  if (!m) return undefined;
  const start = stmt.range.start + loc;
  return { range: { start, end: start + Buffer.byteLength(m[0], 'utf8') }, match: m };
}

/** The byte range of the type's spelling, when the anchored `re` matches at the TypeName's location. */
export function typeSpan(stmt: Stmt, tn: T.TypeName, re: RegExp): Range | undefined {
  return typeMatch(stmt, tn, re)?.range;
}

/**
 * The type as written, by the anchored `re`: its match and byte range when `re` matches there, and where a
 * finding about it goes (the span, else the type's first token).
 */
export function writtenType(
  ctx: RuleContext,
  stmt: Stmt,
  tn: T.TypeName,
  re: RegExp,
): { match?: RegExpExecArray; span?: Range; range: Range } {
  const m = typeMatch(stmt, tn, re);
  return { match: m?.match, span: m?.range, range: m?.range ?? ctx.rangeAt(stmt, tn.location) };
}

/** The column as messages name it: `table.column`, or the column alone when the statement names no table. */
export function columnLabel(c: TypedColumn): string {
  return c.table ? `${formatName(c.table)}.${c.column}` : c.column;
}

/** The column's table as the help's SQL names it: `t` when the statement names none. */
export function tableInHelp(c: TypedColumn): string {
  return c.table ? formatName(c.table) : 't';
}

/** The columns an ALTER TABLE adds (ADD COLUMN with a name), in order. */
export function addedColumns(cmds: T.AlterTableCmd[]): (T.ColumnDef & { colname: string })[] {
  return cmds
    .filter((cmd) => cmd.subtype === 'AT_AddColumn')
    .map((cmd) => as(cmd.def, 'ColumnDef'))
    .filter((col): col is T.ColumnDef & { colname: string } => !!col?.colname);
}

/** A serial pseudo-type written unqualified: PostgreSQL then gives the column a sequence and a nextval() default. */
export function isSerial(tn: T.TypeName | undefined): boolean {
  return (tn?.names ?? []).length === 1 && /^(small|big)?serial[248]?$/.test(baseTypeName(tn));
}

/**
 * True when the column's constraints make ADD COLUMN fill every existing row: a volatile default, a stored
 * generated column or an identity (before PostgreSQL 11, any non-null default).
 */
export function constraintsFillRows(col: T.ColumnDef, pg: number): boolean {
  return columnConstraints(col).some(
    (c) =>
      c.contype === 'CONSTR_IDENTITY' ||
      (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v') ||
      (c.contype === 'CONSTR_DEFAULT' && (pg < 11 ? !isNullConst(c.raw_expr) : isVolatileExpr(c.raw_expr))),
  );
}

export function isNullConst(expr: unknown): boolean {
  return !!as(expr, 'A_Const')?.isnull;
}
