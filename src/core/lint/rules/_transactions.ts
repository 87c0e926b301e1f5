/** The explicit transaction statements of a file (BEGIN, COMMIT, SAVEPOINT, ...), replayed in order. */
import { as } from '../ast';
import type { RuleContext, Stmt } from '../types';

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

/** BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, ... as written. */
export function keyword(stmt: Stmt): string {
  return (/^\s*([A-Za-z]+)/.exec(stmt.text)?.[1] ?? 'BEGIN').toUpperCase();
}
