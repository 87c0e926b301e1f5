/**
 * Which statements PostgreSQL refuses inside a transaction block (the commands that call
 * PreventInTransactionBlock() in its source) and which control the transaction themselves. The
 * runner refuses the first kind in a wrapped file and the dry run never executes them; the linter
 * flags them where the file runs in a transaction.
 */
import type * as T from '@pgsql/types';
import { alterCmds, as, nodeKind } from '../lint/ast';
import type { TransactionRule } from './facts';

const PLAIN: TransactionRule = { kind: 'plain' };

export function transactionRule(node: unknown): TransactionRule {
  switch (nodeKind(node)) {
    case 'TransactionStmt': {
      const k = as(node, 'TransactionStmt')?.kind ?? '';
      return { kind: 'transaction-control', command: k.replace(/^TRANS_STMT_/, '').replace(/_/g, ' ') };
    }
    case 'IndexStmt': {
      const s = as(node, 'IndexStmt')!;
      if (!s.concurrent) return PLAIN;
      const table = s.relation?.relname ?? '?';
      return refused(
        'CREATE INDEX CONCURRENTLY',
        `would build index ${s.idxname ?? '(unnamed)'} on ${table} without blocking reads or writes (SHARE UPDATE EXCLUSIVE on ${table}); ` +
          'it waits for every transaction already running, and leaves an INVALID index behind if it fails',
        CONCURRENTLY,
      );
    }
    case 'DropStmt':
      return as(node, 'DropStmt')!.concurrent
        ? refused(
            'DROP INDEX CONCURRENTLY',
            'would drop the index without blocking reads or writes on its table; it waits for transactions using the index',
            CONCURRENTLY,
          )
        : PLAIN;
    case 'ReindexStmt': {
      const s = as(node, 'ReindexStmt')!;
      if (reindexConcurrently(s))
        return refused(
          'REINDEX CONCURRENTLY',
          'would rebuild the index(es) next to the old ones, without blocking writes',
          CONCURRENTLY,
        );
      const wide = /^REINDEX_OBJECT_(SCHEMA|DATABASE|SYSTEM)$/.exec(s.kind ?? '')?.[1];
      return wide
        ? refused(
            `REINDEX ${wide}`,
            'would rebuild every index of the schema or database, one transaction each',
            new RegExp(`\\b${wide}\\b`, 'i'),
          )
        : PLAIN;
    }
    case 'VacuumStmt':
      // ANALYZE alone may run in a transaction; any VACUUM may not
      return as(node, 'VacuumStmt')!.is_vacuumcmd
        ? refused(
            'VACUUM',
            'would vacuum the table(s): reclaims space and updates statistics; blocks no reads or writes (VACUUM FULL rewrites under ACCESS EXCLUSIVE)',
            /^\s*VACUUM\b/i,
          )
        : PLAIN;
    case 'ClusterStmt':
      // CLUSTER without a table walks every clustered table, one transaction each
      return as(node, 'ClusterStmt')!.relation
        ? PLAIN
        : refused('CLUSTER', 'would re-cluster every previously clustered table', /^\s*CLUSTER\b/i);
    case 'AlterTableStmt':
      return alterCmds(as(node, 'AlterTableStmt')!).some(
        (c) => c.subtype === 'AT_DetachPartition' && as(c.def, 'PartitionCmd')?.concurrent,
      )
        ? refused(
            'ALTER TABLE ... DETACH CONCURRENTLY',
            'would detach the partition in two transactions without blocking the parent table',
            CONCURRENTLY,
          )
        : PLAIN;
    case 'CreatedbStmt':
      return refused('CREATE DATABASE', NOT_IN_DRY_RUN, /^\s*CREATE\s+DATABASE\b/i);
    case 'DropdbStmt':
      return refused('DROP DATABASE', NOT_IN_DRY_RUN, /^\s*DROP\s+DATABASE\b/i);
    case 'CreateTableSpaceStmt':
      return refused('CREATE TABLESPACE', NOT_IN_DRY_RUN, /^\s*CREATE\s+TABLESPACE\b/i);
    case 'DropTableSpaceStmt':
      return refused('DROP TABLESPACE', NOT_IN_DRY_RUN, /^\s*DROP\s+TABLESPACE\b/i);
    case 'AlterSystemStmt':
      return refused('ALTER SYSTEM', NOT_IN_DRY_RUN, /^\s*ALTER\s+SYSTEM\b/i);
    case 'DiscardStmt':
      return as(node, 'DiscardStmt')!.target === 'DISCARD_ALL'
        ? refused('DISCARD ALL', 'would reset the session', /^\s*DISCARD\s+ALL\b/i)
        : PLAIN;
    case 'AlterDatabaseStmt': {
      const opts = (as(node, 'AlterDatabaseStmt')!.options ?? []).map((o) => as(o, 'DefElem')?.defname);
      return opts.includes('tablespace')
        ? refused('ALTER DATABASE SET TABLESPACE', 'would move the whole database', /\bTABLESPACE\b/i)
        : PLAIN;
    }
  }
  return PLAIN;
}

/**
 * A file (or a section of one) whose every statement PostgreSQL refuses in a transaction block, and
 * that holds nothing else, runs without a transaction by itself, as Flyway runs it: a transaction
 * could hold nothing of it. Returns those statements' commands ('CREATE INDEX CONCURRENTLY', ...), or
 * undefined when the file is empty or holds any other statement (then a wrapped file refuses them).
 */
export function onlyRefusedInTransaction<T>(
  statements: readonly T[],
  ruleOf: (statement: T) => { kind: 'no-transaction'; command: string } | { kind: string },
): string[] | undefined {
  if (!statements.length) return undefined;
  const commands: string[] = [];
  // stops at the first statement that may run in a transaction: most files have one at the start
  for (const s of statements) {
    const r = ruleOf(s);
    if (r.kind !== 'no-transaction' || !('command' in r)) return undefined;
    if (!commands.includes(r.command)) commands.push(r.command);
  }
  return commands;
}

/** Words without which no statement of a text is one PostgreSQL refuses in a transaction (transactionRule). */
export const MAY_REFUSE_TRANSACTION =
  /\b(concurrently|vacuum|reindex|cluster|database|tablespace|system|discard)\b/i;

export function reindexConcurrently(s: T.ReindexStmt): boolean {
  return (s.params ?? []).some((p) => {
    const d = as(p, 'DefElem');
    const v = as(d?.arg, 'String')?.sval;
    return d?.defname === 'concurrently' && !(v && /^(false|off|no|0)$/i.test(v));
  });
}

const CONCURRENTLY = /\bCONCURRENTLY\b/i;
const NOT_IN_DRY_RUN = 'cannot run inside a transaction; not executed by a dry run';

function refused(command: string, detail: string, marker: RegExp): TransactionRule {
  return { kind: 'no-transaction', command, detail, marker };
}
