import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import type { Range, Rule, RuleMeta, Stmt } from '../types';
import { indexCreatedInFile } from './_relations';
import { noTransactionEdits, offsetAfter, rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'require-concurrent-reindex',
  description:
    'REINDEX without CONCURRENTLY blocks writes to the table and nearly every read while it rebuilds',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['ReindexStmt'],
};

const KINDS: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
  REINDEX_OBJECT_SYSTEM: 'SYSTEM',
};

export const check: Rule['check'] = (stmt, ctx) => {
  const r = as(stmt.node, 'ReindexStmt')!;
  const option = concurrentlyOption(r);
  if (option === true) return;
  const kind = KINDS[r.kind ?? ''] ?? 'INDEX';
  const rel = rangeVarName(r.relation);
  if (rel && kind === 'TABLE' && ctx.isNewTable(rel)) return;
  if (rel && kind === 'INDEX' && indexCreatedInFile(ctx, stmt, rel)) return;
  const target = rel ? formatName(rel) : (r.name ?? '');
  const what = `REINDEX ${kind}${target ? ` ${target}` : ''}`;
  const on = kind === 'INDEX' ? 'its table' : kind === 'TABLE' ? target : 'each table in turn';
  const scope =
    kind === 'INDEX'
      ? `blocks writes to its table and takes ACCESS EXCLUSIVE on ${target}: nearly every query on the table waits`
      : kind === 'TABLE'
        ? `blocks writes to ${target} and takes ACCESS EXCLUSIVE on its indexes: nearly every query on ${target} waits`
        : `rebuilds every index ${kind === 'SCHEMA' ? 'of the schema' : kind === 'SYSTEM' ? 'of the system catalogs' : 'of the database'}, blocking writes to each table and nearly every query on it`;
  const canConcurrent = kind !== 'SYSTEM' && ctx.postgresVersion >= 12;
  const at = offsetAfter(stmt, /^\s*REINDEX\s*(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE)\b/i);
  const canFix =
    canConcurrent &&
    option === undefined &&
    at !== undefined &&
    stmt.origin === 'top' &&
    !(stmt.inTransaction && ctx.explicitTransactions);
  ctx.report({
    range: rel ? ctx.rangeAt(stmt, r.relation?.location) : (keywordRange(stmt) ?? stmt.range),
    message: `${what} without CONCURRENTLY ${scope} until its indexes are rebuilt`,
    help: [
      `**Lock:** SHARE on ${on} (INSERT, UPDATE and DELETE wait) and ACCESS EXCLUSIVE on each index being rebuilt. The planner locks every index of a table it plans a query for, so in practice reads queue too — for the whole rebuild, on a large table minutes.`,
      '',
      canConcurrent
        ? [
            '**Safe way:** rebuild concurrently, in a file that runs outside a transaction:',
            '```sql',
            '-- pgshift:no-transaction',
            `REINDEX ${kind} CONCURRENTLY ${target};`,
            '```',
            'CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE (reads and writes continue) and builds a new copy of each index before swapping it in. If it fails it leaves an INVALID `*_ccnew` index: drop it and run the REINDEX again. Indexes of exclusion constraints cannot be rebuilt concurrently.',
          ].join('\n')
        : kind === 'SYSTEM'
          ? '**Safe way:** system catalogs cannot be reindexed concurrently; run `REINDEX SYSTEM` in a maintenance window, not in a migration.'
          : [
              `**Safe way:** PostgreSQL ${ctx.postgresVersion} has no \`REINDEX CONCURRENTLY\` (it came in 12). Build a replacement index concurrently, then swap it in, outside a transaction:`,
              '```sql',
              '-- pgshift:no-transaction',
              'CREATE INDEX CONCURRENTLY new_idx ON the_table (...);  -- same definition as the old index',
              'DROP INDEX CONCURRENTLY old_idx;',
              'ALTER INDEX new_idx RENAME TO old_idx;',
              '```',
              'Indexes behind a PRIMARY KEY or UNIQUE constraint need `ALTER TABLE ... ADD CONSTRAINT ... USING INDEX` instead of the drop.',
            ].join('\n'),
      kind === 'SCHEMA' || kind === 'DATABASE' || kind === 'SYSTEM'
        ? `\n\`REINDEX ${kind}\` also cannot run inside a transaction block.`
        : '',
    ].join('\n'),
    suggestions: canFix
      ? [
          {
            title: 'Rebuild CONCURRENTLY (the file then runs outside a transaction)',
            edits: [
              ...(stmt.inTransaction ? noTransactionEdits(ctx) : []),
              { range: { start: at!, end: at! }, newText: ' CONCURRENTLY' },
            ],
          },
        ]
      : undefined,
  });
};

/** true / false when the statement says CONCURRENTLY [true|false], undefined when it says nothing. */
function concurrentlyOption(r: T.ReindexStmt): boolean | undefined {
  const opt = (r.params ?? []).map((p) => as(p, 'DefElem')).find((d) => d?.defname === 'concurrently');
  if (!opt) return undefined;
  const s = as(opt.arg, 'String')?.sval ?? as(opt.arg, 'A_Const')?.sval?.sval;
  const n = as(opt.arg, 'Integer') ?? as(opt.arg, 'A_Const')?.ival;
  if (s !== undefined) return !/^(false|off|no|0)$/i.test(s);
  if (n !== undefined) return (n.ival ?? 0) !== 0;
  return true;
}

function keywordRange(stmt: Stmt): Range | undefined {
  return rangeOf(
    stmt,
    /\b(?:SCHEMA|DATABASE|SYSTEM)\b(?:\s+(?:CONCURRENTLY\s+)?(?:"(?:[^"]|"")*"|[^\s;]+))?/i,
  );
}
