import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import { lockStmtMode } from '../../pg/describe';
import { blocksReads, blocksWrites, whatItBlocks } from '../../pg/lock-modes';
import { NO_ACTIVE_SQL_TRANSACTION } from '../../sqlstate';
import type { Rule, RuleMeta } from '../types';

export const meta: RuleMeta = {
  id: 'ban-lock-table',
  description: 'LOCK TABLE in a mode that blocks reads or writes, held until the transaction ends',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'none',
  kinds: ['LockStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const lock = as(stmt.node, 'LockStmt')!;
  const mode = lockStmtMode(lock);
  const rels = (lock.relations ?? []).map((r) => as(r, 'RangeVar')).filter((r): r is T.RangeVar => !!r);
  if (!stmt.inTransaction) {
    ctx.report({
      range: ctx.rangeAt(stmt, rels[0]?.location),
      message: `LOCK TABLE outside a transaction block fails with "LOCK TABLE can only be used in transaction blocks" (SQLSTATE ${NO_ACTIVE_SQL_TRANSACTION}): this file runs without a transaction`,
      help: 'A table lock lasts until the end of the transaction, so PostgreSQL refuses `LOCK TABLE` in autocommit mode. Run the statement that needs the lock, and the `LOCK TABLE`, in a migration that runs in a transaction (remove `-- pgshift:no-transaction`), or drop the `LOCK TABLE`.',
    });
    return;
  }
  if (!blocksReads(mode) && !blocksWrites(mode)) return;
  const existing = rels.filter((r) => !ctx.isNewTable(rangeVarName(r)!));
  if (existing.length === 0) return;
  const names = existing.map((r) => formatName(rangeVarName(r)));
  const blocked = blocksReads(mode) ? 'reads and writes' : 'writes';
  ctx.report({
    range: ctx.rangeAt(stmt, existing[0].location),
    message: `LOCK TABLE ${names.join(', ')} takes ${mode} until the transaction ends: ${blocked} of ${names.length > 1 ? 'these tables' : names[0]} wait for the rest of the migration`,
    help: [
      `**Lock:** ${mode} ${whatItBlocks(mode)}. An explicit lock is held until COMMIT, so everything the migration does after it runs with ${names.map((n) => `\`${n}\``).join(', ')} blocked.${lock.nowait ? '' : ' While it waits for running queries to finish, new queries on the table queue behind it too.'}`,
      '',
      '**Safe way:** avoid explicit locks in migrations; the DDL statements take the locks they need. If you do need one:',
      '```sql',
      "SET lock_timeout = '5s';  -- give up instead of queueing the application behind the lock",
      `LOCK TABLE ${names.join(', ')} IN ${mode} MODE;`,
      '-- ... as little work as possible: the lock is released only at COMMIT',
      '```',
      'Take the weakest mode that protects what you need (SHARE blocks writes but not reads; ACCESS EXCLUSIVE blocks both), take it as late as possible, and keep the rest of the transaction short.',
    ].join('\n'),
  });
};
