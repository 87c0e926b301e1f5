/**
 * A migration script cut into the statements the runner sends one by one, each with its line in the
 * file, so a failure names the statement and where it is. The same cut tells which statements can
 * never run inside a transaction (apply refuses them in a wrapped file; the dry run does not execute
 * them) and which control the transaction themselves (never executed by a dry run).
 */
import { readFileSync } from 'node:fs';
import type { MigrationScript } from '../migrations/model';
import { as, nodeKind } from '../lint/ast';
import { loadParser } from '../sql/parser';
import { countNewlines } from '../sql/source';
import { splitStatements } from '../sql/splitter';

export interface ScriptStatement {
  /** the statement's text, without its terminating `;` */
  sql: string;
  /** 1-based line in the file where the statement starts */
  line: number;
}

export type StatementKind =
  | { kind: 'plain' }
  /** PostgreSQL refuses it inside a transaction block (PreventInTransactionBlock) */
  | { kind: 'no-transaction'; command: string; detail: string }
  /** BEGIN, COMMIT, ROLLBACK, ... : the file manages the transaction itself */
  | { kind: 'transaction-control'; command: string };

export function scriptStatements(script: MigrationScript): ScriptStatement[] {
  const bytes = Buffer.from(script.sql, 'utf8');
  // discovery's split when it kept one (no file read, no second split), else a split of the script
  if (script.split) return fromRanges(bytes, script.split.line, script.split.ranges);
  return fromRanges(bytes, 1 + linesBefore(script), splitStatements(bytes).statements);
}

function fromRanges(
  bytes: Buffer,
  firstLine: number,
  ranges: readonly { start: number; end: number }[],
): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let line = firstLine;
  let counted = 0;
  for (const r of ranges) {
    line += countNewlines(bytes, counted, r.start);
    counted = r.start;
    out.push({ sql: bytes.toString('utf8', r.start, r.end), line });
  }
  return out;
}

/** The line of a server-reported error position (1-based character index within the statement). */
export function lineOfPosition(stmt: ScriptStatement, position: number | undefined): number {
  if (!position || position < 1) return stmt.line;
  const before = stmt.sql.slice(0, position - 1);
  let n = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) n++;
  return stmt.line + n;
}

// Words that can start or mark a statement that needs special handling; anything else is plain
// without loading the parser (which costs ~100 ms once).
const SUSPECT =
  /\b(concurrently|vacuum|database|system|tablespace|begin|start|commit|end|rollback|abort|savepoint|release|prepare|cluster|discard|reindex)\b/i;

export async function classifyStatement(sql: string): Promise<StatementKind> {
  if (!SUSPECT.test(sql)) return { kind: 'plain' };
  let node: unknown;
  try {
    const parser = await loadParser();
    const parsed = parser.parse(sql);
    if (parsed.ok && parsed.statements.length === 1) node = parsed.statements[0].node;
  } catch {
    node = undefined;
  }
  return node === undefined ? classifyByKeywords(sql) : classifyNode(node, sql);
}

