import { blocksReads, blocksWrites } from '../../pg/lock-modes';
import { firstWithoutTimeout, statementLocks, TimeoutSetting } from '../statement-locks';
import type { Rule, RuleMeta } from '../types';
import { insertBefore, lineOf, statementVerb } from './_util';

export const meta: RuleMeta = {
  id: 'require-lock-timeout',
  description:
    'A statement waits for a lock that blocks reads or writes of an existing table with no lock_timeout set',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: [],
};

export const checkFile: Rule['checkFile'] = (ctx) => {
  const timeout = new TimeoutSetting('lock_timeout', ctx.runnerSetsLockTimeout);
  const hit = firstWithoutTimeout(ctx.statements, timeout, (stmt, created) =>
    statementLocks(stmt, ctx.postgresVersion, created).find(
      (l) => blocksWrites(l.mode) && !l.nowait && !(l.rel && created.isNew(l.rel)),
    ),
  );
  if (!hit) return;
  const { stmt, state, found: lock } = hit;
  const blocked = blocksReads(lock.mode) ? 'read and write' : 'write';
  const why = state.by
    ? `with lock_timeout turned off (line ${lineOf(ctx, state.by)})`
    : 'with no lock_timeout';
  ctx.report({
    range: ctx.rangeAt(stmt, lock.location),
    message: `${statementVerb(stmt)} waits for ${lock.mode} on ${lock.label} ${why}: while it waits behind a running query, every ${blocked} of ${lock.label} queues behind it`,
    help: [
      `**Lock:** ${lock.mode} on ${lock.label}. To get it, the statement waits for every transaction that touched the table to finish — a long report, a backup, an idle-in-transaction session. While it waits, every new ${blocked} of the table queues behind it, so a statement that itself takes milliseconds can stall the application for as long as the slowest query runs.`,
      '',
      '**Safe way:** set a short lock_timeout first, so the statement gives up instead of queueing everyone, and run the migration again later:',
      '```sql',
      "SET lock_timeout = '5s';",
      `${stmt.text.trim()};`,
      '```',
      'Only the first such statement of the file is reported; the setting covers the rest of the session. `SET LOCAL` limits it to the current transaction.',
    ].join('\n'),
    suggestions: [
      insertBefore(ctx, stmt, "SET lock_timeout = '5s';", 'Set lock_timeout before this statement'),
    ],
  });
};
