import { as, formatName, stringList, type QualifiedName } from '../ast';
import type { Fix, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { indexCreatedInFile } from './_relations';
import { noTransactionEdits, offsetAfter } from './_util';

export const meta: RuleMeta = {
  id: 'require-concurrent-index-deletion',
  description: 'DROP INDEX without CONCURRENTLY locks the table against reads and writes',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['DropStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const drop = as(stmt.node, 'DropStmt')!;
  if (drop.removeType !== 'OBJECT_INDEX' || drop.concurrent) return;
  const names = (drop.objects ?? []).map((o) => qualified(stringList(as(o, 'List')?.items)));
  const existing = names.findIndex((n) => !indexCreatedInFile(ctx, stmt, n));
  if (existing < 0) return;
  const pieces = namePieces(stmt);
  const at = pieces?.[existing];
  const name = formatName(names[existing]);
  const cascade = drop.behavior === 'DROP_CASCADE';
  // with BEGIN/COMMIT in the file the runner does not wrap it, and no directive takes the statement out
  const canFix =
    stmt.origin === 'top' && !(stmt.inTransaction && ctx.explicitTransactions) && !cascade && !!pieces;
  ctx.report({
    range: at ? byteRange(stmt, at.start, at.end) : stmt.range,
    message: `DROP INDEX ${name} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: reads and writes of the table wait while the drop waits for running queries and until the transaction ends`,
    help: [
      "**Lock:** ACCESS EXCLUSIVE on the index's table. The drop itself is quick, but it first waits for every query using the table to finish, and every new read and write of the table queues behind it — then the lock is held until the migration's transaction commits.",
      '',
      '**Safe way:** drop it concurrently, in a file that runs outside a transaction:',
      '```sql',
      '-- pgshift:no-transaction',
      `DROP INDEX CONCURRENTLY IF EXISTS ${name};`,
      '```',
      '`DROP INDEX CONCURRENTLY` takes only SHARE UPDATE EXCLUSIVE on the table and waits for conflicting transactions instead of blocking them. It drops one index per statement and cannot use `CASCADE` (drop the dependent constraints or objects first). If it fails it can leave an INVALID index: run it again.',
    ].join('\n'),
    suggestions: canFix ? [concurrentDrop(ctx, stmt, pieces!, names.length)] : undefined,
  });
};

function concurrentDrop(ctx: RuleContext, stmt: Stmt, pieces: Piece[], count: number): Fix {
  const edits = stmt.inTransaction ? noTransactionEdits(ctx) : [];
  if (count === 1) {
    const at = offsetAfter(stmt, /^\s*DROP\s+INDEX/i)!;
    edits.push({ range: { start: at, end: at }, newText: ' CONCURRENTLY' });
  } else {
    // CONCURRENTLY drops a single index: one statement per index
    const ifExists = /^DROP\s+INDEX\s+IF\s+EXISTS\b/i.test(stmt.text) ? ' IF EXISTS' : '';
    const text = pieces.map((p) => `DROP INDEX CONCURRENTLY${ifExists} ${p.text}`).join(';\n');
    edits.push({ range: stmt.range, newText: text });
  }
  return { title: 'Drop the index CONCURRENTLY (the file then runs outside a transaction)', edits };
}

interface Piece {
  text: string;
  start: number;
  end: number;
}

/** The index names as written (character offsets in the statement), split on commas outside quotes. */
function namePieces(stmt: Stmt): Piece[] | undefined {
  const head = /^DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?/i.exec(stmt.text);
  if (!head) return undefined;
  const body = stmt.text.slice(head[0].length).replace(/\s+(?:CASCADE|RESTRICT)\s*$/i, '');
  const pieces: Piece[] = [];
  let from = 0;
  let quoted = false;
  for (let i = 0; i <= body.length; i++) {
    if (body[i] === '"') quoted = !quoted;
    if (i === body.length || (body[i] === ',' && !quoted)) {
      const raw = body.slice(from, i);
      const lead = raw.length - raw.trimStart().length;
      const text = raw.trim();
      if (!text || /--|\/\*/.test(text)) return undefined;
      const start = head[0].length + from + lead;
      pieces.push({ text, start, end: start + text.length });
      from = i + 1;
    }
  }
  return pieces;
}

function byteRange(stmt: Stmt, from: number, to: number): { start: number; end: number } {
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, from), 'utf8');
  return { start, end: start + Buffer.byteLength(stmt.text.slice(from, to), 'utf8') };
}

function qualified(names: string[]): QualifiedName {
  return {
    schema: names.length > 1 ? names[names.length - 2] : undefined,
    name: names[names.length - 1] ?? '',
  };
}
