/**
 * What a migration destroys, as the backups to make before each statement: read from the parse trees
 * (src/core/pg's `destroys`), so the copy is exactly that — whole tables for DROP TABLE / TRUNCATE /
 * DROP SCHEMA … CASCADE, the key and the column for DROP COLUMN and lossy type changes, the old rows for
 * UPDATE / DELETE (their own WHERE). Pure: the runner sends the calls (backup-sql.ts) in the migration's
 * own transaction, right before the statement.
 */
import { as, formatName, nodeKind, type QualifiedName } from '../lint/ast';
import { describeStatement, type DescribeOptions } from '../pg';
import { loadParser } from '../sql/parser';
import { backfillShape, qualifiedTable } from './backfill-plan';
import { quoteIdent } from './settings';
import type { ScriptStatement } from './statements';

export type BackupTarget =
  /** `cascade` (TRUNCATE … CASCADE): the tables whose foreign keys reach it too */
  | { kind: 'table'; table: QualifiedName; how: 'drop' | 'truncate'; cascade?: boolean }
  | { kind: 'column'; table: QualifiedName; column: string; how: 'drop' | 'type-change' }
  /** `select`: the rows the statement touches; undefined: the whole table (a join, a CTE, RETURNING) */
  | { kind: 'rows'; table: QualifiedName; how: 'update' | 'delete'; set?: string[]; select?: string }
  | { kind: 'schema'; schema: string };

export interface PlannedBackup {
  /** index of the statement the copies go before */
  statement: number;
  targets: BackupTarget[];
}

// Words a destroying statement must hold; anything else needs no parse.
const MAY_DESTROY = /\b(drop|truncate|update|delete|type)\b/i;

/**
 * The backups a script needs, statement by statement; [] when it destroys nothing. `columnType`
 * settles whether a type change is lossy (unknown: it is backed up).
 */
export async function planBackups(
  statements: readonly ScriptStatement[],
  opts: DescribeOptions,
): Promise<PlannedBackup[]> {
  if (!statements.some((s) => MAY_DESTROY.test(s.sql))) return [];
  const parser = await loadParser();
  const out: PlannedBackup[] = [];
  statements.forEach((s, i) => {
    if (!MAY_DESTROY.test(s.sql)) return;
    const parsed = parser.parse(s.sql);
    if (!parsed.ok || parsed.statements.length !== 1) return;
    const node = parsed.statements[0].node;
    const targets: BackupTarget[] = [];
    for (const d of describeStatement(node, s.sql, opts).destroys) {
      if (d.kind === 'table')
        targets.push(
          d.how === 'truncate' && d.cascade
            ? { kind: 'table', table: d.relation, how: d.how, cascade: true }
            : { kind: 'table', table: d.relation, how: d.how },
        );
      else if (d.kind === 'column')
        targets.push({ kind: 'column', table: d.relation, column: d.column, how: d.how });
      else if (d.kind === 'schema' && d.cascade) targets.push({ kind: 'schema', schema: d.schema });
      else if (d.kind === 'rows') targets.push(rowsTarget(node, s.sql, d.relation, d.how, parser.scan));
      // views, materialized views and sequences hold no data a restore could put back; an empty
      // schema dropped without CASCADE holds nothing
    }
    if (targets.length) out.push({ statement: i, targets });
  });
  return out;
}

/** The columns a type change may lose, to ask the catalog for their current type. */
export function typeChanges(plans: readonly PlannedBackup[]): { table: QualifiedName; column: string }[] {
  return plans.flatMap((p) =>
    p.targets.flatMap((t) =>
      t.kind === 'column' && t.how === 'type-change' ? [{ table: t.table, column: t.column }] : [],
    ),
  );
}

function rowsTarget(
  node: unknown,
  sql: string,
  table: QualifiedName,
  how: 'update' | 'delete',
  scan: Parameters<typeof backfillShape>[2],
): BackupTarget {
  const update = as(node, 'UpdateStmt');
  const set = update
    ? [...new Set((update.targetList ?? []).map((t) => as(t, 'ResTarget')?.name ?? '').filter(Boolean))]
    : undefined;
  // a statement a batch could cut is one whose rows are `table WHERE condition`; else the whole table
  const shape = nodeKind(node) ? backfillShape(node, sql, scan) : undefined;
  if (!shape?.ok) return { kind: 'rows', table, how, set };
  const a = quoteIdent(shape.shape.alias);
  const where = shape.shape.condition ? ` WHERE ${shape.shape.condition}` : '';
  return {
    kind: 'rows',
    table,
    how,
    set,
    select: `SELECT ${a}.* FROM ${qualifiedTable(table)} AS ${a}${where}`,
  };
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The server-side call that copies one target (see backup-sql.ts). */
export function backupCall(schema: string, t: BackupTarget): string {
  const s = quoteIdent(schema);
  switch (t.kind) {
    case 'table':
      return `SELECT ${s}.backup_table(${literal(qualifiedTable(t.table))}, ${literal(t.cascade ? 'truncate-cascade' : t.how)})`;
    case 'column':
      return `SELECT ${s}.backup_column(${literal(qualifiedTable(t.table))}, ${literal(t.column)}, ${literal(t.how)})`;
    case 'rows': {
      const set = t.set?.length ? `ARRAY[${t.set.map(literal).join(', ')}]::text[]` : 'NULL::text[]';
      const select = t.select ?? `SELECT * FROM ${qualifiedTable(t.table)}`;
      return `SELECT ${s}.backup_rows(${literal(qualifiedTable(t.table))}, ${literal(t.how)}, ${set}, ${literal(select)})`;
    }
    case 'schema':
      return `SELECT ${s}.backup_schema(${literal(t.schema)})`;
  }
}

export function beginCall(schema: string, version: string, name: string, direction: string): string {
  return `SELECT ${quoteIdent(schema)}.begin_backup(${literal(version)}, ${literal(name)}, ${literal(direction)})`;
}

/** 'users.email', 'table orders', 'rows of events (DELETE … WHERE)', 'schema app' */
export function describeTarget(t: BackupTarget): string {
  switch (t.kind) {
    case 'table':
      return `table ${formatName(t.table)}${t.cascade ? ' and the tables referencing it' : ''}`;
    case 'column':
      return `column ${formatName(t.table)}.${t.column}`;
    case 'rows':
      return `${t.select ? 'the rows' : 'every row'} of ${formatName(t.table)} the ${t.how.toUpperCase()} touches`;
    case 'schema':
      return `every table of schema ${t.schema}`;
  }
}
