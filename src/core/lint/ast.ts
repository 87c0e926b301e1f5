/**
 * Small helpers over libpg-query's JSON parse trees, so rules read like the SQL they check.
 * A tree node is a one-key object: { IndexStmt: {...} }.
 */
import type * as T from '@pgsql/types';

// Maps a node kind to its body type, from the union @pgsql/types exports.
type NodeMap = { [N in T.Node as keyof N & string]: N[keyof N] };

export function nodeKind(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The body of `node` when it is of kind `kind`, else undefined. */
export function as<K extends keyof NodeMap & string>(node: unknown, kind: K): NodeMap[K] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return (node as Record<string, unknown>)[kind] as NodeMap[K] | undefined;
}

/** The table definition of CREATE TABLE or CREATE FOREIGN TABLE (whose options wrap the same CreateStmt). */
export function createTableOf(node: unknown): T.CreateStmt | undefined {
  return as(node, 'CreateStmt') ?? as(node, 'CreateForeignTableStmt')?.base;
}

export interface QualifiedName {
  schema?: string;
  name: string;
}

export function rangeVarName(rv: T.RangeVar | undefined): QualifiedName | undefined {
  if (!rv?.relname) return undefined;
  return { schema: rv.schemaname || undefined, name: rv.relname };
}

/** `a` / `s.a` / `db.s.a` as a list of name parts: the last two, or undefined when there are none. */
export function qualifiedName(parts: string[]): QualifiedName | undefined {
  if (parts.length === 0) return undefined;
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1] };
}

export function formatName(q: QualifiedName | undefined): string {
  if (!q) return '?';
  return q.schema ? `${q.schema}.${q.name}` : q.name;
}

/** String values of a list of { String: { sval } } nodes (names, qualified names). */
export function stringList(nodes: T.Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => as(n, 'String')?.sval ?? '').filter((s) => s !== '');
}

/** Canonical type name: 'int4', 'varchar(20)', 'numeric(10,2)', 'text[]', 'timestamptz'. */
export function typeNameToString(tn: T.TypeName | undefined): string {
  if (!tn) return '?';
  const names = stringList(tn.names);
  let base = names.length > 1 && names[0] === 'pg_catalog' ? names[names.length - 1] : names.join('.');
  if (base === 'bpchar') base = 'char';
  const mods = (tn.typmods ?? [])
    .map((m) => {
      const c = as(m, 'A_Const');
      if (c?.ival) return String(c.ival.ival ?? 0);
      if (c && 'ival' in c) return '0';
      return undefined;
    })
    .filter((m): m is string => m !== undefined);
  let s = mods.length ? `${base}(${mods.join(',')})` : base;
  if (tn.arrayBounds?.length) s += '[]'.repeat(tn.arrayBounds.length);
  return s;
}

/** Base type name without modifiers or array brackets ('varchar' for 'varchar(20)'). */
export function baseTypeName(tn: T.TypeName | undefined): string {
  if (!tn) return '?';
  const names = stringList(tn.names);
  const base = names[names.length - 1] ?? '?';
  return base === 'bpchar' ? 'char' : base;
}

/** Integer typmods of a type ([20] for varchar(20)). */
export function typeMods(tn: T.TypeName | undefined): number[] {
  return (tn?.typmods ?? []).map((m) => as(m, 'A_Const')?.ival?.ival ?? 0);
}

/** Depth-first walk over every object in a parse tree; return false from the visitor to skip a subtree. */
export function walk(
  node: unknown,
  visit: (kind: string, body: Record<string, unknown>) => boolean | void,
): void {
  if (node && typeof node === 'object') walkObject(node as Record<string, unknown>, visit);
}

// Every rule walks every tree: for-in and a char code instead of Object.keys, Object.values and a regex
// per node, which allocated two arrays per node (parse trees are plain JSON: no inherited keys).
function walkObject(
  node: Record<string, unknown>,
  visit: (kind: string, body: Record<string, unknown>) => boolean | void,
): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const n: unknown = node[i];
      if (n && typeof n === 'object') walkObject(n as Record<string, unknown>, visit);
    }
    return;
  }
  let kind = '';
  let keys = 0;
  for (const k in node) {
    kind = k;
    if (++keys > 1) break;
  }
  // a node is a one-key object whose key is a capitalised kind: { IndexStmt: {...} }
  const first = kind.charCodeAt(0);
  if (keys === 1 && first >= 0x41 && first <= 0x5a) {
    const body = node[kind];
    if (body && typeof body === 'object') {
      if (visit(kind, body as Record<string, unknown>) === false) return;
      walkValues(body as Record<string, unknown>, visit);
      return;
    }
  }
  walkValues(node, visit);
}

function walkValues(
  o: Record<string, unknown>,
  visit: (kind: string, body: Record<string, unknown>) => boolean | void,
): void {
  for (const k in o) {
    const v = o[k];
    if (v && typeof v === 'object') walkObject(v as Record<string, unknown>, visit);
  }
}

/** Column constraints of a ColumnDef, by contype. */
export function columnConstraints(col: T.ColumnDef): T.Constraint[] {
  return (col.constraints ?? []).map((c) => as(c, 'Constraint')).filter((c): c is T.Constraint => !!c);
}

/** The AlterTableCmd bodies of an ALTER TABLE statement. */
export function alterCmds(stmt: T.AlterTableStmt): T.AlterTableCmd[] {
  return (stmt.cmds ?? []).map((c) => as(c, 'AlterTableCmd')).filter((c): c is T.AlterTableCmd => !!c);
}

/** True when an expression can be evaluated once for the whole table (a constant-ish default). */
export function isVolatileExpr(expr: unknown): boolean {
  let volatile = false;
  walk(expr, (kind, body) => {
    if (kind === 'FuncCall') {
      const fn =
        stringList((body as T.FuncCall).funcname)
          .pop()
          ?.toLowerCase() ?? '';
      if (!NON_VOLATILE_FUNCTIONS.has(fn)) volatile = true;
    } else if (kind === 'SQLValueFunction') {
      // CURRENT_TIMESTAMP, CURRENT_USER, ... are stable: evaluated once per statement.
    } else if (kind === 'SubLink' || kind === 'NextValueExpr') {
      volatile = true;
    }
  });
  return volatile;
}

/**
 * Built-in functions that are IMMUTABLE or STABLE (pg_proc.provolatile 'i' / 's', PostgreSQL 12-18): a
 * default calling only these is evaluated once and stored in the catalog on PostgreSQL 11+, no rewrite.
 * Any other function counts as volatile (functions are VOLATILE unless declared otherwise).
 */
export const NON_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    'abs age array_fill array_length array_to_json array_to_string bool btrim cardinality ceil ceiling concat concat_ws ' +
    'current_schema current_setting current_user date date_part date_trunc decode encode extract float8 floor format ' +
    'initcap int4 int8 interval json_build_array json_build_object json_object jsonb_build_array jsonb_build_object ' +
    'jsonb_object left length lower lpad make_date make_interval make_time make_timestamp make_timestamptz md5 now ' +
    'numeric pg_current_xact_id power regexp_replace repeat replace reverse right round rpad session_user sha256 ' +
    'split_part sqrt statement_timestamp string_to_array substr substring text timestamp timestamptz timezone to_char ' +
    'to_date to_json to_jsonb to_number to_timestamp transaction_timestamp trunc txid_current upper version'
  ).split(' '),
);
