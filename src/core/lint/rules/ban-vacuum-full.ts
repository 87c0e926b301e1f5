import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'ban-vacuum-full',
  description: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes',
  defaultSeverity: 'warning',
  category: 'rewrite',
  fixable: 'none',
  kinds: ['VacuumStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const v = as(stmt.node, 'VacuumStmt')!;
  const full = (v.options ?? []).map((o) => as(o, 'DefElem')).find((d) => d?.defname === 'full');
  if (!full || isFalse(full.arg)) return;
  const rels = (v.rels ?? [])
    .map((r) => as(r, 'VacuumRelation')?.relation)
    .filter((r): r is T.RangeVar => !!r);
  const existing = rels.filter((r) => !ctx.isNewTable(rangeVarName(r)!));
  if (rels.length > 0 && existing.length === 0) return;
  const names = existing.map((r) => formatName(rangeVarName(r)));
  const what = names.length ? names.join(', ') : 'every table of the database';
  const first = names[0] ?? 'the_table';
  ctx.report({
    range: existing.length
      ? ctx.rangeAt(stmt, existing[0].location)
      : (rangeOf(stmt, /\bFULL\b/i) ?? stmt.range),
    message: `VACUUM FULL rewrites ${what} under an ACCESS EXCLUSIVE lock: reads and writes wait until the table and all its indexes are rewritten`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on ${names.length ? names.map((n) => `\`${n}\``).join(', ') : 'each table in turn'} for the whole rewrite — every query on the table, reads included, waits. It also needs free disk space for a full second copy of the table and its indexes.`,
      '',
      '**Safe way:**',
      `- Usually plain \`VACUUM ${first};\` is enough: it makes dead space reusable with only a SHARE UPDATE EXCLUSIVE lock (reads and writes continue), though it rarely gives disk space back to the operating system.`,
      `- To shrink the table online, use the [pg_repack](https://reorg.github.io/pg_repack/) extension (\`pg_repack --table=${first}\`), which rebuilds it while reads and writes continue and locks it only briefly at the end; it needs a primary key or a unique index on NOT NULL columns.`,
      ctx.postgresVersion >= 19
        ? `- On PostgreSQL 19 and later, \`REPACK (CONCURRENTLY) ${first};\` does the same in core: the lock is ACCESS EXCLUSIVE only for the final swap. It needs a primary key or replica identity index and uses a replication slot; run it outside a transaction (\`-- pgshift:no-transaction\`).`
        : '- From PostgreSQL 19, `REPACK (CONCURRENTLY)` does this in core, taking ACCESS EXCLUSIVE only for the final swap.',
      '',
      'Either way, this is maintenance rather than a schema change: run it outside the migration, at a quiet time.',
    ].join('\n'),
  });
};

function isFalse(arg: unknown): boolean {
  const s = as(arg, 'String')?.sval;
  const i = as(arg, 'Integer');
  return (s !== undefined && /^(false|off|no|0)$/i.test(s)) || (i !== undefined && !i.ival);
}
