/** UPDATE and DELETE statements that hit every row or many rows, and the batched form to offer instead. */
import type * as T from '@pgsql/types';
import { batchTarget } from '../../pg/batch';
import { as, formatName, rangeVarName, stringList } from '../ast';
import type { Fix, Range, RuleContext, Stmt } from '../types';
import { relationRange } from './_relations';

type Target = T.UpdateStmt | T.DeleteStmt;

/** An UPDATE or DELETE that hits every row of an existing table, as update- and delete-without-where report it. */
export interface EveryRowTarget {
  /** the table as messages name it */
  name: string;
  /** the table name as written */
  range: Range;
  /** the `-- pgshift:batch` fix, for the statement itself (not for a data-modifying CTE) */
  suggestions: Fix[] | undefined;
}

/**
 * The UPDATEs (or DELETEs) of the statement that hit every row of an existing table; none when it runs
 * batched: every row is then the stated intent (a backfill, emptying the table), and no row stays locked
 * past its batch.
 */
export function everyRowTargets(
  stmt: Stmt,
  ctx: RuleContext,
  kind: 'UpdateStmt' | 'DeleteStmt',
): EveryRowTarget[] {
  if (isBatched(ctx, stmt)) return [];
  return unfilteredTargets(stmt, ctx, kind).map((target) => ({
    name: formatName(rangeVarName(target.relation)),
    range: relationRange(ctx, stmt, target.relation),
    suggestions: target === as(stmt.node, kind) ? batchSuggestion(ctx, stmt) : undefined,
  }));
}

/** UPDATE (or DELETE) statements, data-modifying CTEs included, that hit every row of an existing table. */
function unfilteredTargets(stmt: Stmt, ctx: RuleContext, kind: 'UpdateStmt' | 'DeleteStmt'): Target[] {
  const body = (stmt.node as Record<string, { withClause?: T.WithClause } | undefined>)[stmt.kind];
  // PostgreSQL only allows data-modifying statements in the top-level WITH, so no deeper walk is needed.
  const candidates = [
    stmt.node,
    ...(body?.withClause?.ctes ?? []).map((c) => as(c, 'CommonTableExpr')?.ctequery),
  ];
  const out: Target[] = [];
  for (const node of candidates) {
    const target = kind === 'UpdateStmt' ? as(node, 'UpdateStmt') : as(node, 'DeleteStmt');
    const table = rangeVarName(target?.relation);
    if (target && table && !ctx.isNewTable(table) && alwaysTrue(target.whereClause)) out.push(target);
  }
  return out;
}

/** No WHERE, or one that is always true: WHERE true, WHERE 't'::boolean, WHERE 1 = 1. */
export function alwaysTrue(where: T.Node | undefined): boolean {
  if (!where) return true;
  const c = as(where, 'A_Const');
  if (c) return c.boolval?.boolval === true;
  const cast = as(where, 'TypeCast');
  if (cast) {
    const v = as(cast.arg, 'A_Const')?.sval?.sval?.toLowerCase();
    return v !== undefined && ['t', 'true', 'y', 'yes', 'on', '1'].includes(v);
  }
  const e = as(where, 'A_Expr');
  if (e?.kind === 'AEXPR_OP' && e.name?.length === 1 && as(e.name[0], 'String')?.sval === '=') {
    const l = as(e.lexpr, 'A_Const');
    const r = as(e.rexpr, 'A_Const');
    return !!l && !!r && constValue(l) === constValue(r);
  }
  return false;
}

function constValue(c: T.A_Const): string {
  const { location: _loc, ...value } = c;
  return JSON.stringify(value);
}

/** A DO loop that commits between batches (PostgreSQL 11+, outside a transaction block), or a single batch to repeat. */
export function batchLoop(ctx: RuleContext, batch: string): string[] {
  if (ctx.postgresVersion < 11) return [`${batch};  -- repeat until it affects 0 rows`];
  return [
    'DO $$',
    'DECLARE n bigint;',
    'BEGIN',
    '  LOOP',
    `    ${batch};`,
    '    GET DIAGNOSTICS n = ROW_COUNT;',
    '    EXIT WHEN n = 0;',
    '    COMMIT;  -- PostgreSQL 11+: each batch releases its row locks',
    '  END LOOP;',
    'END $$;',
  ];
}

/** The statement has a `-- pgshift:batch` before it: the runner runs it in batches that each commit. */
export function isBatched(ctx: RuleContext, stmt: Stmt): boolean {
  return ctx.batches.some((b) => b.statement === stmt);
}

/**
 * The quick fix that puts `-- pgshift:batch` on the line before the statement, when the runner can batch
 * it (one table, no CTE or join): the file then runs statement by statement and each batch commits.
 */
export function batchSuggestion(ctx: RuleContext, stmt: Stmt): Fix[] | undefined {
  if (isBatched(ctx, stmt) || batchRefusal(ctx, stmt)) return undefined;
  const at = stmt.range.start;
  return [
    {
      title: 'Run it in batches that each commit (-- pgshift:batch)',
      edits: [{ range: { start: at, end: at }, newText: `${BATCH_DIRECTIVE}\n` }],
    },
  ];
}

