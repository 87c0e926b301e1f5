import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  rangeVarName,
  stringList,
  type QualifiedName,
} from '../ast';
import type { Range, ReportInput, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { typeSpan, writtenType } from './_columns';
import { sameRelation } from './_relations';
import { perFile, pushTo } from './_util';

export const meta: RuleMeta = {
  id: 'prefer-bigint-keys',
  description:
    'An integer/smallint primary key, serial or identity column runs out of values; widening it later rewrites the table',
  defaultSeverity: 'warning',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

// Width in bytes of the integer types and serial pseudo-types, keyed by the names in parse trees and in
// SchemaModel column types (typeNameToString).
const WIDTH: Record<string, number> = {
  int2: 2,
  smallserial: 2,
  serial2: 2,
  int4: 4,
  serial: 4,
  serial4: 4,
  int8: 8,
  bigserial: 8,
  serial8: 8,
};
const SERIALS = new Set(['smallserial', 'serial2', 'serial', 'serial4', 'bigserial', 'serial8']);
const MAX: Record<number, string> = { 2: '32,767', 4: '2,147,483,647' };

export const check: Rule['check'] = (stmt, ctx) => {
  const create = as(stmt.node, 'CreateStmt');
  if (create) {
    const table = rangeVarName(create.relation);
    if (!table || create.relation?.relpersistence === 't') return;
    const tableCons = (create.tableElts ?? [])
      .map((e) => as(e, 'Constraint'))
      .filter((c): c is T.Constraint => !!c);
    const pk = tableCons.filter((c) => c.contype === 'CONSTR_PRIMARY').flatMap((c) => stringList(c.keys));
    const cols = (create.tableElts ?? [])
      .map((e) => as(e, 'ColumnDef'))
      .filter((c): c is T.ColumnDef => !!c?.colname);
    const reported = new Set<string>();
    for (const col of cols) {
      const singlePk = pk.length === 1 && pk[0] === col.colname;
      if (checkColumn(stmt, ctx, table, col, singlePk)) reported.add(col.colname!);
    }
    for (const fk of tableCons.filter((c) => c.contype === 'CONSTR_FOREIGN')) {
      stringList(fk.fk_attrs).forEach((name, i) => {
        const col = cols.find((c) => c.colname === name);
        if (!col || reported.has(name)) return;
        if (checkReference(stmt, ctx, table, fk, i, col, widthOf(col.typeName), col.typeName?.location))
          reported.add(name);
      });
    }
    return;
  }
  const alter = as(stmt.node, 'AlterTableStmt');
  const table = rangeVarName(alter?.relation);
  if (!alter || alter.objtype !== 'OBJECT_TABLE' || !table) return;
  for (const cmd of alterCmds(alter)) {
    const col = as(cmd.def, 'ColumnDef');
    const con = as(cmd.def, 'Constraint');
    if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
      checkColumn(stmt, ctx, table, col, false);
    } else if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_PRIMARY') {
      // pg_dump style: CREATE TABLE t (id integer NOT NULL); ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
      const keys = stringList(con.keys);
      if (keys.length !== 1 || !ctx.isNewTable(table) || isForeignKeyColumn(ctx, table, keys[0])) continue;
      const w = WIDTH[ctx.schema.column(table, keys[0])?.type ?? ''];
      const def = findColumnDef(ctx, table, keys[0], stmt.index);
      // serial and identity columns were flagged where they were declared
      const generator =
        def &&
        (SERIALS.has(lastName(def.col.typeName)) ||
          columnConstraints(def.col).some((c) => c.contype === 'CONSTR_IDENTITY'));
      if (w === undefined || w >= 8 || generator) continue;
      report(ctx, stmt, {
        range: ctx.rangeAt(stmt, con.location),
        message: `primary key ${formatName(table)}.${keys[0]} is ${w === 2 ? 'smallint' : 'integer'}: it runs out at ${MAX[w]}, and widening it later rewrites ${formatName(table)} under an ACCESS EXCLUSIVE lock`,
        fixTarget: def,
      });
    } else if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_FOREIGN') {
      stringList(con.fk_attrs).forEach((name, i) => {
        const w = WIDTH[ctx.schema.column(table, name)?.type ?? ''];
        checkReference(
          stmt,
          ctx,
          table,
          con,
          i,
          undefined,
          w,
          con.location,
          findColumnDef(ctx, table, name, stmt.index),
        );
      });
    }
  }
};

