import type { Rule, RuleMeta } from '../types';
import { addedConstraints } from './_constraints';
import { alterOfExistingTable } from './_relations';

export const meta: RuleMeta = {
  id: 'exclusion-constraint',
  description:
    'ADD CONSTRAINT ... EXCLUDE on an existing table builds its index under an ACCESS EXCLUSIVE lock; there is no online form',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { name } = target;
  for (const { con, conName, range } of addedConstraints(ctx, stmt, target, ['CONSTR_EXCLUSION'])) {
    ctx.report({
      range,
      message: `ALTER TABLE ${name} ADD CONSTRAINT ${conName} EXCLUDE builds its ${con.access_method ?? 'btree'} index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes on ${name} wait until it finishes, and there is no NOT VALID or concurrent form`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL builds the ${con.access_method ?? 'btree'} index and checks every pair of conflicting rows — every query on the table, reads included, waits (and queues behind it) until it ends.`,
        '',
        '**No online way:** unlike UNIQUE, an exclusion constraint can be neither added `NOT VALID` nor attached to an index built `CONCURRENTLY` (`USING INDEX` accepts only unique b-tree indexes). What you can do:',
        `- run it when \`${name}\` is quiet, in a migration of its own, and time it on a copy of production first;`,
        ctx.runnerSetsLockTimeout
          ? "- keep the runner's `lock_timeout` short, so the statement gives up instead of queueing every query behind it while it waits for its lock;"
          : "- `SET lock_timeout = '2s'` first, so the statement gives up instead of queueing every query behind it while it waits for its lock;",
        `- for a large table, create a new table with the constraint, copy the rows in batches while a trigger mirrors new writes, then swap the names in one short transaction.`,
      ].join('\n'),
    });
  }
};
