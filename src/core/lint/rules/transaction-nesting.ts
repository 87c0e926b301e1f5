import { as } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';

export const meta: RuleMeta = {
  id: 'transaction-nesting',
  description: 'BEGIN inside an open transaction (PostgreSQL has no nested transactions), or SAVEPOINT outside one',
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
      const what = tk === 'TRANS_STMT_RELEASE' ? 'RELEASE SAVEPOINT' : tk === 'TRANS_STMT_ROLLBACK_TO' ? 'ROLLBACK TO SAVEPOINT' : 'SAVEPOINT';
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

export interface TransactionEvent {
  kind: 'nested-begin' | 'savepoint-outside' | 'end-without-begin' | 'left-open';
  stmt: Stmt;
  /** the BEGIN of the transaction open at that point (nested-begin, left-open) */
  open?: Stmt;
  /** the statement that ended the previous transaction, if any (end-without-begin) */
  lastEnd?: Stmt;
  /** statements that ran in autocommit since the previous transaction ended (end-without-begin) */
  autocommitted?: Stmt[];
}

/**
 * Replays the explicit transaction statements of the file (or dbmate section). A file that has any is
 * not wrapped by the runner (see the engine), so no transaction is open at the start.
 */
export function transactionEvents(ctx: RuleContext): TransactionEvent[] {
  const events: TransactionEvent[] = [];
  let open: Stmt | undefined;
  let lastEnd: Stmt | undefined;
  let autocommitted: Stmt[] = [];
  for (const stmt of ctx.statements) {
    if (stmt.origin !== 'top') continue;
    const tx = as(stmt.node, 'TransactionStmt');
    if (!tx) {
      if (!open) autocommitted.push(stmt);
      continue;
    }
    switch (tx.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        if (open) events.push({ kind: 'nested-begin', stmt, open });
        else open = stmt;
        break;
      case 'TRANS_STMT_SAVEPOINT':
      case 'TRANS_STMT_RELEASE':
      case 'TRANS_STMT_ROLLBACK_TO':
        if (!open) events.push({ kind: 'savepoint-outside', stmt });
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        if (!open) events.push({ kind: 'end-without-begin', stmt, lastEnd, autocommitted });
        // AND CHAIN starts a new transaction at once
        open = tx.chain && open ? stmt : undefined;
        lastEnd = stmt;
        autocommitted = [];
        break;
      default:
        break;
    }
  }
  if (open) events.push({ kind: 'left-open', stmt: open, open });
  return events;
}

export function lineOf(ctx: RuleContext, stmt: Stmt): number {
  return ctx.source.positionAt(stmt.range.start).line + 1;
}

/** BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, ... as written. */
export function keyword(stmt: Stmt): string {
  return (/^\s*([A-Za-z]+)/.exec(stmt.text)?.[1] ?? 'BEGIN').toUpperCase();
}