// Flags a key, serial or identity column narrower than bigint, or a foreign key narrower than what it references.
function checkColumn(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  col: T.ColumnDef,
  tablePk: boolean,
): boolean {
  const w = widthOf(col.typeName);
  if (!col.typeName || w === undefined || w >= 8) return false;
  const cons = columnConstraints(col);
  const name = `${formatName(table)}.${col.colname}`;
  const type = typeLabel(col.typeName);
  const fk = cons.find((c) => c.contype === 'CONSTR_FOREIGN');
  const limit = `it runs out at ${MAX[w]}`;
  let message: string | undefined;
  if (SERIALS.has(lastName(col.typeName))) {
    message = `${name} is ${type}, backed by ${w === 2 ? 'a smallint' : 'an integer'} sequence: ${limit}, and widening it later rewrites ${formatName(table)} under an ACCESS EXCLUSIVE lock`;
  } else if (cons.some((c) => c.contype === 'CONSTR_IDENTITY')) {
    message = `identity column ${name} is ${type}: ${limit}, and widening it later rewrites ${formatName(table)} under an ACCESS EXCLUSIVE lock`;
  } else if (
    (tablePk || cons.some((c) => c.contype === 'CONSTR_PRIMARY')) &&
    !fk &&
    !isForeignKeyColumn(ctx, table, col.colname!)
  ) {
    message = `primary key ${name} is ${type}: ${limit}, and widening it later rewrites ${formatName(table)} under an ACCESS EXCLUSIVE lock`;
  } else if (fk) {
    return checkReference(stmt, ctx, table, fk, 0, col, w, col.typeName.location);
  }
  if (!message) return false;
  report(ctx, stmt, { range: typeRange(stmt, ctx, col.typeName), message, fixTarget: { stmt, col } });
  return true;
}

// A foreign key column narrower than the key it references: inserts fail once the referenced ids outgrow it.
function checkReference(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  fk: T.Constraint,
  i: number,
  col: T.ColumnDef | undefined,
  width: number | undefined,
  location: number | undefined,
  def?: ColumnSite,
): boolean {
  const ref = rangeVarName(fk.pktable);
  if (!ref || width === undefined || width >= 8) return false;
  const refCol = (stringList(fk.pk_attrs).length ? stringList(fk.pk_attrs) : primaryKeyOf(ctx, ref))[i];
  if (!refCol) return false;
  // the schema as it stands before this statement, else a self-reference within this statement
  const known = ctx.schema.column(ref, refCol)?.type;
  const refWidth = known !== undefined ? WIDTH[known] : widthOf(findInStmt(stmt, ref, refCol)?.col.typeName);
  if (refWidth === undefined || refWidth <= width) return false;
  const fkName = `${formatName(table)}.${col?.colname ?? stringList(fk.fk_attrs)[i]}`;
  const typeName = (w: number): string => (w === 2 ? 'smallint' : w === 4 ? 'integer' : 'bigint');
  report(ctx, stmt, {
    range: col?.typeName ? typeRange(stmt, ctx, col.typeName) : ctx.rangeAt(stmt, location),
    message: `${fkName} is ${typeName(width)} but references ${formatName(ref)}.${refCol}, a ${typeName(refWidth)}: inserts fail with "out of range" once ${formatName(ref)}.${refCol} passes ${MAX[width]}`,
    fixTarget: col ? { stmt, col } : def,
  });
  return true;
}

interface ColumnSite {
  stmt: Stmt;
  col: T.ColumnDef;
}

function report(
  ctx: RuleContext,
  stmt: Stmt,
  r: { range: Range; message: string; fixTarget?: ColumnSite },
): void {
  const input: ReportInput = {
    range: r.range,
    message: r.message,
    help: [
      '**Problem:** an `integer` key allows 2,147,483,647 values (`smallint`: 32,767), and sequences also use up values on rolled-back and failed inserts. When it runs out every insert fails. Widening it then takes `ALTER COLUMN ... TYPE bigint`: a rewrite of the table and all its indexes under an ACCESS EXCLUSIVE lock (reads and writes wait), and the same again for every foreign key column that references it.',
      '',
      '**Safe way:** make keys `bigint` from the start; it costs 4 more bytes per row, often none after alignment padding:',
      '```sql',
      'CREATE TABLE orders (',
      '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,',
      '  user_id bigint NOT NULL REFERENCES users (id)',
      ');',
      '```',
      'Foreign key columns should have the type of the key they reference. pgshift does not flag ordinary `integer` columns (counts, quantities): only keys, identity and serial columns.',
    ].join('\n'),
  };
  const site = r.fixTarget;
  if (site?.col.typeName) {
    const serial = SERIALS.has(lastName(site.col.typeName));
    const span = typeSpan(
      site.stmt,
      site.col.typeName,
      serial
        ? /^(?:small)?serial[24]?(?![\w$])/i
        : /^(?:"?pg_catalog"?\s*\.\s*)?(?:integer|int[24]?|smallint)(?![\w$])/i,
    );
    // for a serial, the identity column first: it is what prefer-identity asks for as well
    const texts = serial
      ? [...(ctx.postgresVersion >= 10 ? ['bigint GENERATED BY DEFAULT AS IDENTITY'] : []), 'bigserial']
      : ['bigint'];
    if (span)
      input.suggestions = texts.map((newText) => ({
        title: `Use ${newText}`,
        edits: [{ range: span, newText }],
      }));
  }
  ctx.report(input);
}

