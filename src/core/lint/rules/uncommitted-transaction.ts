import type { Rule, RuleMeta } from '../types';
import { keyword, transactionEvents } from './_transactions';
import { endOfStatement, lineOf } from './_util';

export const meta: RuleMeta = {
  id: 'uncommitted-transaction',
  description:
    'A BEGIN with no COMMIT by the end of the file: the transaction is left open and its work rolled back',
  defaultSeverity: 'error',
  category: 'transactions',
  fixable: 'fix',
  kinds: [],
};

export const checkFile: Rule['checkFile'] = (ctx) => {
  const open = transactionEvents(ctx).find((e) => e.kind === 'left-open');
  if (!open) return;
  const tops = ctx.statements.filter((s) => s.origin === 'top');
  const last = tops[tops.length - 1];
  const end = endOfStatement(ctx, last);
  const word = keyword(open.stmt);
  const where = /^[ \t]*--[ \t]*migrate:(?:up|down)\b/im.test(ctx.source.text) ? 'section' : 'file';
  const opened =
    word === 'COMMIT' || word === 'END' || word === 'ROLLBACK' || word === 'ABORT'
      ? `${word} AND CHAIN`
      : word;
  ctx.report({
    range: open.stmt.range,
    message: `${opened} on line ${lineOf(ctx, open.stmt)} is never committed: the transaction is still open at the end of the ${where}, and PostgreSQL rolls back everything in it when the connection closes`,
    help: [
      `**Transactions:** a file with its own transaction statements is not wrapped by the runner, so nothing commits the transaction opened on line ${lineOf(ctx, open.stmt)}. ` +
        'Its changes are invisible to everyone else while the connection stays open, their locks stay held, and they are rolled back when it closes: ' +
        'the migration can look applied while none of it is.',
      '',
      '**Fix:** end the transaction where the file ends:',
      '```sql',
      'COMMIT;',
      '```',
    ].join('\n'),
    fix: {
      title: 'Add the missing COMMIT at the end',
      edits: [{ range: { start: end.at, end: end.at }, newText: `${end.hasSemicolon ? '' : ';'}\nCOMMIT;` }],
    },
  });
};
