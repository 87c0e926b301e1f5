import { transactionRule } from '../../pg/transaction';
import { ACTIVE_SQL_TRANSACTION } from '../../sqlstate';
import { as, stringList } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { noTransactionEdits, rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'concurrently-in-transaction',
  description:
    'A statement PostgreSQL refuses inside a transaction block (CONCURRENTLY, VACUUM, CREATE DATABASE, ...) in a file that runs in one',
  defaultSeverity: 'error',
  category: 'transactions',
  fixable: 'suggestion',
  kinds: [
    'IndexStmt',
    'DropStmt',
    'ReindexStmt',
    'AlterTableStmt',
    'VacuumStmt',
    'ClusterStmt',
    'CreatedbStmt',
    'DropdbStmt',
    'AlterDatabaseStmt',
    'CreateTableSpaceStmt',
    'DropTableSpaceStmt',
    'AlterSystemStmt',
    'DiscardStmt',
    'AlterEnumStmt',
  ],
};

export const check: Rule['check'] = (stmt, ctx) => {
  if (!stmt.inTransaction) return;
  const refused = refusedCommand(stmt, ctx);
  if (!refused) return;
  const where = stmt.origin === 'do-block' ? 'do-block' : ctx.explicitTransactions ? 'explicit' : 'runner';
  // In a DO block PostgreSQL names the transaction block first, if the DO itself runs in one.
  const doInTransaction = where === 'do-block' && enclosingTop(ctx, stmt)?.inTransaction;
  const pgError =
    where === 'do-block' && !doInTransaction
      ? `${refused.command} cannot be executed from a function`
      : `${refused.command} cannot run inside a transaction block`;
  const context = {
    runner:
      ctx.changeSetHeaderEnd !== undefined
        ? 'Liquibase (and pgshift) run this changeset in a transaction: its --changeset line has no runInTransaction:false'
        : 'the runner wraps this file in a transaction because it holds other statements too (no `-- pgshift:no-transaction` directive)',
    explicit: 'it runs between BEGIN and COMMIT',
    'do-block': 'it runs inside a DO block',
  }[where];
  ctx.report({
    range: refused.range ?? stmt.range,
    message: `${refused.command} fails here with "${pgError}" (SQLSTATE ${ACTIVE_SQL_TRANSACTION}): ${context}`,
    help: [
      `**Why it fails:** \`${refused.command}\` commits work of its own (or must never be rolled back), so PostgreSQL refuses to run it inside a transaction block or a function: \`ERROR: ${pgError}\`. Here ${context}.`,
      '',
      '**Fix:**',
      where === 'runner'
        ? 'Split the file: move this statement to a migration of its own. A file that holds only statements PostgreSQL refuses in a transaction runs outside one by itself (as Flyway runs it), so it needs no directive; make it re-runnable (`IF NOT EXISTS` / `IF EXISTS`). Or mark this whole file with `-- pgshift:no-transaction` on its first line: then every statement of it commits on its own, and a failure halfway leaves the earlier ones applied.'
        : where === 'explicit'
          ? 'Move the statement out of the BEGIN … COMMIT block, into its own migration marked `-- pgshift:no-transaction`.'
          : 'Move the statement out of the DO block: run it as a top-level statement in its own migration marked `-- pgshift:no-transaction`.',
      '```sql',
      '-- pgshift:no-transaction',
      `${stmt.text.trim()};`,
      '```',
    ].join('\n'),
    suggestions:
      where === 'runner'
        ? [
            {
              title:
                ctx.changeSetHeaderEnd !== undefined
                  ? 'Run this changeset outside a transaction (runInTransaction:false)'
                  : 'Run this file outside a transaction (-- pgshift:no-transaction)',
              edits: noTransactionEdits(ctx),
            },
          ]
        : undefined,
  });
};

interface Refused {
  /** The command name as PostgreSQL's error message spells it. */
  command: string;
  range?: Range;
}

// src/core/pg's answer, plus ALTER TYPE ... ADD VALUE before PostgreSQL 12, which depends on the file.
function refusedCommand(stmt: Stmt, ctx: RuleContext): Refused | undefined {
  const rule = transactionRule(stmt.node);
  if (rule.kind === 'no-transaction') return { command: rule.command, range: rangeOf(stmt, rule.marker) };
  if (stmt.kind === 'AlterEnumStmt' && enumAddBefore12(stmt, ctx))
    return { command: 'ALTER TYPE ... ADD', range: rangeOf(stmt, /\bADD\s+VALUE\b/i) };
  return undefined;
}

// Before PostgreSQL 12, ADD VALUE is refused in a transaction unless the enum was created in that same transaction.
function enumAddBefore12(stmt: Stmt, ctx: RuleContext): boolean {
  const e = as(stmt.node, 'AlterEnumStmt')!;
  if (ctx.postgresVersion >= 12 || e.oldVal || !e.newVal) return false;
  const name = stringList(e.typeName).join('.');
  return !ctx.statements.some(
    (s) =>
      s.index < stmt.index &&
      s.txId === stmt.txId &&
      s.inTransaction &&
      stringList(as(s.node, 'CreateEnumStmt')?.typeName).join('.') === name,
  );
}

function enclosingTop(ctx: RuleContext, stmt: Stmt): Stmt | undefined {
  for (let i = stmt.index - 1; i >= 0; i--) if (ctx.statements[i]?.origin === 'top') return ctx.statements[i];
  return undefined;
}