function lastName(tn: T.TypeName | undefined): string {
  const names = stringList(tn?.names);
  return names[names.length - 1] ?? '';
}

/** Width of a built-in integer or serial type, undefined for anything else (arrays, domains, other schemas). */
function widthOf(tn: T.TypeName | undefined): number | undefined {
  const names = stringList(tn?.names);
  if (!tn || tn.arrayBounds?.length || names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog'))
    return undefined;
  return WIDTH[names[names.length - 1]];
}

function typeLabel(tn: T.TypeName): string {
  const n = lastName(tn);
  return n === 'int4' ? 'integer' : n === 'int2' ? 'smallint' : n;
}

function findInStmt(stmt: Stmt, table: QualifiedName, column: string): ColumnSite | undefined {
  const create = as(stmt.node, 'CreateStmt');
  const alter = as(stmt.node, 'AlterTableStmt');
  const rel = rangeVarName(create?.relation ?? alter?.relation);
  if (!rel || !sameRelation(rel, table)) return undefined;
  const defs = create
    ? (create.tableElts ?? []).map((e) => as(e, 'ColumnDef'))
    : alterCmds(alter!)
        .filter((c) => c.subtype === 'AT_AddColumn')
        .map((c) => as(c.def, 'ColumnDef'));
  const col = defs.find((c) => c?.colname === column);
  return col ? { stmt, col } : undefined;
}

/** What the whole file says about columns and keys, computed once per file (pg_dump output has thousands of tables). */
interface FileIndex {
  /** table name → columns declared by CREATE TABLE / ADD COLUMN, in file order */
  columns: Map<string, { table: QualifiedName; site: ColumnSite }[]>;
  /** table name → the first primary key declared in the file */
  primaryKeys: Map<string, { table: QualifiedName; keys: string[] }[]>;
  /** table name → columns made foreign keys anywhere in the file */
  foreignKeys: Map<string, { table: QualifiedName; column: string }[]>;
}

const fileIndex = perFile((statements): FileIndex => {
  const index: FileIndex = { columns: new Map(), primaryKeys: new Map(), foreignKeys: new Map() };
  for (const stmt of statements) {
    const create = as(stmt.node, 'CreateStmt');
    const alter = as(stmt.node, 'AlterTableStmt');
    const table = rangeVarName(create?.relation ?? alter?.relation);
    if (!table) continue;
    const elements = create ? (create.tableElts ?? []) : alterCmds(alter!).map((c) => c.def);
    for (const el of elements) {
      const col = as(el, 'ColumnDef');
      const con = as(el, 'Constraint');
      if (col?.colname) {
        pushTo(index.columns, table.name, { table, site: { stmt, col } });
        for (const c of columnConstraints(col)) {
          if (c.contype === 'CONSTR_PRIMARY')
            pushTo(index.primaryKeys, table.name, { table, keys: [col.colname] });
          if (c.contype === 'CONSTR_FOREIGN')
            pushTo(index.foreignKeys, table.name, { table, column: col.colname });
        }
      } else if (con?.contype === 'CONSTR_PRIMARY') {
        pushTo(index.primaryKeys, table.name, { table, keys: stringList(con.keys) });
      } else if (con?.contype === 'CONSTR_FOREIGN') {
        for (const column of stringList(con.fk_attrs))
          pushTo(index.foreignKeys, table.name, { table, column });
      }
    }
  }
  return index;
});

/** Where this file declares `table.column` (CREATE TABLE or ADD COLUMN), among statements before `before`. */
function findColumnDef(
  ctx: RuleContext,
  table: QualifiedName,
  column: string,
  before: number,
): ColumnSite | undefined {
  const found = (fileIndex(ctx.statements).columns.get(table.name) ?? []).filter(
    (c) => c.site.stmt.index < before && c.site.col.colname === column && sameRelation(c.table, table),
  );
  return found[found.length - 1]?.site;
}

/** Primary key columns of a table created in this file (the schema model does not record keys). */
function primaryKeyOf(ctx: RuleContext, table: QualifiedName): string[] {
  return (
    (fileIndex(ctx.statements).primaryKeys.get(table.name) ?? []).find((p) => sameRelation(p.table, table))
      ?.keys ?? []
  );
}

/** True when the file makes `table.column` a foreign key: its type follows the key it references. */
function isForeignKeyColumn(ctx: RuleContext, table: QualifiedName, column: string): boolean {
  return (fileIndex(ctx.statements).foreignKeys.get(table.name) ?? []).some(
    (f) => f.column === column && sameRelation(f.table, table),
  );
}

function typeRange(stmt: Stmt, ctx: RuleContext, tn: T.TypeName): Range {
  return writtenType(ctx, stmt, tn, /^(?:"?pg_catalog"?\s*\.\s*)?(?:"[^"]*"|[\w$]+)/).range;
}