/**
 * Why `-- pgshift:batch` could not go before the statement: inside a DO block, a statement the runner cannot
 * batch (a join, a CTE, RETURNING), or a table whose whole definition the migrations showed without a key
 * (batch-directive would refuse it). Undefined when it can.
 */
export function batchRefusal(ctx: RuleContext, stmt: Stmt): string | undefined {
  if (stmt.origin !== 'top')
    return 'the statement is inside a DO block, and the directive goes before a statement of the file';
  const t = batchTarget(stmt.node);
  if (!t.ok) return t.reason;
  const table = t.target.table;
  if (ctx.schema.table(table)?.complete && !ctx.schema.keyColumns(table).length)
    return `${formatName(table)} has no single-column primary key or unique NOT NULL column to batch by`;
  return undefined;
}

export const BATCH_DIRECTIVE = '-- pgshift:batch';

/** The help's lines for the batched form with pgshift's runner. */
export function batchHelp(statement: string): string[] {
  return [
    '```sql',
    BATCH_DIRECTIVE,
    statement,
    '```',
    'pgshift runs it in keyset ranges of the primary key (size=auto: about 200 ms each), each in its own short transaction with a checkpoint: ' +
      'a crash or a cancel loses nothing and `pgshift up` continues where it stopped. The file then runs statement by statement, outside one transaction.',
  ];
}

/**
 * How many rows a WHERE of a statement on `relation` can match, from its shape alone:
 * - 'few': aimed at specific rows — equality with constants on a key (a column the schema model knows is the
 *   primary key or unique NOT NULL, or one named like a key: `id`, `user_id`, `"userId"`, `uuid`, `slug`),
 *   WHERE CURRENT OF, or a hand-made batch (`id IN (SELECT ... LIMIT n)`);
 * - 'constants': equality with constants on other columns (`status = 'draft'`, `name = 'x'`): one row or
 *   millions, the SQL cannot tell;
 * - 'many': anything else — `c IS NULL`, ranges, joins, subqueries, a boolean column.
 * An AND is 'few' when one of its conditions is, else 'many' when one is; an OR counts as its widest arm.
 * `c = NULL` matches no row. A constant is a literal or a parameter: `id = rec.id` in a DO block's loop is one
 * row per iteration, but the loop as a whole walks the table.
 */
export function rowsMatched(
  ctx: RuleContext,
  relation: T.RangeVar | undefined,
  where: T.Node | undefined,
): RowsMatched {
  if (!where) return 'many';
  const table = rangeVarName(relation);
  const keys = new Set(table ? ctx.schema.keyColumns(table) : []);
  const isKey = (column: string): boolean => keys.has(column) || KEY_LIKE.test(column);
  return classify(where, isKey);
}

export type RowsMatched = 'few' | 'constants' | 'many';
const ORDER: readonly RowsMatched[] = ['few', 'constants', 'many'];

/** True when the WHERE is aimed at specific rows (rowsMatched 'few'). */
export function touchesFewRows(
  ctx: RuleContext,
  relation: T.RangeVar | undefined,
  where: T.Node | undefined,
): boolean {
  return rowsMatched(ctx, relation, where) === 'few';
}

function classify(where: T.Node, isKey: (column: string) => boolean): RowsMatched {
  if (as(where, 'CurrentOfExpr')) return 'few';
  const bool = as(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR' || bool?.boolop === 'OR_EXPR') {
    const each = (bool.args ?? []).map((a) => classify(a, isKey));
    if (bool.boolop === 'OR_EXPR') return ORDER[Math.max(...each.map((r) => ORDER.indexOf(r)))];
    // a key narrows to a few rows whatever else is AND-ed; otherwise a join, range or IS NULL says backfill
    return each.includes('few') ? 'few' : each.includes('many') ? 'many' : 'constants';
  }
  // already batched: id IN (SELECT id ... LIMIT 1000)
  if (as(as(where, 'SubLink')?.subselect, 'SelectStmt')?.limitCount) return 'few';
  const e = as(where, 'A_Expr');
  if (!e || as(e.name?.[0], 'String')?.sval !== '=') return 'many';
  if (e.kind === 'AEXPR_OP' && (as(e.rexpr, 'A_Const')?.isnull || as(e.lexpr, 'A_Const')?.isnull))
    return 'few';
  const column = (n: T.Node | undefined): string | undefined => stringList(as(n, 'ColumnRef')?.fields).pop();
  let col: string | undefined;
  if (e.kind === 'AEXPR_OP')
    col = isConstant(e.rexpr) ? column(e.lexpr) : isConstant(e.lexpr) ? column(e.rexpr) : undefined;
  else if (e.kind === 'AEXPR_IN' && (as(e.rexpr, 'List')?.items ?? []).every(isConstant))
    col = column(e.lexpr);
  if (col === undefined) return 'many';
  return isKey(col) ? 'few' : 'constants';
}

// `id = 42` / `user_id = 42` / `"userId" = 42` point at a few rows; `status = 'draft'` can match millions.
const KEY_LIKE = /(?:^|_)(?:id|uuid|key|slug)$|[a-z0-9](?:Id|ID|Uuid|UUID|Key|Slug)$/;

function isConstant(n: T.Node | undefined): boolean {
  const cast = as(n, 'TypeCast');
  if (cast) return isConstant(cast.arg);
  return !!as(n, 'A_Const') || !!as(n, 'ParamRef');
}
