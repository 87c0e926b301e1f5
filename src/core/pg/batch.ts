/**
 * Whether a statement can run as a `-- pgshift:batch` backfill, read from its parse tree alone: the
 * runner (backfill-plan.ts cuts the text) and the linter (rule batch-directive) ask the same question.
 */
import type * as T from '@pgsql/types';
import { as, nodeKind, rangeVarName, type QualifiedName } from '../lint/ast';

export interface BatchTarget {
  kind: 'update' | 'delete' | 'insert-select';
  /** the table whose key the batches walk (for INSERT … SELECT, the table it reads) */
  relation: T.RangeVar;
  table: QualifiedName;
  hasWhere: boolean;
  /** INSERT … SELECT … ON CONFLICT */
  onConflict: boolean;
}

export type BatchTargetOutcome = { ok: true; target: BatchTarget } | { ok: false; reason: string };

const NOT_BATCHABLE = 'pgshift:batch goes before one UPDATE, DELETE or INSERT … SELECT';

/** The table a batched statement walks, or why the statement cannot be batched. */
export function batchTarget(node: unknown): BatchTargetOutcome {
  switch (nodeKind(node)) {
    case 'UpdateStmt': {
      const s = as(node, 'UpdateStmt')!;
      return changesRows('update', s, s.fromClause, 'UPDATE … FROM');
    }
    case 'DeleteStmt': {
      const s = as(node, 'DeleteStmt')!;
      return changesRows('delete', s, s.usingClause, 'DELETE … USING');
    }
    case 'InsertStmt': {
      const s = as(node, 'InsertStmt')!;
      const sel = as(s.selectStmt, 'SelectStmt');
      if (!sel || sel.valuesLists?.length) return no('INSERT … VALUES cannot be batched: it reads no table');
      const from = sel.fromClause ?? [];
      const source = from.length === 1 ? as(from[0], 'RangeVar') : undefined;
      const refused =
        (s.withClause && 'it has a WITH clause (a CTE)') ||
        (sel.withClause && 'its SELECT has a WITH clause (a CTE)') ||
        (sel.op && sel.op !== 'SETOP_NONE' && 'its SELECT is a UNION / INTERSECT / EXCEPT') ||
        (!source && 'its SELECT must read exactly one table (no joins, no subquery in FROM)') ||
        ((sel.groupClause?.length || sel.havingClause || sel.distinctClause) &&
          'its SELECT groups or de-duplicates rows, which one batch cannot see whole') ||
        ((sel.sortClause?.length || sel.limitCount || sel.limitOffset) &&
          'its SELECT has ORDER BY / LIMIT / OFFSET: the batches impose their own') ||
        (s.returningClause && 'RETURNING would return only the last batch’s rows');
      if (refused) return no(`INSERT … SELECT cannot be batched: ${refused}`);
      return target('insert-select', source, !!sel.whereClause, !!s.onConflictClause);
    }
    default:
      return no(`${NOT_BATCHABLE}; this is ${nodeKind(node) ?? 'not a statement'}`);
  }
}

/** UPDATE and DELETE: batched by key unless something makes each batch differ from a slice of the whole. */
function changesRows(
  kind: 'update' | 'delete',
  s: T.UpdateStmt | T.DeleteStmt,
  joins: T.Node[] | undefined,
  joinSyntax: string,
): BatchTargetOutcome {
  const refused =
    (s.withClause && 'it has a WITH clause (a CTE): batch the statement it feeds instead') ||
    (joins?.length && `it joins other tables (${joinSyntax}): each batch would repeat the join`) ||
    (s.returningClause && 'RETURNING would return only the last batch’s rows') ||
    (isCurrentOf(s.whereClause) && 'WHERE CURRENT OF names a cursor');
  if (refused) return no(`${kind.toUpperCase()} cannot be batched: ${refused}`);
  return target(kind, s.relation, !!s.whereClause);
}

function target(
  kind: BatchTarget['kind'],
  relation: T.RangeVar | undefined,
  hasWhere: boolean,
  onConflict = false,
): BatchTargetOutcome {
  const table = rangeVarName(relation);
  if (!relation || !table) return no('the statement names no table');
  return { ok: true, target: { kind, relation, table, hasWhere, onConflict } };
}

function no(reason: string): BatchTargetOutcome {
  return { ok: false, reason };
}

function isCurrentOf(where: T.Node | undefined): boolean {
  return !!as(where, 'CurrentOfExpr');
}
