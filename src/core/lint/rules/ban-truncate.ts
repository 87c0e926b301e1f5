import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { relationRange } from './_relations';

export const meta: RuleMeta = {
  id: 'ban-truncate',
  description: 'TRUNCATE of an existing table deletes every row under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['TruncateStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const truncate = as(stmt.node, 'TruncateStmt')!;
  // TRUNCATE ... CASCADE empties more tables than it names: ban-truncate-cascade reports it.
  if (truncate.behavior === 'DROP_CASCADE') return;
  for (const rel of truncate.relations ?? []) {
    const rv = as(rel, 'RangeVar');
    const table = rangeVarName(rv);
    if (!table || ctx.isNewTable(table)) continue;
    const name = formatName(table);
    ctx.report({
      range: relationRange(ctx, stmt, rv),
      message: `TRUNCATE ${name} deletes every row of ${name} and takes an ACCESS EXCLUSIVE lock on it: reads and writes wait until the transaction ends`,
      help: [
        `**Data loss:** every row of \`${name}\` is gone once the transaction commits` +
          (truncate.restart_seqs ? ', and RESTART IDENTITY resets its sequences.' : '.'),
        '',
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\` until the transaction ends: every SELECT, INSERT, UPDATE and DELETE on it waits. ` +
          'TRUNCATE is also not MVCC-safe: transactions that took their snapshot before it see the table as empty. ' +
          'It fails if another table has a foreign key to this one, unless that table is truncated in the same statement.',
        '',
        '**Safe way:** if the rows must go while the app runs, delete them in batches, each in its own transaction (row locks only, readers unaffected):',
        '```sql',
        '-- pgshift:no-transaction',
        `DELETE FROM ${name} WHERE ctid IN (SELECT ctid FROM ${name} LIMIT 10000);  -- repeat until it deletes 0 rows`,
        '```',
        `If emptying \`${name}\` is the point (a cache or staging table), say so: \`-- pgshift-ignore ban-truncate: <why>\`.`,
      ].join('\n'),
    });
  }
};
