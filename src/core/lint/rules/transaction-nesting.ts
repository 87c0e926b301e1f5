import { as } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { keyword, transactionEvents } from './_transactions';
import { lineOf } from './_util';

export const meta: RuleMeta = {
  id: 'transaction-nesting',
  description:
    'BEGIN inside an open transaction (PostgreSQL has no nested transactions), or SAVEPOINT outside one',
  defaultSeverity: 'error',
  category: 'transactions',
  fixable: 'none',
  kinds: [],
};

export const checkFile: Rule['checkFile'] = (ctx) => {
  for (const e of transactionEvents(ctx)) {
    if (e.kind === 'nested-begin') {
      const outer = lineOf(ctx, e.open!);
      ctx.report({
        range: e.stmt.range,
        message: `${keyword(e.stmt)} inside the transaction opened on line ${outer}: PostgreSQL only warns "there is already a transaction in progress", so the next COMMIT commits everything since line ${outer}`,
        help: [
          '**Transactions:** PostgreSQL has no nested transactions. The inner BEGIN does nothing but warn; the first COMMIT (or ROLLBACK) after it ends the ' +
            `outer transaction, so the statements between line ${outer} and that COMMIT are committed — or rolled back — together, and whatever follows runs outside any transaction.`,
          '',
          '**Safe way:** end the first transaction before starting the next, or, to undo part of a transaction, use a savepoint:',
          '```sql',
          'BEGIN;',
          '-- ...',
          'SAVEPOINT before_backfill;',
          '-- ...',
          'ROLLBACK TO SAVEPOINT before_backfill;  -- or RELEASE SAVEPOINT before_backfill;',
          'COMMIT;',
          '```',
          'A file with its own BEGIN/COMMIT is not wrapped in a transaction by the runner.',
        ].join('\n'),
      });
    } else if (e.kind === 'savepoint-outside') {
      const tk = as(e.stmt.node, 'TransactionStmt')?.kind;
      const what =
        tk === 'TRANS_STMT_RELEASE'
          ? 'RELEASE SAVEPOINT'
          : tk === 'TRANS_STMT_ROLLBACK_TO'
            ? 'ROLLBACK TO SAVEPOINT'
            : 'SAVEPOINT';
      ctx.report({
        range: e.stmt.range,
        message: `${what} outside a transaction block fails: "${what} can only be used in transaction blocks"`,
        help: [
          '**Transactions:** savepoints exist only inside a transaction block. This file has its own transaction statements, so the runner does not wrap it, ' +
            'and no BEGIN is open at this point: the statement fails and stops the migration.',
          '',
          '**Safe way:** open the transaction first:',
          '```sql',
          'BEGIN;',
          'SAVEPOINT step_1;',
          '-- ...',
          'COMMIT;',
          '```',
        ].join('\n'),
      });
    }
  }
};
