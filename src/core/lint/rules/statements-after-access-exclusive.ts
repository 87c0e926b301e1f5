import { alterCmds, as, rangeVarName } from '../ast';
import { CreatedInFile, statementLocks, type StatementLock } from '../statement-locks';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { lineOf, statementVerb } from './_util';

export const meta: RuleMeta = {
  id: 'statements-after-access-exclusive',
  description:
    'More work runs in a transaction that already holds an ACCESS EXCLUSIVE lock, keeping the table blocked until COMMIT',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'none',
  kinds: [],
};

interface Held {
  label: string;
  by: Stmt;
}

export const checkFile: Rule['checkFile'] = (ctx) => {
  const created = new CreatedInFile();
  let tx: number | undefined;
  let held = new Map<string, Held>();
  let reported = false;
  for (const stmt of ctx.statements) {
    // autocommit statements (and the DO statement around its block) each commit on their own
    if (!stmt.inTransaction || stmt.kind === 'DoStmt') {
      created.observe(stmt);
      continue;
    }
    if (stmt.txId !== tx) {
      tx = stmt.txId;
      held = new Map();
      reported = false;
    }
    const locks = statementLocks(stmt, ctx.postgresVersion, created).filter(
      (l) => !(l.rel && created.isNew(l.rel)),
    );
    if (held.size > 0 && !reported && extendsLock(stmt, locks, held, created)) {
      report(ctx, stmt, [...held.values()]);
      reported = true;
    }
    for (const l of locks)
      if (holdsTable(l) && !held.has(key(l))) held.set(key(l), { label: l.label, by: stmt });
    created.observe(stmt);
  }
};

const WORK = new Set([
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'CopyStmt',
  'CallStmt',
  'ExecuteStmt',
]);

/** Work that keeps the held tables blocked for longer: data changes, long scans, waits for other locks. */
function extendsLock(
  stmt: Stmt,
  locks: StatementLock[],
  held: Map<string, Held>,
  created: CreatedInFile,
): boolean {
  if (WORK.has(stmt.kind)) return true;
  const select = as(stmt.node, 'SelectStmt');
  if (select) return !!(select.fromClause?.length || select.larg);
  const ctas = as(stmt.node, 'CreateTableAsStmt');
  if (ctas) return !ctas.into?.skipData;
  // a lock on another existing table: waiting for it extends the block (and risks deadlocks); the
  // ACCESS SHARE of a query (a view's definition) waits only for ACCESS EXCLUSIVE, like any read
  if (
    locks.some(
      (l) =>
        !held.has(key(l)) &&
        l.mode !== 'ACCESS SHARE' &&
        l.object !== 'view' &&
        (l.object !== 'index' || l.rel),
    )
  )
    return true;
  // on a held table, a scan or an index build that would not block reads on its own now does
  // (CREATE INDEX CONCURRENTLY cannot run in a transaction at all: concurrently-in-transaction reports it)
  if (stmt.kind === 'IndexStmt') return locks.length > 0 && !as(stmt.node, 'IndexStmt')!.concurrent;
  if (stmt.kind === 'VacuumStmt') return locks.length > 0;
  const alter = as(stmt.node, 'AlterTableStmt');
  const t = rangeVarName(alter?.relation);
  return (
    !!alter && !!t && !created.isNew(t) && alterCmds(alter).some((c) => c.subtype === 'AT_ValidateConstraint')
  );
}

function report(ctx: RuleContext, stmt: Stmt, held: Held[]): void {
  const names = held.map((h) => h.label);
  const shown =
    names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const first = held[0];
  const verb = statementVerb(stmt);
  ctx.report({
    range: stmt.range,
    message: `${verb} runs while this transaction holds ACCESS EXCLUSIVE on ${shown} (taken by ${statementVerb(first.by)} at line ${lineOf(ctx, first.by)}): reads and writes of ${names.length > 1 ? 'those tables' : shown} stay blocked until COMMIT, for as long as this later work takes`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on ${shown} is held from line ${lineOf(ctx, first.by)} until the transaction commits, not just while the statement that needed it runs. Every query on ${names.length > 1 ? 'those tables' : shown}, reads included, waits for all the work that follows in the same transaction — here starting with this ${verb}. Waiting for locks on other tables while holding it also invites deadlocks.`,
      '',
      '**Safe way:** hold the lock for as short a time as possible:',
      '- move the later statements to a separate migration (each migration runs in its own transaction), or',
      '- when the later statements do not depend on it, reorder the transaction so the statement that takes ACCESS EXCLUSIVE comes last, right before COMMIT:',
      '```sql',
      '-- data changes, index builds and other tables first',
      `${stmt.text.trim()};`,
      '-- the ACCESS EXCLUSIVE statement last: its lock lasts only until the commit that follows',
      `${first.by.text.trim()};`,
      '```',
      'Only the first such statement of each transaction is reported.',
    ].join('\n'),
  });
}

// Views hold no data and are replaced in a moment; a dropped table should have no readers left.
function holdsTable(l: StatementLock): boolean {
  return l.mode === 'ACCESS EXCLUSIVE' && l.object !== 'view' && !l.dropped;
}

// by table name alone: `orders` and `public.orders` are most likely the same table
function key(l: StatementLock): string {
  return l.rel ? `table ${l.rel.name}` : l.label;
}
