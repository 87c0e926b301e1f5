import { as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import {
  alwaysTrue,
  batchHelp,
  batchLoop,
  batchRefusal,
  batchSuggestion,
  isBatched,
  rowsMatched,
} from './_dml';
import { heldLock } from './_held-locks';
import { relationRange } from './_relations';

export const meta: RuleMeta = {
  id: 'unbatched-backfill',
  description:
    'UPDATE or DELETE whose WHERE may match many rows of an existing table, run as one statement instead of in batches',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['UpdateStmt', 'DeleteStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const upd = as(stmt.node, 'UpdateStmt');
  const del = as(stmt.node, 'DeleteStmt');
  const dml = upd ?? del;
  const table = rangeVarName(dml?.relation);
  // no WHERE (or an always-true one): update-without-where and delete-without-where
  if (!dml || !table || alwaysTrue(dml.whereClause) || isBatched(ctx, stmt)) return;
  if (ctx.isNewTable(table) || isCatalog(table)) return;
  const rows = rowsMatched(ctx, dml.relation, dml.whereClause);
  if (rows === 'few') return;
  // after a schema change in the same transaction: backfill-in-transaction reports the lock it keeps held
  if (stmt.inTransaction && heldLock(ctx, stmt)) return;

  const name = formatName(table);
  const verb = upd ? 'UPDATE' : 'DELETE FROM';
  const until = stmt.inTransaction ? 'the transaction ends' : 'the statement ends';
  const suggestions = batchSuggestion(ctx, stmt);
  const first = stmt.text.trim().split('\n')[0];
  // a table without a key is walked by its row addresses
  const key = ctx.schema.keyColumns(table)[0] ?? (ctx.schema.table(table)?.complete ? 'ctid' : 'id');
  ctx.report({
    range: relationRange(ctx, stmt, dml.relation),
    // equality with constants on columns that are not keys: one row or millions, the SQL cannot tell
    severity: rows === 'constants' ? 'info' : undefined,
    message: `${verb} ${name} may ${upd ? 'change' : 'delete'} many rows of ${name} in one statement: each stays locked until ${until}, and the dead rows and WAL come all at once`,
    help: [
      `**Locks:** every row the statement ${upd ? 'updates' : 'deletes'} stays locked until ${until}: concurrent UPDATE, DELETE and SELECT ... FOR UPDATE of those rows wait ` +
        `as long as the statement takes to work through \`${name}\`${stmt.inTransaction ? ', then for the rest of the migration transaction' : ''}.` +
        (upd ? '' : ' Foreign keys with ON DELETE CASCADE delete (and lock) the referencing rows too.'),
      '',
      `**Cost:** ${upd ? 'every changed row is written anew' : 'every deleted row stays behind as a dead row'} in one go: the table and its indexes bloat until VACUUM, the WAL spikes and replicas lag. ` +
        'If the statement fails or is cancelled near the end, all of it rolls back.',
      '',
      rows === 'constants'
        ? 'The WHERE compares columns that are not known keys with constants: it may match one row or millions, so this is reported as info.'
        : 'The WHERE is not aimed at specific rows (`= constant` on a key): on a large table it can match most of them.',
      '',
      ...(suggestions
        ? [
            '**Safe way:** let pgshift run it in batches:',
            ...batchHelp(`${first}${stmt.text.trim().includes('\n') ? ' ...' : ''};`),
          ]
        : [
            `**Safe way:** batches that each commit. pgshift's \`-- pgshift:batch\` cannot run this one as written (${batchRefusal(ctx, stmt) ?? 'see batch-directive'}): rewrite it for the directive (a join as a subquery, a key on the table), or batch by hand outside the migration transaction:`,
            '```sql',
            '-- pgshift:no-transaction',
            ...batchLoop(
              ctx,
              `${upd ? `UPDATE ${name} SET <column> = <value>` : `DELETE FROM ${name}`} WHERE ${key} IN (SELECT ${key} FROM ${name} WHERE <condition> LIMIT 1000)`,
            ),
            '```',
          ]),
      '',
      'On a table known to stay small the statement is harmless: silence it with `-- pgshift-ignore unbatched-backfill: <why>`.',
    ].join('\n'),
    suggestions,
  });
};

/** A system catalog (unqualified `pg_*` names resolve to pg_catalog first): not application data. */
function isCatalog(table: QualifiedName): boolean {
  if (table.schema) return table.schema === 'pg_catalog' || table.schema === 'information_schema';
  return table.name.startsWith('pg_');
}
