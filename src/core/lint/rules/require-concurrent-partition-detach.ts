import { alterCmds, as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { noTransactionEdits } from './_util';

export const meta: RuleMeta = {
  id: 'require-concurrent-partition-detach',
  description:
    'DETACH PARTITION without CONCURRENTLY locks the whole partitioned table against reads and writes',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const parent = rangeVarName(alter.relation);
  if (!parent || ctx.isNewTable(parent)) return;
  const cmds = alterCmds(alter);
  const detach = cmds.find((c) => c.subtype === 'AT_DetachPartition');
  const part = as(detach?.def, 'PartitionCmd');
  if (!part || part.concurrent) return;
  const p = formatName(parent);
  const child = formatName(rangeVarName(part.name));
  const canConcurrent = ctx.postgresVersion >= 14;
  const explicit = stmt.inTransaction && ctx.explicitTransactions;
  // ATTACH/DETACH cannot be combined with other subcommands, so the partition name ends the statement
  const canFix = canConcurrent && cmds.length === 1 && stmt.origin === 'top' && !explicit;
  ctx.report({
    range: ctx.rangeAt(stmt, part.name?.location),
    message: `DETACH PARTITION ${child} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${p} and ${child}: reads and writes of the whole partitioned table wait until the migration's transaction ends`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on \`${p}\` (every partition is unreachable through it) and on \`${child}\`, plus SHARE on tables whose foreign keys reference \`${p}\`. The detach itself is quick, but it waits for every running query on \`${p}\`, and every new query queues behind it.`,
      '',
      canConcurrent
        ? [
            '**Safe way:** detach concurrently, in a file that runs outside a transaction:',
            '```sql',
            '-- pgshift:no-transaction',
            `ALTER TABLE ${p} DETACH PARTITION ${child} CONCURRENTLY;`,
            '```',
            `CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on \`${p}\` (reads and writes continue) and waits for running transactions in between. It is not allowed when \`${p}\` has a DEFAULT partition. If it is interrupted, finish it with \`ALTER TABLE ${p} DETACH PARTITION ${child} FINALIZE;\`.`,
          ].join('\n')
        : `**No concurrent form before PostgreSQL 14** (target: ${ctx.postgresVersion}). Run the detach at a quiet time with a short \`lock_timeout\` (\`SET lock_timeout = '2s';\`) and retry on timeout, so the lock never queues the application for long.`,
    ].join('\n'),
    suggestions: canFix
      ? [
          {
            title: 'Detach CONCURRENTLY (the file then runs outside a transaction)',
            edits: [
              ...(stmt.inTransaction ? noTransactionEdits(ctx) : []),
              { range: { start: stmt.range.end, end: stmt.range.end }, newText: ' CONCURRENTLY' },
            ],
          },
        ]
      : undefined,
  });
};
