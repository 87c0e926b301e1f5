/**
 * A migration script cut into the statements the runner sends one by one, each with its line in the
 * file, so a failure names the statement and where it is. The same cut tells which statements can
 * never run inside a transaction (apply refuses them in a wrapped file; the dry run does not execute
 * them) and which control the transaction themselves (never executed by a dry run).
 */
import { readFileSync } from 'node:fs';
import type { MigrationScript } from '../migrations/model';
import { MAY_REFUSE_TRANSACTION, onlyRefusedInTransaction, transactionRule } from '../pg/transaction';
import { loadParser } from '../sql/parser';
import { countNewlines } from '../sql/source';
import { splitStatements } from '../sql/splitter';

export interface ScriptStatement {
  /** the statement's text, without its terminating `;` */
  sql: string;
  /** 1-based line in the file where the statement starts */
  line: number;
}

/** src/core/pg's answer, or the leading words' when the parser cannot read the statement. */
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
const SUSPECT = new RegExp(
  `${MAY_REFUSE_TRANSACTION.source}|\\b(begin|start|commit|end|rollback|abort|savepoint|release|prepare)\\b`,
  'i',
);

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
  return node === undefined ? classifyByKeywords(sql) : transactionRule(node);
}

/**
 * The commands of a script that holds nothing but statements PostgreSQL refuses in a transaction
 * (['CREATE INDEX CONCURRENTLY'], ...), so that it runs outside one by itself; undefined otherwise.
 * Scripts without a suspect word are answered without the parser.
 */
export async function onlyNonTransactional(script: MigrationScript): Promise<string[] | undefined> {
  if (!MAY_REFUSE_TRANSACTION.test(script.sql)) return undefined;
  const kinds: StatementKind[] = [];
  // one statement at a time: the first that may run in a transaction settles it, unparsed the rest
  for (const s of scriptStatements(script)) {
    const kind = await classifyStatement(s.sql);
    if (kind.kind !== 'no-transaction') return undefined;
    kinds.push(kind);
  }
  return onlyRefusedInTransaction(kinds, (k) => k);
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

function linesBefore(script: MigrationScript): number {
  if (!script.offset) return 0;
  try {
    const file = readFileSync(script.file);
    return countNewlines(file, 0, Math.min(script.offset, file.length));
  } catch {
    return 0;
  }
}