function classifyNode(node: unknown, sql: string): StatementKind {
  const kind = nodeKind(node);
  switch (kind) {
    case 'TransactionStmt': {
      const k = as(node, 'TransactionStmt')?.kind ?? '';
      return { kind: 'transaction-control', command: k.replace(/^TRANS_STMT_/, '').replace(/_/g, ' ') };
    }
    case 'IndexStmt': {
      const s = as(node, 'IndexStmt')!;
      if (!s.concurrent) break;
      const table = s.relation?.relname ?? '?';
      const name = s.idxname ?? '(unnamed)';
      return {
        kind: 'no-transaction',
        command: `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY`,
        detail:
          `would build index ${name} on ${table} without blocking reads or writes (SHARE UPDATE EXCLUSIVE on ${table}); ` +
          `it waits for every transaction already running, and leaves an INVALID index behind if it fails`,
      };
    }
    case 'DropStmt': {
      const s = as(node, 'DropStmt')!;
      if (!s.concurrent) break;
      return {
        kind: 'no-transaction',
        command: 'DROP INDEX CONCURRENTLY',
        detail:
          'would drop the index without blocking reads or writes on its table; it waits for transactions using the index',
      };
    }
    case 'ReindexStmt': {
      const s = as(node, 'ReindexStmt')!;
      const concurrent = (s.params ?? []).some((p) => as(p, 'DefElem')?.defname === 'concurrently');
      if (concurrent) {
        return {
          kind: 'no-transaction',
          command: 'REINDEX CONCURRENTLY',
          detail: 'would rebuild the index(es) next to the old ones, without blocking writes',
        };
      }
      if (/^REINDEX_OBJECT_(SCHEMA|DATABASE|SYSTEM)$/.test(s.kind ?? '')) {
        return {
          kind: 'no-transaction',
          command: 'REINDEX',
          detail: 'would rebuild every index of the schema or database, one transaction each',
        };
      }
      break;
    }
    case 'VacuumStmt':
      if (as(node, 'VacuumStmt')!.is_vacuumcmd) {
        return {
          kind: 'no-transaction',
          command: 'VACUUM',
          detail:
            'would vacuum the table(s): reclaims space and updates statistics; blocks no reads or writes (VACUUM FULL rewrites under ACCESS EXCLUSIVE)',
        };
      }
      break;
    case 'ClusterStmt':
      if (!as(node, 'ClusterStmt')!.relation)
        return {
          kind: 'no-transaction',
          command: 'CLUSTER',
          detail: 'would re-cluster every previously clustered table',
        };
      break;
    case 'AlterTableStmt': {
      const cmds = as(node, 'AlterTableStmt')!.cmds ?? [];
      const detach = cmds.some((c) => {
        const cmd = as(c, 'AlterTableCmd');
        return cmd?.subtype === 'AT_DetachPartition' && as(cmd.def, 'PartitionCmd')?.concurrent;
      });
      if (detach)
        return {
          kind: 'no-transaction',
          command: 'DETACH PARTITION CONCURRENTLY',
          detail: 'would detach the partition in two transactions without blocking the parent table',
        };
      break;
    }
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
      return {
        kind: 'no-transaction',
        command: firstWords(sql),
        detail: 'cannot run inside a transaction; not executed by a dry run',
      };
    case 'DiscardStmt':
      if (as(node, 'DiscardStmt')!.target === 'DISCARD_ALL')
        return { kind: 'no-transaction', command: 'DISCARD ALL', detail: 'would reset the session' };
      break;
    case 'AlterDatabaseStmt': {
      const opts = (as(node, 'AlterDatabaseStmt')!.options ?? []).map((o) => as(o, 'DefElem')?.defname);
      if (opts.includes('tablespace'))
        return {
          kind: 'no-transaction',
          command: 'ALTER DATABASE SET TABLESPACE',
          detail: 'would move the whole database',
        };
      break;
    }
  }
  return { kind: 'plain' };
}

/** The fallback when the parser cannot read the statement: only the unmistakable leading words. */
function classifyByKeywords(sql: string): StatementKind {
  const s = stripLeadingComments(sql);
  const tx =
    /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b/i.exec(
      s,
    );
  if (tx && !/^BEGIN\s+ATOMIC\b/i.test(s))
    return { kind: 'transaction-control', command: tx[1].toUpperCase() };
  const m =
    /^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b[^;]*\bCONCURRENTLY|VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|CREATE\s+TABLESPACE|DROP\s+TABLESPACE)\b/i.exec(
      s,
    );
  if (m)
    return {
      kind: 'no-transaction',
      command: m[1].replace(/\s+/g, ' ').toUpperCase(),
      detail: 'cannot run inside a transaction; not executed by a dry run',
    };
  return { kind: 'plain' };
}

function stripLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith('--')) s = s.slice(s.indexOf('\n') < 0 ? s.length : s.indexOf('\n') + 1).trimStart();
    else if (s.startsWith('/*'))
      s = s.slice(s.indexOf('*/') < 0 ? s.length : s.indexOf('*/') + 2).trimStart();
    else return s;
  }
}

function firstWords(sql: string): string {
  return stripLeadingComments(sql).split(/\s+/).slice(0, 2).join(' ').toUpperCase();
}

function linesBefore(script: MigrationScript): number {
  if (!script.offset) return 0;
  try {
    const file = readFileSync(script.file);
    return countNewlines(file, 0, Math.min(script.offset, file.length));
  } catch {
    return 0;
  }
}
