import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import { whatItBlocks } from '../../pg/lock-modes';
import type { Rule, RuleContext, RuleMeta } from '../types';
import { batchHelp, batchLoop, batchSuggestion, touchesFewRows } from './_dml';
import { heldLock } from './_held-locks';
import { relationRange } from './_relations';
import { lineOf } from './_util';

export const meta: RuleMeta = {
  id: 'backfill-in-transaction',
  description:
    'A backfill (UPDATE, DELETE, INSERT ... SELECT) in the same transaction as a schema change holds its lock for the whole backfill',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['UpdateStmt', 'DeleteStmt', 'InsertStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  if (!stmt.inTransaction) return;
  const dml = backfill(ctx, stmt.node);
  const table = rangeVarName(dml?.relation);
  if (!dml || !table || ctx.isNewTable(table)) return;
  const held = heldLock(ctx, stmt);
  if (!held) return;
  const name = formatName(table);
  const verb =
    stmt.kind === 'UpdateStmt' ? 'UPDATE' : stmt.kind === 'DeleteStmt' ? 'DELETE FROM' : 'INSERT INTO';
  const line = lineOf(ctx, held.stmt);
  const batch =
    stmt.kind === 'InsertStmt'
      ? `INSERT INTO ${name} SELECT ... FROM <source> WHERE id > <last id copied> ORDER BY id LIMIT 1000`
      : stmt.kind === 'DeleteStmt'
        ? `DELETE FROM ${name} WHERE id IN (SELECT id FROM ${name} WHERE <condition> LIMIT 1000)`
        : `UPDATE ${name} SET <column> = <value> WHERE id IN (SELECT id FROM ${name} WHERE <column> IS DISTINCT FROM <value> LIMIT 1000)`;
  ctx.report({
    range: relationRange(ctx, stmt, dml.relation),
    message:
      `${verb} ${name} runs in the same transaction as ${held.what} (line ${line}): its ${held.mode} lock on ${held.on} ` +
      `stays held until the whole backfill commits, and ${whatItBlocks(held.mode)}`,
    help: [
      `**Lock:** ${held.what} took ${held.mode} on \`${held.on}\`, which ${whatItBlocks(held.mode)}. ` +
        `Locks are released only when the transaction ends, so it stays held while this statement works through \`${name}\`, ` +
        'and every row the statement changes stays locked too. On a large table that is minutes of blocked traffic; if anything fails, the whole backfill is rolled back.',
      '',
      '**Safe way:** let pgshift run the backfill in batches: with the directive the file runs statement by statement, so the schema change commits (and releases its lock) at once, then each batch commits on its own:',
      ...batchHelp(`${stmt.text.trim().split('\n')[0]}${stmt.text.includes('\n') ? ' ...' : ''};`),
      '',
      'Or by hand: keep the schema change short and move the backfill to its own migration that runs outside a transaction, in batches that each commit:',
      '```sql',
      '-- migration 1: the schema change alone (commits at once)',
      `${held.stmt.text.trim().split('\n')[0]}${held.stmt.text.includes('\n') ? ' ...' : ''};`,
      '',
      '-- migration 2:',
      '-- pgshift:no-transaction',
      ...batchLoop(ctx, batch),
      '```',
      'Schema changes that need the backfilled data (SET NOT NULL, a new constraint) go in a third migration.',
    ].join('\n'),
    suggestions: batchSuggestion(ctx, stmt),
  });
};

/**
 * The statement when it is a backfill: UPDATE / DELETE / INSERT ... SELECT FROM that may touch many rows.
 * Statements aimed at specific rows (see touchesFewRows) or already batched (a LIMIT) are not.
 */
function backfill(ctx: RuleContext, node: T.Node): { relation?: T.RangeVar } | undefined {
  const dml = as(node, 'UpdateStmt') ?? as(node, 'DeleteStmt');
  if (dml) return touchesFewRows(ctx, dml.relation, dml.whereClause) ? undefined : dml;
  const ins = as(node, 'InsertStmt');
  const sel = as(ins?.selectStmt, 'SelectStmt');
  const source = as(sel?.fromClause?.[0], 'RangeVar');
  if (!ins || !sel?.fromClause?.length || sel.limitCount) return undefined;
  return touchesFewRows(ctx, source, sel.whereClause) ? undefined : ins;
}
