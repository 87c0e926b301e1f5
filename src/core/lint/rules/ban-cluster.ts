import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'ban-cluster',
  description:
    'CLUSTER rewrites the table in index order under an ACCESS EXCLUSIVE lock, blocking reads and writes',
  defaultSeverity: 'warning',
  category: 'rewrite',
  fixable: 'none',
  kinds: ['ClusterStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const c = as(stmt.node, 'ClusterStmt')!;
  const table = rangeVarName(c.relation);
  if (table && ctx.isNewTable(table)) return;
  const name = table ? formatName(table) : undefined;
  const index = c.indexname ?? 'the_index';
  ctx.report({
    range: table ? ctx.rangeAt(stmt, c.relation?.location) : (rangeOf(stmt, /^\s*CLUSTER\b/i) ?? stmt.range),
    message: name
      ? `CLUSTER ${name} rewrites ${name} in index order under an ACCESS EXCLUSIVE lock: reads and writes wait until the table and all its indexes are rewritten`
      : 'CLUSTER without a table rewrites every table that was clustered before, each under an ACCESS EXCLUSIVE lock: reads and writes of each wait until it is rewritten',
    help: [
      `**Lock:** ACCESS EXCLUSIVE on ${name ? `\`${name}\`` : 'each table in turn'} for the whole rewrite and index rebuild — every query on the table, reads included, waits. It also needs free disk space for a second copy of the table and its indexes. The order is not maintained afterwards: new rows go wherever there is room.`,
      '',
      '**Safe way:**',
      `- Use the [pg_repack](https://reorg.github.io/pg_repack/) extension, which rewrites the table in index order while reads and writes continue (\`pg_repack --table=${name ?? 'the_table'} --order-by=...\`) and locks it only briefly at the end; it needs a primary key or a unique index on NOT NULL columns.`,
      ctx.postgresVersion >= 19
        ? `- On PostgreSQL 19 and later, \`REPACK (CONCURRENTLY) ${name ?? 'the_table'} USING INDEX ${index};\` does the same in core: the lock is ACCESS EXCLUSIVE only for the final swap. It needs a primary key or replica identity index and uses a replication slot; run it outside a transaction (\`-- pgshift:no-transaction\`).`
        : '- From PostgreSQL 19, `REPACK (CONCURRENTLY) ... USING INDEX` does this in core, taking ACCESS EXCLUSIVE only for the final swap.',
      '',
      'Either way, this is maintenance rather than a schema change: run it outside the migration, at a quiet time. `ALTER TABLE ... CLUSTER ON index` alone only records the index and is harmless.',
    ].join('\n'),
  });
};
