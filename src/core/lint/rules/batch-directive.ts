import { batchTarget } from '../../pg/batch';
import { formatName } from '../ast';
import type { BatchAt, Rule, RuleContext, RuleMeta } from '../types';

export const meta: RuleMeta = {
  id: 'batch-directive',
  description:
    'A -- pgshift:batch directive the runner would refuse: bad options, no statement after it, a statement it cannot batch, or no key to batch by',
  defaultSeverity: 'error',
  category: 'correctness',
  fixable: 'none',
  kinds: [],
};

const HELP = [
  '`-- pgshift:batch [size=N|auto] [key=column] [delay=10ms] [target=200ms]` goes on the line before one `UPDATE`, `DELETE` or `INSERT … SELECT`. ' +
    'The runner runs that statement in keyset ranges of the key, each range in its own short transaction with a checkpoint, ' +
    'so a crash or a cancel loses nothing and the next `pgshift up` continues where it stopped. ' +
    'The file runs statement by statement, outside one wrapping transaction.',
  '',
  'The runner refuses the whole migration before anything of it runs when a directive cannot work; this finding says why ahead of time. ' +
    'Batches need a statement on one table (no CTE, no `UPDATE … FROM` / `DELETE … USING` join, no `RETURNING`) and a key: ' +
    'the single-column primary key, a unique NOT NULL column, or the one `key=` names.',
].join('\n');

export const checkFile: Rule['checkFile'] = (ctx) => {
  const seen = new Set<number>();
  for (const b of ctx.batches) {
    const reason = problem(ctx, b, seen);
    if (reason) ctx.report({ range: b.range, message: `pgshift:batch: ${reason}`, help: HELP });
  }
};

function problem(ctx: RuleContext, b: BatchAt, seen: Set<number>): string | undefined {
  if (b.error) return b.error;
  if (!b.follows)
    return 'no statement follows it: put it on the line before the UPDATE, DELETE or INSERT … SELECT to batch';
  const stmt = b.statement;
  if (!stmt) return undefined; // the statement does not parse: syntax-error says so
  if (seen.has(stmt.index)) return 'a second directive before the same statement: keep one';
  seen.add(stmt.index);
  const t = batchTarget(stmt.node);
  if (!t.ok) return t.reason;
  if (stmt.inTransaction)
    return "the statement is inside the file's own BEGIN … COMMIT, so its batches could not commit one by one: remove the BEGIN and COMMIT";
  const { table } = t.target;
  const known = ctx.schema.table(table);
  // only a table whose whole definition the migrations showed can be said to lack a key
  if (!known?.complete) return undefined;
  const name = formatName(table);
  const keys = ctx.schema.keyColumns(table);
  const key = b.options?.key;
  if (key) {
    if (!ctx.schema.column(table, key)) return `key=${key}: ${name} has no column ${key}`;
    if (!keys.includes(key))
      return `key=${key}: ${name} has no unique index on ${key} alone, or the column may be NULL; batches need a unique NOT NULL key`;
    return undefined;
  }
  if (!keys.length)
    return `${name} has no single-column primary key or unique NOT NULL column to batch by: add key=<column> naming one`;
  return undefined;
}
