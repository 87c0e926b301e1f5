import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { relationRange } from './ban-drop-column';

export const meta: RuleMeta = {
  id: 'update-without-where',
  description: 'UPDATE without WHERE on an existing table rewrites every row and keeps each one locked until commit',
  defaultSeverity: 'warning',
  category: 'data-loss',
  fixable: 'none',
  // data-modifying CTEs (WITH x AS (UPDATE ...)) hide inside SELECT, INSERT and DELETE statements
  kinds: ['UpdateStmt', 'SelectStmt', 'InsertStmt', 'DeleteStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const target of unfilteredTargets(stmt, ctx, 'UpdateStmt')) {
    const name = formatName(rangeVarName(target.relation));
    ctx.report({
      range: relationRange(ctx, stmt, target.relation),
      message: `UPDATE ${name} has no WHERE: it rewrites every row of ${name} and keeps each one locked until the transaction ends`,
      help: [
        `**Data:** every row of \`${name}\` gets the new values — if the statement was meant for some rows only, the others are overwritten, with no undo after commit. ` +
          'Each row is written anew, so the table and its indexes grow by the size of the table until VACUUM, and the WAL and replicas have to take it all.',
        '',
        `**Locks:** every updated row stays locked until the transaction ends: concurrent UPDATE, DELETE and SELECT ... FOR UPDATE of any row of \`${name}\` wait, ` +
          'for as long as the whole statement (and the rest of the migration transaction) takes.',
        '',
        '**Safe way:** add the WHERE the change needs. For a real backfill of the whole table, update in batches that each commit, outside the migration transaction:',
        '```sql',
        '-- pgshift:no-transaction',
        ...batchLoop(ctx, `UPDATE ${name} SET <column> = <value> WHERE id IN (SELECT id FROM ${name} WHERE <column> IS DISTINCT FROM <value> LIMIT 1000)`),
        '```',
      ].join('\n'),
    });
  }
};

type Target = T.UpdateStmt | T.DeleteStmt;

/** UPDATE (or DELETE) statements, data-modifying CTEs included, that hit every row of an existing table. */
export function unfilteredTargets(stmt: Stmt, ctx: RuleContext, kind: 'UpdateStmt' | 'DeleteStmt'): Target[] {
  const body = (stmt.node as Record<string, { withClause?: T.WithClause } | undefined>)[stmt.kind];
  // PostgreSQL only allows data-modifying statements in the top-level WITH, so no deeper walk is needed.
  const candidates = [stmt.node, ...(body?.withClause?.ctes ?? []).map((c) => as(c, 'CommonTableExpr')?.ctequery)];
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
