import type { Rule, RuleMeta } from '../types';
import { batchHelp, batchLoop, everyRowTargets } from './_dml';

export const meta: RuleMeta = {
  id: 'update-without-where',
  description:
    'UPDATE without WHERE on an existing table rewrites every row and keeps each one locked until commit',
  defaultSeverity: 'warning',
  category: 'data-loss',
  fixable: 'suggestion',
  // data-modifying CTEs (WITH x AS (UPDATE ...)) hide inside SELECT, INSERT and DELETE statements
  kinds: ['UpdateStmt', 'SelectStmt', 'InsertStmt', 'DeleteStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const { name, range, suggestions } of everyRowTargets(stmt, ctx, 'UpdateStmt')) {
    ctx.report({
      range,
      message: `UPDATE ${name} has no WHERE: it rewrites every row of ${name} and keeps each one locked until the transaction ends`,
      help: [
        `**Data:** every row of \`${name}\` gets the new values — if the statement was meant for some rows only, the others are overwritten, with no undo after commit. ` +
          'Each row is written anew, so the table and its indexes grow by the size of the table until VACUUM, and the WAL and replicas have to take it all.',
        '',
        `**Locks:** every updated row stays locked until the transaction ends: concurrent UPDATE, DELETE and SELECT ... FOR UPDATE of any row of \`${name}\` wait, ` +
          'for as long as the whole statement (and the rest of the migration transaction) takes.',
        '',
        '**Safe way:** add the WHERE the change needs. For a real backfill of the whole table, let pgshift run it in batches:',
        ...batchHelp(`UPDATE ${name} SET <column> = <value>;`),
        '',
        'Or by hand, in batches that each commit, outside the migration transaction:',
        '```sql',
        '-- pgshift:no-transaction',
        ...batchLoop(
          ctx,
          `UPDATE ${name} SET <column> = <value> WHERE id IN (SELECT id FROM ${name} WHERE <column> IS DISTINCT FROM <value> LIMIT 1000)`,
        ),
        '```',
      ].join('\n'),
      suggestions,
    });
  }
};
