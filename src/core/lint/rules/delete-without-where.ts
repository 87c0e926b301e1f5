import type { Rule, RuleMeta } from '../types';
import { batchHelp, batchLoop, everyRowTargets } from './_dml';

export const meta: RuleMeta = {
  id: 'delete-without-where',
  description:
    'DELETE without WHERE on an existing table deletes every row and keeps each one locked until commit',
  defaultSeverity: 'warning',
  category: 'data-loss',
  fixable: 'suggestion',
  // data-modifying CTEs (WITH x AS (DELETE ...)) hide inside SELECT, INSERT and UPDATE statements
  kinds: ['DeleteStmt', 'SelectStmt', 'InsertStmt', 'UpdateStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const { name, range, suggestions } of everyRowTargets(stmt, ctx, 'DeleteStmt')) {
    ctx.report({
      range,
      message: `DELETE FROM ${name} has no WHERE: it deletes every row of ${name} and keeps each one locked until the transaction ends`,
      help: [
        `**Data:** every row of \`${name}\` is deleted, with no undo after commit (\`DELETE ... USING\` without a WHERE joining the tables does the same as soon as the other table has a row).`,
        '',
        `**Locks:** every deleted row stays locked until the transaction ends: concurrent UPDATE, DELETE and SELECT ... FOR UPDATE of any row of \`${name}\` wait ` +
          'for the whole statement and the rest of the migration transaction. Foreign keys with ON DELETE CASCADE delete the referencing rows too.',
        '',
        '**Safe way:** add the WHERE the change needs. To empty a large table while the app runs, let pgshift delete in batches:',
        ...batchHelp(`DELETE FROM ${name};`),
        '',
        'Or by hand, in batches that each commit, outside the migration transaction:',
        '```sql',
        '-- pgshift:no-transaction',
        ...batchLoop(ctx, `DELETE FROM ${name} WHERE ctid IN (SELECT ctid FROM ${name} LIMIT 1000)`),
        '```',
      ].join('\n'),
      suggestions,
    });
  }
};
