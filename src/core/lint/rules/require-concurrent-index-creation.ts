import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { noTransactionEdits, offsetAfter } from './_util';

export const meta: RuleMeta = {
  id: 'require-concurrent-index-creation',
  description: 'CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['IndexStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const idx = as(stmt.node, 'IndexStmt')!;
  if (idx.concurrent) return;
  const table = rangeVarName(idx.relation);
  if (!table || ctx.isNewTable(table)) return;
  const name = formatName(table);
  const at = offsetAfter(stmt, /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b/i);
  ctx.report({
    range: ctx.rangeAt(stmt, idx.relation?.location),
    message: `CREATE INDEX on ${name} without CONCURRENTLY takes a SHARE lock: writes to ${name} wait until the whole index is built`,
    help: [
      `**Lock:** SHARE on \`${name}\` for the whole build — INSERT, UPDATE and DELETE wait (reads continue). On a large table that is minutes of failed or queued writes.`,
      '',
      '**Safe way:** build it concurrently, in a file that runs outside a transaction:',
      '```sql',
      '-- pgshift:no-transaction',
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${idx.idxname ?? 'index_name'} ON ${name} (...);`,
      '```',
      'CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE (reads and writes continue) but scans the table twice. If it fails it leaves an INVALID index: drop it with `DROP INDEX CONCURRENTLY` and retry.',
    ].join('\n'),
    suggestions:
      at === undefined
        ? undefined
        : [
            {
              title: 'Build the index CONCURRENTLY (the file then runs outside a transaction)',
              edits: [
                ...noTransactionEdits(ctx),
                { range: { start: at, end: at }, newText: ' CONCURRENTLY' },
              ],
            },
          ],
  });
};
