import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { keyword, transactionEvents } from './_transactions';
import { endOfStatement, lineOf } from './_util';

export const meta: RuleMeta = {
  id: 'commit-without-begin',
  description:
    'COMMIT or ROLLBACK with no open transaction: a no-op that also stops the runner from wrapping the file',
  defaultSeverity: 'warning',
  category: 'transactions',
  fixable: 'suggestion',
  kinds: [],
};

export const checkFile: Rule['checkFile'] = (ctx) => {
  const events = transactionEvents(ctx);
  const onlyTxStatement = ctx.statements.filter((s) => s.kind === 'TransactionStmt').length === 1;
  for (const e of events) {
    if (e.kind !== 'end-without-begin') continue;
    const word = keyword(e.stmt);
    const ran = e.autocommitted ?? [];
    const message =
      ran.length > 0
        ? `${word} with no open transaction: PostgreSQL only warns "there is no transaction in progress", and the ${ran.length === 1 ? 'statement' : `${ran.length} statements`} before it ran without a transaction, each committed on its own`
        : e.lastEnd
          ? `${word} with no open transaction: the transaction already ended on line ${lineOf(ctx, e.lastEnd)}; PostgreSQL only warns "there is no transaction in progress"`
          : `${word} with no open transaction: PostgreSQL only warns "there is no transaction in progress"`;
    ctx.report({
      range: e.stmt.range,
      message,
      help: [
        `**Transactions:** a file that contains its own transaction statements is not wrapped in a transaction by the runner. With no BEGIN before it, ` +
          `this ${word} has nothing to end: the statements before it ran one by one in autocommit, so if one fails, the earlier ones stay applied and the migration is half done.` +
          (word === 'ROLLBACK' || word === 'ABORT' ? ' Nor does it undo anything.' : ''),
        '',
        onlyTxStatement
          ? `**Safe way:** remove the ${word}: the runner then runs the whole file in one transaction and commits it at the end. Or open the transaction explicitly with BEGIN.`
          : `**Safe way:** open the transaction it is meant to end with BEGIN, or remove the ${word}.`,
      ].join('\n'),
      suggestions: [
        {
          title: onlyTxStatement
            ? `Remove ${word} (the runner then wraps the file in one transaction)`
            : `Remove ${word}`,
          edits: [removal(ctx, e.stmt)],
        },
      ],
    });
  }
};

/** The statement, its semicolon and the rest of its line when nothing else is on it. */
function removal(ctx: RuleContext, stmt: Stmt): { range: { start: number; end: number }; newText: string } {
  let end = endOfStatement(ctx, stmt).at;
  const rest = ctx.source.slice(end, Math.min(ctx.source.length, end + 256));
  const eol = /^[ \t]*(?:\r?\n|$)/.exec(rest);
  if (eol) end += Buffer.byteLength(eol[0], 'utf8');
  return { range: { start: stmt.range.start, end }, newText: '' };
}
