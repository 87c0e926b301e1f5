import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { offsetAfter } from './_util';

export const meta: RuleMeta = {
  id: 'require-concurrent-refresh',
  description:
    'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view for the whole refresh',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['RefreshMatViewStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const r = as(stmt.node, 'RefreshMatViewStmt')!;
  // WITH NO DATA only empties the view (quickly) and cannot be combined with CONCURRENTLY
  if (r.concurrent || r.skipData) return;
  const view = rangeVarName(r.relation);
  if (!view || ctx.isNewTable(view)) return;
  const name = formatName(view);
  const at = offsetAfter(stmt, /^\s*REFRESH\s+MATERIALIZED\s+VIEW\b/i);
  ctx.report({
    range: ctx.rangeAt(stmt, r.relation?.location),
    message: `REFRESH MATERIALIZED VIEW ${name} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock: every read of ${name} waits until the whole query behind it has run again`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while its query runs again from scratch — every \`SELECT\` on the view waits (and queues behind the refresh), until the transaction commits.`,
      '',
      '**Safe way:** refresh it concurrently; readers keep seeing the old contents until the new ones are in:',
      '```sql',
      `-- once: CONCURRENTLY needs a UNIQUE index on plain columns of the view, covering all rows (no WHERE)`,
      `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${view.name}_key ON ${name} (...);`,
      '',
      `REFRESH MATERIALIZED VIEW CONCURRENTLY ${name};`,
      '```',
      'CONCURRENTLY takes only an EXCLUSIVE lock (reads continue) and may run inside a transaction. It computes the new contents and applies the difference, so it is slower when most rows change. It needs the view to be populated already (not created `WITH NO DATA`) and fails without the unique index.',
    ].join('\n'),
    suggestions:
      at === undefined
        ? undefined
        : [
            {
              title: 'Refresh CONCURRENTLY (needs a unique index on the view)',
              edits: [{ range: { start: at, end: at }, newText: ' CONCURRENTLY' }],
            },
          ],
  });
};
