import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName, walk, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { sameRelation } from './_relations';
import { rangesOf } from './_util';

export const meta: RuleMeta = {
  id: 'ban-truncate-cascade',
  description:
    'TRUNCATE ... CASCADE also empties every table with a foreign key to the truncated ones, without naming them',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['TruncateStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const truncate = as(stmt.node, 'TruncateStmt')!;
  if (truncate.behavior !== 'DROP_CASCADE') return;
  const tables = (truncate.relations ?? [])
    .map((r) => rangeVarName(as(r, 'RangeVar')))
    .filter((q): q is QualifiedName => !!q);
  // A new table can only be referenced by existing tables through a foreign key added in this file.
  if (tables.every((t) => ctx.isNewTable(t) && !referencedByExistingTable(ctx, stmt, t))) return;
  const names = tables.map(formatName).join(', ');
  ctx.report({
    range: rangesOf(stmt, /\bCASCADE\b/gi).pop(),
    message: `TRUNCATE ${names} CASCADE also empties every table with a foreign key to ${names}, and every table referencing those, without naming any of them`,
    help: [
      `**Data loss:** CASCADE follows foreign keys recursively: every table that references \`${names}\` is emptied too, and the tables that reference those, ` +
        'whatever their own ON DELETE action says. Which tables that is depends on the schema at the moment the migration runs, not on what the author saw.',
      '',
      '**Lock:** ACCESS EXCLUSIVE on every truncated table until the transaction ends: all reads and writes on them wait.',
      '',
      '**Safe way:** name every table to empty; without CASCADE, TRUNCATE fails instead of guessing when a table you did not name still references them:',
      '```sql',
      `TRUNCATE ${names}, <each referencing table>;`,
      '```',
    ].join('\n'),
  });
};

function referencedByExistingTable(ctx: RuleContext, stmt: Stmt, table: QualifiedName): boolean {
  return ctx.statements.slice(0, stmt.index).some((s) => {
    const alter = as(s.node, 'AlterTableStmt');
    const owner = rangeVarName(alter?.relation);
    if (!alter || !owner || ctx.isNewTable(owner)) return false;
    let found = false;
    walk(alter, (kind, body) => {
      const pk = rangeVarName((body as T.Constraint).pktable);
      if (
        kind === 'Constraint' &&
        (body as T.Constraint).contype === 'CONSTR_FOREIGN' &&
        pk &&
        sameRelation(pk, table)
      )
        found = true;
    });
    return found;
  });
}
