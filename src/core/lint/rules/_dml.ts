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
function alwaysTrue(where: T.Node | undefined): boolean {
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
 * True when the WHERE (of a statement on `relation`) is aimed at specific rows: equality with constants on a
 * key — a column the schema model knows is the primary key or unique NOT NULL, or one named like a key
 * (`id`, `user_id`, `"userId"`, `uuid`, `slug`) — or WHERE CURRENT OF, or a hand-made batch (`id IN (SELECT
 * ... LIMIT n)`). An AND needs one such condition, an OR needs all its arms to be one. `status = 'draft'`,
 * `c IS NULL`, ranges and joins may match millions of rows.
 */
export function touchesFewRows(
  ctx: RuleContext,
  relation: T.RangeVar | undefined,
  where: T.Node | undefined,
): boolean {
  if (!where) return false;
  const table = rangeVarName(relation);
  const keys = new Set(table ? ctx.schema.keyColumns(table) : []);
  const isKey = (column: string): boolean => keys.has(column) || KEY_LIKE.test(column);
  return aimed(where, isKey);
}

function aimed(where: T.Node, isKey: (column: string) => boolean): boolean {
  if (as(where, 'CurrentOfExpr')) return true;
  const bool = as(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).some((a) => aimed(a, isKey));
  if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every((a) => aimed(a, isKey));
  // already batched: id IN (SELECT id ... LIMIT 1000)
  if (as(as(where, 'SubLink')?.subselect, 'SelectStmt')?.limitCount) return true;
  const e = as(where, 'A_Expr');
  if (!e || as(e.name?.[0], 'String')?.sval !== '=') return false;
  const keyRef = (n: T.Node | undefined): boolean =>
    isKey(stringList(as(n, 'ColumnRef')?.fields).pop() ?? '');
  if (e.kind === 'AEXPR_OP')
    return (keyRef(e.lexpr) && isConstant(e.rexpr)) || (keyRef(e.rexpr) && isConstant(e.lexpr));
  if (e.kind === 'AEXPR_IN') return keyRef(e.lexpr) && (as(e.rexpr, 'List')?.items ?? []).every(isConstant);
  return false;
}

// `id = 42` / `user_id = 42` / `"userId" = 42` point at a few rows; `status = 'draft'` can match millions.
const KEY_LIKE = /(?:^|_)(?:id|uuid|key|slug)$|[a-z0-9](?:Id|ID|Uuid|UUID|Key|Slug)$/;

function isConstant(n: T.Node | undefined): boolean {
  const cast = as(n, 'TypeCast');
  if (cast) return isConstant(cast.arg);
  return !!as(n, 'A_Const') || !!as(n, 'ParamRef');
}
